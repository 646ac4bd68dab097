// The extension in a real Chromium: onboarding in the popup, a two-profile encrypted round trip through
// the background API, hostile inputs, the sender check against content scripts, and a stopped worker.
// Three fresh profiles (alice, bob, carol) are shared by the tests below, which run in order.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity } from '@/lib/crypto/identity';
import { generatePrekey } from '@/lib/crypto/prekey';
import { encodePublicBundle } from '@/lib/crypto/public-bundle';
import { byTestId, launchWithExtension, type ExtensionSession } from './harness';
import { CANARY, FINGERPRINT_RE, api, bundleOf, decrypt, encrypt, fill, inOptions, onboardInPopup, pin, tamper, textOf, clickWhenEnabled } from './flows';

describe('Chromium: popup and background', () => {
  let alice: ExtensionSession;
  let bob: ExtensionSession;
  let carol: ExtensionSession;
  let alicePage: Page;
  let bobPage: Page;
  let carolPage: Page;
  let aliceFingerprint = '';

  beforeAll(async () => {
    [alice, bob, carol] = await Promise.all([
      launchWithExtension('chromium'),
      launchWithExtension('chromium'),
      launchWithExtension('chromium'),
    ]);
  });

  afterAll(async () => {
    await Promise.all([alice, bob, carol].filter(Boolean).map((s) => s.close()));
  });

  it('onboarding: creates an identity, shows its fingerprint, and keeps the relay URL across reopening', async () => {
    const { page, fingerprint } = await onboardInPopup(alice, 'alice');
    expect(fingerprint).toMatch(FINGERPRINT_RE);
    aliceFingerprint = fingerprint;

    await page.close();
    // The relay address lives on the options page.
    const options = await alice.openOptions();
    await fill(options, 'settings-relay-url', 'ws://127.0.0.1:8787');
    await options.keyboard.press('Enter'); // the form is keyboard operable
    await textOf(options, 'settings-saved');
    await options.close();

    const again = await alice.openOptions();
    expect(await textOf(again, 'identity-fingerprint')).toBe(fingerprint);
    const relay = await again.$eval(byTestId('settings-relay-url'), (e) => (e as HTMLInputElement).value);
    expect(relay).toBe('ws://127.0.0.1:8787');
    await again.close();
    alicePage = await alice.openPopup();
    await textOf(alicePage, 'popup-handle');
    expect(await alicePage.$(byTestId('onboard-create'))).toBeNull();
  });

  it('shows clear errors for a bad handle and a bad relay URL, and keeps working', async () => {
    const page = await bob.openPopup();
    await fill(page, 'onboard-handle', 'no spaces!');
    await clickWhenEnabled(page, byTestId('onboard-create'));
    expect(await textOf(page, 'onboard-error')).toMatch(/3 to 32 characters/);
    await page.close();

    await inOptions(alicePage, async (options) => {
      await fill(options, 'settings-relay-url', 'http://example.org');
      await clickWhenEnabled(options, byTestId('settings-save'));
      expect(await textOf(options, 'settings-error')).toMatch(/wss:\/\//);
    });
    const state = await api<{ ok: boolean; settings: { relayUrl: string } }>(alicePage, { type: 'getState' });
    expect(state.settings.relayUrl).toBe('ws://127.0.0.1:8787');
  });

  it('encrypts in one profile and decrypts in another: same text, pinned until compared, then verified', async () => {
    ({ page: bobPage } = await onboardInPopup(bob, 'bob'));
    expect(await pin(alicePage, 'bob', await bundleOf(bobPage))).toBe('pinned');
    expect(await pin(bobPage, 'alice', await bundleOf(alicePage))).toBe('pinned');

    const token = await encrypt(alicePage, ['bob'], CANARY);
    expect(token).not.toContain('Canary');
    const opened = await decrypt(bobPage, token, 'conv-1');
    // Pinned on first use, safety number never compared: the weaker word.
    expect(opened).toEqual({ status: 'pinned', plaintext: CANARY, senderFingerprint: aliceFingerprint, senderHandle: 'alice', postQuantum: false });
    // Bob compares safety numbers and marks alice verified: the same message (a re-render) now says verified.
    expect(await api(bobPage, { type: 'markVerified', handle: 'alice' })).toMatchObject({ ok: true });
    expect(await decrypt(bobPage, token, 'conv-1')).toMatchObject({ status: 'verified', senderHandle: 'alice', plaintext: CANARY });

    // The sender keeps a copy for her own history.
    expect(await decrypt(alicePage, token, 'conv-1')).toMatchObject({ status: 'verified', plaintext: CANARY });
  });

  it('a sender who is not pinned decrypts as unverified', async () => {
    const created = await api<{ ok: boolean; identity: { fingerprint: string } }>(carolPage ?? (carolPage = await carol.openPopup()), {
      type: 'createIdentity',
      handle: 'carol',
    });
    expect(created.ok).toBe(true);
    await pin(carolPage, 'bob', await bundleOf(bobPage));
    const opened = await decrypt(bobPage, await encrypt(carolPage, ['bob'], 'from carol'));
    // The message names its sender by key id only (its first 8 bytes): all bob can show of an unknown key.
    expect(opened).toEqual({ status: 'unverified', plaintext: 'from carol', senderFingerprint: `${created.identity.fingerprint.slice(0, 19)} …`, postQuantum: false });
  });

  it('tampered, truncated, garbage and replayed tokens give specific errors; the keyring stays intact', async () => {
    const token = await encrypt(alicePage, ['bob'], 'PAY 100');
    const mid = Math.floor(token.length / 2);
    const flipped = tamper(token, mid);

    const tampered = await decrypt(bobPage, flipped);
    expect(tampered.status).toBe('error');
    if (tampered.status === 'error') {
      expect(['checksum', 'tampered']).toContain(tampered.reason.code);
      expect(tampered.reason.message.length).toBeGreaterThan(10);
      expect(tampered.reason.message).not.toContain('PAY');
    }
    const truncated = await decrypt(bobPage, token.slice(0, mid));
    expect(truncated).toMatchObject({ status: 'error' });
    if (truncated.status === 'error') expect(['truncated', 'checksum', 'malformed']).toContain(truncated.reason.code);
    expect(await decrypt(bobPage, 'hello, this is not a token')).toMatchObject({ status: 'error', reason: { code: 'malformed' } });

    // The same token in the same place is a re-render; pasted into another conversation it is a replay.
    expect(await decrypt(bobPage, token, 'conv-2')).toMatchObject({ status: 'verified', plaintext: 'PAY 100' });
    expect(await decrypt(bobPage, token, 'conv-2')).toMatchObject({ status: 'verified', plaintext: 'PAY 100' });
    expect(await decrypt(bobPage, token, 'conv-3')).toMatchObject({ status: 'error', reason: { code: 'replayed' } });

    // Malformed requests are refused by the schema, not half-processed.
    expect(await api(bobPage, { type: 'encrypt', recipients: [], plaintext: 'x' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await api(bobPage, { type: 'launchMissiles' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await api(bobPage, 'not even an object' as unknown as Record<string, unknown>)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await api(bobPage, { type: 'encrypt', recipients: ['nobody'], plaintext: 'x' })).toMatchObject({ ok: false, error: { code: 'not-found' } });

    // After all that, a later good message still opens.
    expect(await decrypt(bobPage, await encrypt(alicePage, ['bob'], CANARY))).toMatchObject({ status: 'verified', plaintext: CANARY });
  });

  it('refuses requests from a content script (its sender URL is the host page)', async () => {
    const server: Server = createServer((_req, res) => res.end('<!doctype html><title>host</title><p>host page</p>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const hostUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/chat`;
      const host = await alice.browser.newPage();
      await host.goto(hostUrl);
      // The popup injects a script into the host tab (an isolated-world content script, extension id and
      // all) that asks the background for work; the answers come back to the popup.
      const answers = await alicePage.evaluate(async (url) => {
        type Chrome = {
          tabs: { query(q: object): Promise<{ id?: number }[]> };
          scripting: { executeScript(i: object): Promise<{ result: unknown }[]> };
        };
        const c = (globalThis as unknown as { chrome: Chrome }).chrome;
        const [tab] = await c.tabs.query({ url });
        const results = await c.scripting.executeScript({
          target: { tabId: tab!.id },
          func: async () => {
            const rt = (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).chrome.runtime;
            return Promise.all([
              rt.sendMessage({ type: 'encrypt', recipients: ['bob'], plaintext: 'secret' }),
              rt.sendMessage({ type: 'getState' }),
              rt.sendMessage({ type: 'decrypt', text: 'c2c' }),
            ]);
          },
        });
        return results[0]!.result;
      }, hostUrl);
      expect(answers).toEqual([
        { ok: false, error: { code: 'forbidden', message: expect.any(String) } },
        { ok: false, error: { code: 'forbidden', message: expect.any(String) } },
        { ok: false, error: { code: 'forbidden', message: expect.any(String) } },
      ]);
      await host.close();
    } finally {
      server.close();
    }
  });

  it('wakes a stopped service worker: the popup still works', async () => {
    const isWorker = (t: { type(): string; url(): string }) => t.type() === 'service_worker' && t.url().startsWith(alice.baseUrl);
    expect(alice.browser.targets().some(isWorker)).toBe(true);
    const cdp = await alicePage.createCDPSession();
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await cdp.detach();
    await expect.poll(() => alice.browser.targets().some(isWorker), { timeout: 10_000 }).toBe(false);

    const page = await alice.openOptions();
    expect(await textOf(page, 'identity-fingerprint')).toBe(aliceFingerprint);
    expect(await decrypt(bobPage, await encrypt(page, ['bob'], 'after a nap'))).toMatchObject({ status: 'verified', plaintext: 'after a nap' });
    expect(alice.browser.targets().some(isWorker)).toBe(true);
  });

  it('blocks sending to a pinned contact whose key changed', async () => {
    // Someone (say, a dishonest relay) offers a different, validly signed key under the handle "bob".
    const impostor = await generateIdentity(true);
    const impostorBundle = encodePublicBundle({ identityKey: impostor.publicKey, prekey: await generatePrekey(impostor), handle: 'bob' });
    expect(await pin(alicePage, 'bob', impostorBundle)).toBe('key-changed');

    const refused = await api(alicePage, { type: 'encrypt', recipients: ['bob'], plaintext: 'hi' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'key-changed' } });
    const contacts = await api<{ contacts: { handle: string; keyChanged: boolean }[] }>(alicePage, { type: 'listContacts' });
    expect(contacts.contacts.find((c) => c.handle === 'bob')).toMatchObject({ keyChanged: true });
    // The pinned key is still bob's original one: his messages keep authenticating as him (pinned: alice never compared).
    expect(await decrypt(alicePage, await encrypt(bobPage, ['alice'], 'still me'))).toMatchObject({
      status: 'pinned',
      senderHandle: 'bob',
    });
  });
});
