// Who may talk to the background. Only documents of our own extension origin (popup, extension pages,
// extension-origin iframes) hold plaintext or keys. A content script shares our extension id but runs
// beside hostile page code, and its sender.url is the host page's URL: it is refused.

export interface MessageSenderLike {
  id?: string;
  url?: string;
}

/** `ownBaseUrl` is `browser.runtime.getURL('/')`, e.g. `chrome-extension://<id>/`. */
export function isExtensionPageSender(sender: MessageSenderLike, ownId: string, ownBaseUrl: string): boolean {
  if (sender.id !== ownId || typeof sender.url !== 'string') return false;
  try {
    // Compare scheme and host of parsed URLs (URL.origin is "null" for these schemes in some engines),
    // so neither "chrome-extension://id.evil.example/" nor a look-alike prefix passes.
    const url = new URL(sender.url);
    const own = new URL(ownBaseUrl);
    return own.host !== '' && url.protocol === own.protocol && url.host === own.host;
  } catch {
    return false;
  }
}
