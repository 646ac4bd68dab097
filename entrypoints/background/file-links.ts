// A click on the marker beside a `.c2c` link in a host page (content/file-links.ts) reaches the background
// as the link's address. The background leaves it in session storage under a random id and opens our popup
// page in a tab at `#file-link=<id>`, which fetches the file without credentials and decrypts it
// (entrypoints/shared/use-file-tools.ts). Nothing is fetched here and the content script gets nothing back.
import { toHex, randomBytes } from '@/lib/bytes';
import { FILE_LINK, FILE_LINK_FRAGMENT, FILE_LINK_KEY_PREFIX, MAX_FILE_LINK_LENGTH } from '@/lib/content/file-link';
import type { WireResponse } from './router';
import type { MessageSenderLike } from './sender';

export function isFileLinkRequest(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === FILE_LINK;
}

export interface FileLinkHost {
  /** Keeps the address for the page that opens it (browser.storage.session). */
  keep(key: string, url: string): Promise<void>;
  openPage(path: string): Promise<void>;
}

function httpUrl(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { type, url, ...rest } = raw as { type?: unknown; url?: unknown };
  if (type !== FILE_LINK || typeof url !== 'string' || url.length > MAX_FILE_LINK_LENGTH || Object.keys(rest).length > 0) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

export async function routeFileLink(raw: unknown, sender: MessageSenderLike & { tab?: unknown }, ownId: string, host: FileLinkHost): Promise<WireResponse> {
  if (sender.id !== ownId || sender.tab === undefined) return { ok: false, error: { code: 'forbidden', message: 'Only the extension’s content script may hand over a file link.' } };
  const url = httpUrl(raw);
  if (url === null) return { ok: false, error: { code: 'bad-request', message: 'Not an http(s) file link.' } };
  const id = toHex(randomBytes(16));
  await host.keep(FILE_LINK_KEY_PREFIX + id, url);
  await host.openPage(`/popup.html#${FILE_LINK_FRAGMENT}${id}`);
  return { ok: true };
}
