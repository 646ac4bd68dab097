// The proxy setting and the relay's route (background/relay-route.ts, relay-proxy.ts): the setting is only
// ever socks5h://HOST:PORT (stored canonical), a relay connection never opens while a proxy is set that the
// browser cannot apply (here, in Node, none can: fail closed), and Chrome's PAC script, run as Chrome runs
// it, sends only the relay's host and .onion names to the proxy, with no DIRECT after it.
import { createServer } from 'node:net';
import { runInNewContext } from 'node:vm';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { KeyringDB } from '@/lib/keyring/db';
import type { WebSocketConstructor } from '@/lib/relay-client/client';
import { createBackground } from '@/entrypoints/background/create-background';
import { pacScript } from '@/entrypoints/background/relay-proxy';
import { SettingsRelayRoute, proxyPlan, type ProxyControl, type ProxyPlan } from '@/entrypoints/background/relay-route';
import { setSettings } from '@/lib/keyring/settings';
import { routeMessage } from '@/entrypoints/background/router';
import type { RegistrationStore } from '@/entrypoints/background/service';

const SENDER = { id: 'ext', url: 'chrome-extension://ext/options.html' };

function makeBackground() {
  const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
  const registrations: RegistrationStore = { get: async () => undefined, set: async () => undefined };
  const { service } = createBackground({ db, registrations, WebSocket: WebSocket as unknown as WebSocketConstructor, requestTimeoutMs: 2000 });
  const ctx = { ownId: 'ext', ownBaseUrl: 'chrome-extension://ext/', service, isEnabledSite: async () => true };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field below
  return (request: Record<string, unknown>): Promise<any> => routeMessage(request, SENDER, ctx);
}

/** A loopback listener that counts connections: a relay address nothing should reach. */
async function countingListener(): Promise<{ port: number; count(): number; close(): Promise<void> }> {
  let n = 0;
  const server = createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    count: () => n,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the proxy setting', () => {
  it('is saved with the relay address, canonical, and cleared with an empty value', async () => {
    const call = makeBackground();
    const saved = await call({ type: 'saveSettings', relayUrl: 'ws://127.0.0.1:8787', proxy: ' SOCKS5H://Tor.Example:9050/ ' });
    // Saving works, applying cannot here: the answer says so, and the setting is there.
    expect(saved).toMatchObject({ ok: false, error: { code: 'proxy-unavailable' } });
    expect(await call({ type: 'getState' })).toMatchObject({ ok: true, settings: { relayUrl: 'ws://127.0.0.1:8787', proxy: 'socks5h://tor.example:9050' } });
    // Without `proxy` the stored one stays; '' clears it.
    await call({ type: 'saveSettings', relayUrl: 'ws://localhost:8787' });
    expect(await call({ type: 'getState' })).toMatchObject({ settings: { proxy: 'socks5h://tor.example:9050' } });
    expect(await call({ type: 'saveSettings', relayUrl: 'ws://localhost:8787', proxy: '' })).toMatchObject({ ok: true, settings: { proxy: '' } });
  });

  it.each([
    ['socks5://127.0.0.1:9050', /use socks5h/],
    ['http://127.0.0.1:8080', /socks5h:\/\/HOST:PORT/],
    ['socks5h://user:pw@127.0.0.1:9050', /user name or password/],
    ['socks5h://127.0.0.1:0', /port must be from 1 to 65535/],
    ['x'.repeat(301), /too long/],
  ])('refuses %s and changes nothing, the relay address included', async (proxy, message) => {
    const call = makeBackground();
    expect(await call({ type: 'saveSettings', relayUrl: 'ws://127.0.0.1:1', proxy: 'socks5h://127.0.0.1:9050' })).toMatchObject({ ok: false });
    const r = await call({ type: 'saveSettings', relayUrl: 'ws://127.0.0.1:2', proxy });
    expect(r).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^(malformed|bad-request)$/) } });
    expect(r.error.message).toMatch(message);
    expect(await call({ type: 'getState' })).toMatchObject({ settings: { relayUrl: 'ws://127.0.0.1:1', proxy: 'socks5h://127.0.0.1:9050' } });
  });
});

describe('the relay route', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('with a proxy the browser cannot apply, no relay connection opens: proxy-unavailable, and nothing reaches the relay', async () => {
    const relay = await countingListener();
    // The popup's short-lived connections use the global WebSocket, as in the browser.
    vi.stubGlobal('WebSocket', WebSocket);
    try {
      const call = makeBackground();
      await call({ type: 'createIdentity', handle: 'alice' });
      await call({ type: 'saveSettings', relayUrl: `ws://127.0.0.1:${relay.port}`, proxy: 'socks5h://127.0.0.1:9050' });
      expect(await call({ type: 'relayRegister' })).toMatchObject({ ok: false, error: { code: 'proxy-unavailable' } });
      expect(await call({ type: 'lookupContact', handle: 'bob' })).toMatchObject({ ok: false, error: { code: 'proxy-unavailable' } });
      expect(relay.count()).toBe(0);
      // The same relay without the proxy is reached: the count above could have moved.
      await call({ type: 'saveSettings', relayUrl: `ws://127.0.0.1:${relay.port}`, proxy: '' });
      expect(await call({ type: 'lookupContact', handle: 'bob' })).toMatchObject({ ok: false, error: { code: 'relay-unreachable' } });
      expect(relay.count()).toBe(1);
    } finally {
      await relay.close();
    }
  });
});

