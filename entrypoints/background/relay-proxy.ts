// The browser side of the relay's proxy route (relay-route.ts). Both browsers hand the relay's host name to
// the SOCKS5 proxy (remote DNS), and while a proxy is set, WebRTC may use only proxied traffic.
// - Chrome: a PAC script (proxy.settings, a browser-wide setting) sends only the relay's host and .onion
//   names to the proxy, with no DIRECT fallback; `mandatory` keeps a broken script from falling back either.
//   It applies to every request to that host in the browser, which the settings page says. apply() waits
//   until a probe shows the script in force: the script sends one reserved name to a dead loopback proxy,
//   and only a script in force makes that fail as a proxy error (proxy.onProxyError). Nothing of the probe
//   leaves this machine.
// - Firefox: proxy.onRequest, for the relay's host only, answers for the extension's own requests (its
//   background) with the proxy and proxyDNS. Firefox shows a request to it only with host permission for
//   the relay's host: the settings page asks for it when a proxy is saved (shared/relay-host-access.ts).
import { browser } from 'wxt/browser';
import { relayHostPermissions } from '../shared/relay-host-access';
import type { ProxyControl, ProxyPlan } from './relay-route';

const RTC_POLICY = 'disable_non_proxied_udp';
/** Never resolved by anyone: the PAC script's own name for the probe, sent to a loopback port nobody serves. */
const PROBE_HOST = 'c2c-route-probe.invalid';
const PROBE_PROXY = 'SOCKS5 127.0.0.1:1';
const PROBE_WAIT_MS = { step: 100, total: 5000 } as const;

function proxyHostPort(plan: ProxyPlan): string {
  const host = plan.proxy.host.includes(':') ? `[${plan.proxy.host}]` : plan.proxy.host;
  return `${host}:${plan.proxy.port}`;
}

/** Only the relay's hosts and .onion names go to the proxy; no DIRECT after it, so a dead proxy means no connection. */
export function pacScript(plan: ProxyPlan): string {
  return [
    'function FindProxyForURL(url, host) {',
    '  host = host.toLowerCase();',
    `  if (host === ${JSON.stringify(PROBE_HOST)}) return ${JSON.stringify(PROBE_PROXY)};`,
    `  if (${JSON.stringify(plan.relayHosts)}.indexOf(host) >= 0 || host.slice(-6) === ".onion") return ${JSON.stringify(`SOCKS5 ${proxyHostPort(plan)}`)};`,
    '  return "DIRECT";',
    '}',
  ].join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether Chrome's network service routes by our script now: the probe fails as a proxy error only then. */
async function pacInForce(): Promise<boolean> {
  let proxyError = false;
  const onError = () => void (proxyError = true);
  browser.proxy.onProxyError.addListener(onError);
  try {
    await fetch(`http://${PROBE_HOST}/`, { mode: 'no-cors', cache: 'no-store', credentials: 'omit' }).catch(() => undefined);
    await sleep(PROBE_WAIT_MS.step); // the event may trail the failed fetch
    return proxyError;
  } finally {
    browser.proxy.onProxyError.removeListener(onError);
  }
}

export function chromeProxyControl(): ProxyControl {
  const settings = browser.proxy.settings;
  const webRtc = browser.privacy.network.webRTCIPHandlingPolicy;
  async function check(plan: ProxyPlan): Promise<void> {
    const now = (await settings.get({})) as { levelOfControl: string; value?: { mode?: string; pacScript?: { data?: string } } };
    // Another extension or a policy may control the browser's proxy: then ours is not in force.
    if (now.levelOfControl !== 'controlled_by_this_extension' || now.value?.pacScript?.data !== pacScript(plan)) {
      throw new Error('the proxy setting is not ours');
    }
  }
  return {
    async apply(plan) {
      if (!plan) {
        await settings.clear({ scope: 'regular' });
        await webRtc.clear({});
        return;
      }
      await settings.set({ value: { mode: 'pac_script', pacScript: { data: pacScript(plan), mandatory: true } }, scope: 'regular' });
      await webRtc.set({ value: RTC_POLICY });
      await check(plan);
      for (const end = Date.now() + PROBE_WAIT_MS.total; !(await pacInForce()); await sleep(PROBE_WAIT_MS.step)) {
        if (Date.now() > end) throw new Error('the proxy setting did not come into force');
      }
    },
    check,
  };
}

interface ProxyInfo {
  type: 'socks';
  host: string;
  port: number;
  proxyDNS: boolean;
}
interface RequestDetails {
  url: string;
  originUrl?: string;
  documentUrl?: string;
}
type OnRequest = (details: RequestDetails) => ProxyInfo | undefined;
/** Firefox's proxy.onRequest (not in Chrome's API types). */
interface FirefoxProxyApi {
  onRequest: {
    addListener(listener: OnRequest, filter: { urls: string[] }): void;
    removeListener(listener: OnRequest): void;
  };
}

/**
 * One listener for the background's life, registered before the first plan and reading the current one:
 * a plan change then takes effect at once (adding a listener reaches Firefox's network side only later).
 */
export function firefoxProxyControl(ownBaseUrl: string): ProxyControl {
  const proxyApi = (browser as unknown as { proxy: FirefoxProxyApi }).proxy;
  const webRtc = browser.privacy.network.webRTCIPHandlingPolicy;
  let current: { relayHosts: string[]; info: ProxyInfo } | null = null;
  // Our own requests (the background's) to the relay's host only: a page's requests keep the browser's route.
  const listener: OnRequest = (details) => {
    if (!current || !(details.originUrl ?? details.documentUrl ?? '').startsWith(ownBaseUrl)) return undefined;
    const host = new URL(details.url).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
    return current.relayHosts.includes(host) ? current.info : undefined;
  };
  proxyApi.onRequest.addListener(listener, { urls: ['ws://*/*', 'wss://*/*'] });
  async function check(plan: ProxyPlan): Promise<void> {
    if (current?.relayHosts.join(' ') !== plan.relayHosts.join(' ')) throw new Error('another plan is in force');
    // Without it Firefox would not show us the relay's requests, and they would go directly.
    if (!(await browser.permissions.contains({ origins: plan.relayHosts.flatMap(relayHostPermissions) }))) {
      throw new Error('no host permission for the relay');
    }
  }
  return {
    async apply(plan) {
      if (!plan) {
        current = null;
        await webRtc.clear({});
        return;
      }
      current = { relayHosts: plan.relayHosts, info: { type: 'socks', host: plan.proxy.host, port: plan.proxy.port, proxyDNS: true } };
      await webRtc.set({ value: RTC_POLICY });
      await check(plan);
    },
    check,
  };
}
