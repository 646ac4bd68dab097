// Who talks to the background. Only documents of our own extension origin (popup, extension pages,
// extension-origin iframes) hold plaintext or keys, and each is one of a few views, told apart by the path
// of its page in the sender's URL as the browser reports it (`sender.url`), never by anything the page sends.
// A content script shares our extension id but runs beside hostile page code, and its sender.url is the
// host page's URL: it is no view.

export interface MessageSenderLike {
  id?: string;
  url?: string;
  /** The tab a frame sits in; its `url` only where we hold a host permission (frame-entitlement.ts). */
  tab?: { id?: number; url?: string };
}

/** Each view, by the path of its page in the built extension. */
export const VIEW_PAGES = {
  'message frame': '/message-frame.html',
  'compose frame': '/compose-frame.html',
  popup: '/popup.html',
  'options page': '/options.html',
  'side panel': '/sidepanel.html',
  'chat page': '/chat.html',
} as const;
export type View = keyof typeof VIEW_PAGES;

/**
 * The view a message came from, or null. `ownBaseUrl` is `browser.runtime.getURL('/')`, e.g.
 * `chrome-extension://<id>/`. Scheme and host are compared on parsed URLs (URL.origin is "null" for these
 * schemes in some engines), so neither "chrome-extension://id.evil.example/" nor a look-alike prefix passes.
 */
export function viewOf(sender: MessageSenderLike, ownId: string, ownBaseUrl: string): View | null {
  if (sender.id !== ownId || typeof sender.url !== 'string') return null;
  try {
    const url = new URL(sender.url);
    const own = new URL(ownBaseUrl);
    if (own.host === '' || url.protocol !== own.protocol || url.host !== own.host) return null;
    const found = Object.entries(VIEW_PAGES).find(([, path]) => path === url.pathname);
    return found ? (found[0] as View) : null;
  } catch {
    return null;
  }
}