describe('SettingsRelayRoute', () => {
  /** The browser's side as a log of what was applied (the browsers themselves: tests/e2e/relay-proxy.test.ts). */
  function recordingControl(): ProxyControl & { applied: (string | null)[] } {
    const applied: (string | null)[] = [];
    return {
      applied,
      apply: async (plan: ProxyPlan | undefined) => void applied.push(plan ? `${plan.relayHosts.join(' ')} via ${plan.proxy.host}:${plan.proxy.port}` : null),
      check: async () => undefined,
    };
  }

  it('a check made while nothing connects keeps the route of the relay URL setting (it once cleared it)', async () => {
    const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
    const control = recordingControl();
    const route = new SettingsRelayRoute(db, control);
    await setSettings(db, { relayUrl: 'wss://Relay.Example/c2c', proxy: 'socks5h://127.0.0.1:9050' });
    await route.ensure('wss://relay.example/c2c');
    // The live connection's check while not yet registered: no URL of its own.
    await route.ensure(undefined);
    await route.ensure('wss://relay.example/c2c');
    expect(control.applied).toEqual(['relay.example via 127.0.0.1:9050']);
    await setSettings(db, { proxy: null });
    await route.ensure(undefined);
    expect(control.applied).toEqual(['relay.example via 127.0.0.1:9050', null]);
  });

  it('refuses while the browser will not apply the plan, and tries again at the next connection', async () => {
    const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
    let refuse = true;
    const route = new SettingsRelayRoute(db, {
      apply: async () => {
        if (refuse) throw new Error('controlled by another extension');
      },
      check: async () => undefined,
    });
    await setSettings(db, { relayUrl: 'ws://x.onion', proxy: 'socks5h://127.0.0.1:9050' });
    await expect(route.ensure('ws://x.onion')).rejects.toMatchObject({ code: 'proxy' });
    await expect(route.ensure('ws://x.onion')).rejects.toMatchObject({ code: 'proxy' });
    refuse = false;
    await expect(route.ensure('ws://x.onion')).resolves.toBeUndefined();
  });
});

describe("Chrome's PAC script", () => {
  /** Runs the script as Chrome does: a FindProxyForURL(url, host) function. */
  function route(relayUrl: string, proxy: string): (url: string) => string {
    // In a context of its own, with no helpers: the script must need none.
    const find = runInNewContext(`${pacScript(proxyPlan(relayUrl, proxy))}\nFindProxyForURL`, {}) as (url: string, host: string) => string;
    return (url) => find(url, new URL(url).hostname);
  }

  it('sends the relay host and .onion names to the proxy with no DIRECT fallback, everything else directly', () => {
    const pac = route('wss://Relay.Example:8443/c2c', 'socks5h://127.0.0.1:9050');
    expect(pac('wss://relay.example:8443/c2c')).toBe('SOCKS5 127.0.0.1:9050');
    expect(pac('https://RELAY.example/')).toBe('SOCKS5 127.0.0.1:9050');
    expect(pac('ws://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion/')).toBe('SOCKS5 127.0.0.1:9050');
    expect(pac('https://chat.example/')).toBe('DIRECT');
    expect(pac('https://relay.example.evil/')).toBe('DIRECT');
    expect(pac('https://evil-relay.example/')).toBe('DIRECT');
    expect(pacScript(proxyPlan('ws://x.onion', 'socks5h://[::1]:9150'))).toContain('"SOCKS5 [::1]:9150"');
  });

  it('with several relay addresses, sends each of their hosts to the proxy and nothing else', () => {
    const pac = route('wss://Node1.example, wss://[2001:db8::1]:8443 wss://node1.example/other', 'socks5h://127.0.0.1:9050');
    expect(proxyPlan('wss://Node1.example, wss://[2001:db8::1]:8443 wss://node1.example/other', 'socks5h://127.0.0.1:9050').relayHosts).toEqual(['node1.example', '2001:db8::1']);
    expect(pac('wss://node1.example/')).toBe('SOCKS5 127.0.0.1:9050');
    expect(pac('wss://node2.example/')).toBe('DIRECT');
    expect(pac('https://node1.example.evil/')).toBe('DIRECT');
  });

  it('sends its probe name to a dead loopback proxy, never to the real one', () => {
    const pac = route('ws://x.onion', 'socks5h://127.0.0.1:9050');
    expect(pac('http://c2c-route-probe.invalid/')).toBe('SOCKS5 127.0.0.1:1');
  });
});
