// The one message a content script sends when the user clicks the marker beside a `.c2c` link in a host
// page (entrypoints/content/file-links.ts → entrypoints/background/file-links.ts). Dependency-free: the
// content script imports it. It carries only the link's address, never the file.
export const FILE_LINK = 'c2c-file-link';
/** Longest link address handed on. */
export const MAX_FILE_LINK_LENGTH = 2048;
/** Where the background leaves a link for the popup page it opens (`storage.session`, `fileLink:<id>`). */
export const FILE_LINK_KEY_PREFIX = 'fileLink:';
/** The popup page's fragment for such a link: `#file-link=<id>`. */
export const FILE_LINK_FRAGMENT = 'file-link=';

/** An http(s) address whose path, or whose `download` name, ends in `.c2c`. */
export function isEncryptedFileLink(href: string, download: string | null): boolean {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return /\.c2c$/i.test(url.pathname) || (download !== null && /\.c2c$/i.test(download.trim()));
}

/**
 * The name a linked file goes by until its own name inside opens: the address's last path segment, decoded
 * where it is valid percent-encoding (the page chooses the address: `%E0%A4%A` must not throw).
 */
export function linkedFileName(href: string): string {
  const last = new URL(href).pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}
