// The extension and the `c2c` CLI talking through a real relay process: the CLI's alice sends to the
// extension's bob (opened by the background, shown in the popup's Received list as pinned), bob
// answers with sendToContact and `c2c listen` prints it; then the relay is killed and restarted on the
// same port and data folder, and the extension reconnects by itself; finally its service worker is stopped
// and woken again. One Chromium, one relay restart.
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { c2c, cleanup, sendUntilHeard, startRelay, tempDir, type RunningRelay } from '../relay/harness';
import { byTestId, launchWithExtension, type ExtensionSession } from './harness';
import { CANARY, api, lookUpAndPin, newestInboxItem, onboardInPopup, registerInPopup, relayStatus, relayStatusIn, waitForInboxCount } from './flows';

describe('extension ↔ c2c CLI through a real relay', () => {
  let relay: RunningRelay;
  let bob: ExtensionSession;
  let page: Page;
  let aliceKey: string;

  const send = (text: string) => c2c(['send', '--relay', relay.url, '--key', aliceKey, '--to', 'bob'], text).done;

  beforeAll(async () => {
    aliceKey = join(tempDir('c2c-e2e-cli-'), 'alice.key');
    [relay, bob] = await Promise.all([startRelay(), launchWithExtension('chromium'), c2c(['keygen', '--out', aliceKey, '--handle', 'alice']).done]);
    const registered = await c2c(['register', '--relay', relay.url, '--key', aliceKey, '--handle', 'alice']).done;
    expect(registered.stdout).toMatch(/^registered alice\n/);
  });

  afterAll(async () => {
    await bob?.close();
    await cleanup();
  });

  it('c2c send reaches the popup as pinned with the exact text; sendToContact reaches c2c listen', async () => {
    ({ page } = await onboardInPopup(bob, 'bob'));
    await registerInPopup(page, relay.url);
    expect(await relayStatus(page, relayStatusIn('connected'), 20_000)).toContain('registered');
    await lookUpAndPin(page, 'alice');

    const sent = await send(CANARY);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).toBe('accepted by the relay for bob\n');
    await waitForInboxCount(page, 1);
    expect(await newestInboxItem(page)).toEqual({ status: 'pinned', sender: 'alice', text: CANARY });

    const listen = c2c(['listen', '--relay', relay.url, '--key', aliceKey, '--count', '1', '--timeout', '30']);
    try {
      // The relay keeps nothing and answers "accepted" even before the listener is connected.
      const answers = await sendUntilHeard(() => api<{ ok: boolean; delivery?: string }>(page, { type: 'sendToContact', handle: 'alice', plaintext: CANARY }), listen.done);
      for (const r of answers) expect(r, JSON.stringify(r)).toMatchObject({ ok: true, delivery: 'accepted' });
      const heard = await listen.done;
      expect(heard.stderr).toBe('');
      expect(heard.stdout).toBe(`bob: ${CANARY}\n`);
      expect(heard.code).toBe(0);
    } finally {
      listen.kill();
    }
  });

  it('shows the relay going away, reconnects by itself to a restarted relay, and receives again', async () => {
    const { port, dataDir } = relay;
    await relay.kill('SIGKILL');
    expect(await relayStatus(page, `${byTestId('relay-status')}:not([data-connection="connected"])`, 20_000)).toMatch(/registered.*(Offline|Connecting)/s);
    expect((await send('while the relay is down')).code).toBe(1);

    relay = await startRelay(['--port', String(port)], dataDir);
    // Backoff is capped at 15 s (relay-connection.ts); nothing but the background's own retries reconnects it.
    await relayStatus(page, relayStatusIn('connected'), 25_000);

    const text = 'После перезапуска 🔁 still verified';
    const sent = await send(text);
    expect(sent.code, sent.stderr).toBe(0);
    await waitForInboxCount(page, 2);
    expect(await newestInboxItem(page)).toEqual({ status: 'pinned', sender: 'alice', text });
  });

  it('a stopped service worker drops the connection (what is sent meanwhile is lost); the next wake reconnects', async () => {
    if (!page.isClosed()) await page.close(); // (a retry finds it closed)
    const isWorker = (t: { type(): string; url(): string }) => t.type() === 'service_worker' && t.url().startsWith(bob.baseUrl);
    const blank = await bob.browser.newPage();
    const cdp = await blank.createCDPSession();
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await cdp.detach();
    await blank.close();
    await expect.poll(() => bob.browser.targets().some(isWorker), { timeout: 10_000 }).toBe(false);
    // Nothing is queued for bob while no worker holds his connection; the sender hears only "accepted".
    const asleep = await send('while bob sleeps');
    expect(asleep).toMatchObject({ code: 0, stderr: 'accepted by the relay for bob\n' });

    // Opening the popup wakes the worker, which connects on start; the in-memory inbox started empty.
    page = await bob.openPopup();
    await relayStatus(page, relayStatusIn('connected'), 20_000);
    expect(await page.$$(byTestId('inbox-item'))).toHaveLength(0);
    const sent = await send('good morning');
    expect(sent.code, sent.stderr).toBe(0);
    await waitForInboxCount(page, 1);
    expect(await newestInboxItem(page)).toEqual({ status: 'pinned', sender: 'alice', text: 'good morning' });
  });
});
