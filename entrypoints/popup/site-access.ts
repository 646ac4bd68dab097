// Per-site opt-in: the extension gets no host access at install. Enabling the current tab's site asks for
// that origin (an optional host permission), registers the content script there for future visits and
// injects it into the open tab now. The test build declares the script for its pre-granted loopback hosts.
import { browser } from 'wxt/browser';
import { isSiteEnabled, sitePattern, siteScriptId } from '../shared/enabled-site';

const CONTENT_SCRIPT = '/content-scripts/content.js';

export interface Site {
  tabId: number;
  /** Match pattern for the site, e.g. `https://chat.example/*` (any port). */
  pattern: string;
  host: string;
  /** The origin (scheme, host, port): what per-site settings are keyed by. */
  origin: string;
  enabled: boolean;
}

/** The active tab's site, or null for pages the extension cannot work in (not http/https). */
export async function currentSite(): Promise<Site | null> {
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  if (tab?.id === undefined || !tab.url) return null;
  let url: URL;
  try {
    url = new URL(tab.url);
  } catch {
    return null;
  }
  const pattern = sitePattern(url);
  if (pattern === null) return null;
  return { tabId: tab.id, pattern, host: url.hostname, origin: url.origin, enabled: await isSiteEnabled(pattern) };
}

/** Must run in the click's handler: the permission prompt needs the user's gesture. */
export async function enableSite(site: Site): Promise<boolean> {
  if (!(await browser.permissions.request({ origins: [site.pattern] }))) return false;
  const id = siteScriptId(site.pattern);
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [id] });
  if (existing.length === 0) {
    // Every frame of the site too, and the about:blank / srcdoc frames its pages make (docs/ARCHITECTURE.md).
    await browser.scripting.registerContentScripts([
      { id, matches: [site.pattern], js: [CONTENT_SCRIPT], runAt: 'document_idle', persistAcrossSessions: true, allFrames: true, matchOriginAsFallback: true },
    ]);
  }
  // The script ignores a second injection, so this is safe where it already runs.
  await browser.scripting.executeScript({ target: { tabId: site.tabId, allFrames: true }, files: [CONTENT_SCRIPT] });
  return true;
}
