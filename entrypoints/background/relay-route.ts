// How the background reaches the relay: directly, or, with the `proxy` setting, only through that SOCKS5
// proxy (Tor). ensure() runs before every relay connection opens (relay-access.ts, the persistent
// connection's target): it applies the browser's proxy routing for the relay's host and refuses the
// connection when the browser would not route it through the proxy, so nothing goes around it.
// The browser parts (Chrome's PAC script, Firefox's proxy.onRequest) are in relay-proxy.ts.
import type { KeyringDB } from '@/lib/keyring/db';
import { getSetting } from '@/lib/keyring/settings';
import { RelayError } from '@/lib/relay-client/client';
import { formatProxyUrl, parseProxyUrl, type ProxyAddress } from '@/lib/relay-client/proxy-url';
import { relayHosts } from '@/lib/relay-client/relay-urls';

/** Where the relay's connections go: its host names (one per URL of the setting), through this proxy. */
export interface ProxyPlan {
  /** Lower case, IPv6 without brackets, each once. */
  relayHosts: string[];
  proxy: ProxyAddress;
}

/** The browser side: route (or stop routing) the relay's host through the proxy. */
export interface ProxyControl {
  /** Applies the plan (undefined: no proxy); rejects when the browser will not route as planned. */
  apply(plan: ProxyPlan | undefined): Promise<void>;
  /** Rejects when a plan applied earlier is no longer in force (e.g. another extension took the proxy over). */
  check(plan: ProxyPlan): Promise<void>;
}

export interface RelayRoute {
  /**
   * Resolves once a connection to `relayUrl` would take the configured route; rejects (RelayError 'proxy')
   * otherwise. Without one it brings the browser's routing in line with the relay URL setting: a check
   * made while nothing connects must not clear the route a connection opening meanwhile relies on.
   */
  ensure(relayUrl: string | undefined): Promise<void>;
}

export function proxyPlan(relayUrl: string, proxy: string): ProxyPlan {
  const hosts = relayHosts(relayUrl);
  if (hosts.length === 0) throw new Error('no relay URL');
  return { relayHosts: hosts, proxy: parseProxyUrl(proxy) };
}

/** Where no browser can route through a proxy (Node tests): a proxy setting refuses every connection. */
export const NO_PROXY_SUPPORT: ProxyControl = {
  apply: async (plan) => {
    if (plan) throw new Error('no proxy support here');
  },
  check: () => Promise.reject(new Error('no proxy support here')),
};

export class SettingsRelayRoute implements RelayRoute {
  /** The plan in force ('' for direct); null until one was applied, or after applying failed. */
  private applied: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: KeyringDB,
    private readonly control: ProxyControl,
  ) {}

  ensure(relayUrl: string | undefined): Promise<void> {
    // One change at a time: two connections opening together must not interleave set and clear.
    const next = this.queue.then(() => this.bringInLine(relayUrl));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async bringInLine(relayUrl: string | undefined): Promise<void> {
    const proxy = await getSetting(this.db, 'proxy');
    const url = relayUrl ?? (await getSetting(this.db, 'relayUrl'));
    let plan: ProxyPlan | undefined;
    try {
      plan = proxy && url ? proxyPlan(url, proxy) : undefined;
    } catch {
      throw new RelayError('proxy', 'the proxy setting is not valid');
    }
    const key = plan ? `${plan.relayHosts.join(' ')}\n${formatProxyUrl(plan.proxy)}` : '';
    try {
      if (key !== this.applied) {
        this.applied = null;
        await this.control.apply(plan);
        this.applied = key;
      } else if (plan) await this.control.check(plan);
    } catch {
      this.applied = null;
      throw new RelayError('proxy', 'the browser could not route the relay connection through the proxy');
    }
  }
}
