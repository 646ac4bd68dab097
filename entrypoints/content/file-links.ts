// Marks `.c2c` links the page shows (an <a> whose address or download name ends in `.c2c`) with an inert
// button. A trusted click on it sends the background the link's address (lib/content/file-link.ts), which
// opens our own page to fetch and decrypt it there: the content script never reads the file.
import { browser } from 'wxt/browser';
import { FILE_LINK, isEncryptedFileLink, MAX_FILE_LINK_LENGTH } from '@/lib/content/file-link';

const MARKER_STYLE =
  'all:revert;display:inline-block;margin:0 0 0 4px;padding:0 6px;font:12px/18px system-ui,sans-serif;color:#466;background:#eef3ee;border:1px solid #acb;border-radius:9px;cursor:pointer;';

/**
 * Links that may be `.c2c` ones, matched natively: this runs on every subtree a chat page adds, and most of
 * its links are not ours to parse. isEncryptedFileLink decides among these.
 */
const CANDIDATES = 'a[href*=".c2c" i], a[href][download]';

export class FileLinks {
  private readonly marked = new WeakSet<HTMLAnchorElement>();
  constructor(private readonly label: string) {}

  /** Marks the `.c2c` links in `root` (itself included) not marked yet. */
  scan(root: Element | Document): void {
    const links = root instanceof Element && root.matches(CANDIDATES) ? [root as HTMLAnchorElement] : root.querySelectorAll<HTMLAnchorElement>(CANDIDATES);
    for (const link of links) {
      if (this.marked.has(link) || !isEncryptedFileLink(link.href, link.getAttribute('download'))) continue;
      this.marked.add(link);
      link.after(this.marker(link));
    }
  }

  private marker(link: HTMLAnchorElement): HTMLButtonElement {
    const marker = document.createElement('button');
    marker.type = 'button';
    marker.dataset.c2c = 'file-link';
    marker.setAttribute('style', MARKER_STYLE);
    marker.textContent = this.label;
    marker.addEventListener('click', (e) => {
      e.preventDefault();
      e.stopPropagation();
      // Only the user's own click: a page cannot make us open tabs.
      if (!e.isTrusted) return;
      // The address as the link holds it now (the page may have changed it since it was marked).
      const url = link.href;
      if (url.length > MAX_FILE_LINK_LENGTH || !isEncryptedFileLink(url, link.getAttribute('download'))) return;
      void browser.runtime.sendMessage({ type: FILE_LINK, url }).catch(() => undefined);
    });
    return marker;
  }
}
