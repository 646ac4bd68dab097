// Which message frames the background decrypts for. The frame's page is web-accessible to every site (a
// site cannot embed it otherwise), so any page could embed it with a token of its choosing and use it as an
// oracle: is the extension there, is there an identity, is the visitor a given handle. Only a frame whose
// tab shows a site the user enabled is served: the browser reports the tab's address to us only for sites
// we hold a host permission for, and enabling a site is granting exactly that. A frame anywhere else gets
// one fixed refusal, before its request is read, so nothing it shows or how long it waits depends on its token.
import type { MessageSenderLike } from './sender';

/** Whether the user enabled this web origin (`https://example.com`). */
export type IsEnabledSite = (origin: string) => Promise<boolean>;

export const NOT_ENABLED_HERE = 'Crypt2Chat is not enabled on this site.';

/** The origin of the enabled http(s) site the sender's tab shows, or null when it shows none. */
export async function enabledSiteOf(sender: MessageSenderLike, isEnabled: IsEnabledSite): Promise<string | null> {
  const address = sender.tab?.url;
  if (typeof address !== 'string') return null;
  let origin: string;
  try {
    const url = new URL(address);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    origin = url.origin;
  } catch {
    return null;
  }
  return (await isEnabled(origin)) ? origin : null;
}
