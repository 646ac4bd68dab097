// Firefox shows an extension's proxy.onRequest only the requests it has host permission for, so routing the
// relay through a proxy there needs access to the relay's host (background/relay-proxy.ts). The settings
// page asks for it when a proxy is saved (a user action, as Firefox requires); Chrome's PAC needs none.
import { browser } from 'wxt/browser';
import { relayHosts } from '@/lib/relay-client/relay-urls';

/** The host permissions for the relay's host name (lower case, IPv6 without brackets): Firefox checks the ws:// URL. */
export function relayHostPermissions(relayHost: string): string[] {
  const host = relayHost.includes(':') ? `[${relayHost}]` : relayHost;
  return [`ws://${host}/*`, `wss://${host}/*`];
}

/**
 * Asks for access to the relay's hosts (every URL of the setting) when a proxy is to be used in Firefox;
 * true when there is nothing to ask or it was granted. Call it first thing in the click's handler: Firefox
 * needs the user action.
 */
export function requestRelayHostAccess(relayUrl: string, proxy: string): Promise<boolean> {
  if (!import.meta.env.FIREFOX || proxy.trim() === '') return Promise.resolve(true);
  let hosts: string[];
  try {
    hosts = relayHosts(relayUrl);
  } catch {
    return Promise.resolve(true); // not an address: the background refuses it with its own message
  }
  return browser.permissions.request({ origins: hosts.flatMap(relayHostPermissions) });
}
