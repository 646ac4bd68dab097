// Whether the user enabled a site, read the same way by the popup (to show it) and by the background (to
// serve message frames only there). A site is a scheme and host name, any port: what the permission
// prompt grants and what Firefox's match patterns can name (they have no port).
import { browser } from 'wxt/browser';

/** The id of the content script registered for a site's pattern. */
export const siteScriptId = (pattern: string) => `c2c-site:${pattern}`;

/** The match pattern of the site showing `url`, e.g. `https://chat.example/*`; null if not http(s). */
export function sitePattern(url: URL): string | null {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  return `${url.protocol}//${url.hostname}/*`;
}

/** Granted host access and our content script there (declared in the manifest, or registered on enabling). */
export async function isSiteEnabled(pattern: string): Promise<boolean> {
  if (!(await browser.permissions.contains({ origins: [pattern] }))) return false;
  const declared = browser.runtime.getManifest().content_scripts ?? [];
  if (declared.some((s) => s.matches?.includes(pattern))) return true;
  const registered = await browser.scripting.getRegisteredContentScripts({ ids: [siteScriptId(pattern)] });
  return registered.length > 0;
}
