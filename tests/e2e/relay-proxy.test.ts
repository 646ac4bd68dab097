// The extension's relay connections through a SOCKS5 proxy (settings-proxy), in Chromium (a PAC script)
// and Firefox (proxy.onRequest): registering and the background's live connection go through the test's
// recording SOCKS5 server, which is asked for the relay by host name (address type 3); the relay, behind
// a tap that records where connections come from, sees only the proxy's. With the proxy down, nothing
// reaches the relay. The relay's name is an onion address that only the test proxy can resolve.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, freePort, startRelay, until, type RunningRelay } from '../relay/harness';
import { startSocks5Server, type Socks5Server } from '../relay/socks5-server';
import { startTcpTap, type TcpTap } from '../relay/tcp-tap';
import { byTestId, launchWithExtension, type BrowserKind, type ExtensionSession, CHROMIUM_ARGS } from './harness';
import { clickWhenEnabled, fill, inOptions, onboardInPopup, textMatching, textOf } from './flows';

const ONION = `c2crelay${'y'.repeat(47)}d.onion`;

/** Chromium resolves the onion name itself here (to loopback), so a connection around the proxy would reach the relay. */
function resolverRules(): string {
  const base = CHROMIUM_ARGS.find((a) => a.startsWith('--host-resolver-rules='))!.slice('--host-resolver-rules='.length);
  return `--host-resolver-rules=MAP ${ONION} 127.0.0.1 , ${base}`;
}

async function saveRelaySettings(options: Page, relayUrl: string, proxy: string): Promise<void> {
  await fill(options, 'settings-relay-url', relayUrl);
  await fill(options, 'settings-proxy', proxy);
  await clickWhenEnabled(options, byTestId('settings-save'));
  await textOf(options, 'settings-saved');
}

for (const kind of ['chromium', 'firefox'] as BrowserKind[]) {
  describe(`${kind}: the relay through a SOCKS5 proxy`, () => {
    let relay: RunningRelay;
    let tap: TcpTap;
    let socks: Socks5Server;
    let session: ExtensionSession;
    let popup: Page;
    let relayUrl: string;

    beforeAll(async () => {
      tap = await startTcpTap();
      relayUrl = `ws://${ONION}:${tap.port}`;
      [relay, socks, session] = await Promise.all([
        startRelay(['--public-url', relayUrl]),
        startSocks5Server({ [ONION]: '127.0.0.1' }),
        launchWithExtension(kind, {
          chromiumArgs: [resolverRules()],
          firefoxPrefs: {
            // Firefox grants the relay-host permission the settings page asks for without a prompt.
            'extensions.webextOptionalPermissionPrompts': false,
            // As in Chromium, this machine can resolve the onion name (to loopback), so that a connection
            // around the proxy would reach the relay.
            'network.dns.localDomains': ONION,
            'network.dns.blockDotOnion': false,
          },
        }),
      ]);
      tap.targetPort = relay.port;
      ({ page: popup } = await onboardInPopup(session, 'alice'));
    });

    afterAll(async () => {
      await session?.close();
      await Promise.all([tap?.close(), socks?.close()]);
      await cleanup();
    });

    it('registers and stays connected only through the proxy, naming the relay by host name', async () => {
      await inOptions(popup, async (options) => {
        if (kind === 'chromium') expect(await textOf(options, 'settings-proxy-browser-wide')).toMatch(/whole browser/);
        await saveRelaySettings(options, relayUrl, socks.url);
        await clickWhenEnabled(options, byTestId('relay-register'));
        await options.waitForSelector(`${byTestId('relay-status')}[data-registered="true"]`, { timeout: 30_000 });
        // The background's live connection follows the registration, through the proxy as well.
        await options.waitForSelector(`${byTestId('relay-status')}[data-connection="connected"]`, { timeout: 30_000 });
      });
      expect(socks.requests.length, JSON.stringify({ tap: tap.sourcePorts, up: socks.upstreamPorts })).toBeGreaterThanOrEqual(2);
      for (const request of socks.requests) expect(request).toEqual({ atyp: 3, host: ONION, port: tap.port });
      expect([...tap.sourcePorts].sort()).toEqual([...socks.upstreamPorts].sort());
    });

    it('with the proxy down, nothing reaches the relay and the popup says the relay could not be reached', async () => {
      const before = tap.sourcePorts.length;
      const requests = socks.requests.length;
      const down = `socks5h://127.0.0.1:${await freePort()}`;
      await inOptions(popup, (options) => saveRelaySettings(options, relayUrl, down));
      await fill(popup, 'contact-lookup-handle', 'alice');
      await clickWhenEnabled(popup, byTestId('contact-lookup'));
      await textMatching(popup, 'contact-lookup-error', /could not be reached/);
      // Give the background's live connection time to retry (it backs off from half a second).
      await new Promise((r) => setTimeout(r, 3000));
      expect(tap.sourcePorts.length).toBe(before);
      expect(socks.requests.length).toBe(requests);
    });

    {
      it('control: with no proxy, the same name reaches the relay directly (so the silence above was the route)', async () => {
        const before = tap.sourcePorts.length;
        await inOptions(popup, (options) => saveRelaySettings(options, relayUrl, ''));
        await fill(popup, 'contact-lookup-handle', 'alice');
        await clickWhenEnabled(popup, byTestId('contact-lookup'));
        await until(() => tap.sourcePorts.length > before, 20_000);
      });
    }

    it('refuses a proxy address that is not socks5h://HOST:PORT and keeps the one saved', async () => {
      const proxyShown = async (options: Page) => {
        await options.waitForSelector(byTestId('settings-proxy'));
        return options.$eval(byTestId('settings-proxy'), (e) => (e as HTMLInputElement).value);
      };
      await inOptions(popup, async (options) => {
        await saveRelaySettings(options, relayUrl, socks.url);
        await fill(options, 'settings-proxy', `socks5://127.0.0.1:${socks.port}`);
        await clickWhenEnabled(options, byTestId('settings-save'));
        await textMatching(options, 'settings-proxy-error', /not valid/);
      });
      // A fresh options page shows what is stored: the refused address was not saved.
      await inOptions(popup, async (options) => {
        await until(async () => (await proxyShown(options)) === socks.url, 10_000);
      });
    });
  });
}
