// The extension in a real Firefox (firefox-esr over WebDriver BiDi): onboarding in the popup and the
// main encrypted round trip between two fresh profiles, through the background (an event page here).
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byTestId, launchWithExtension, type ExtensionSession } from './harness';
import { CANARY, FINGERPRINT_RE, bundleOf, decrypt, encrypt, fill, onboardInPopup, pin, registerInPopup, tamper, textOf, clickWhenEnabled } from './flows';
import { startRelay, type RunningRelay } from '../relay/harness';

describe('Firefox: popup and background', () => {
  let alice: ExtensionSession;
  let bob: ExtensionSession;
  let alicePage: Page;
  let aliceFingerprint = '';
  let relay: RunningRelay | undefined;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([launchWithExtension('firefox'), launchWithExtension('firefox')]);
  });

  afterAll(async () => {
    await Promise.all([alice, bob].filter(Boolean).map((s) => s.close()));
    await relay?.kill();
  });

  it('onboarding: creates an identity, shows its fingerprint, and keeps the relay URL across reopening', async () => {
    const { page, fingerprint } = await onboardInPopup(alice, 'alice');
    expect(fingerprint).toMatch(FINGERPRINT_RE);
    aliceFingerprint = fingerprint;
    await page.close();
    // The relay address lives on the options page.
    const options = await alice.openOptions();
    await fill(options, 'settings-relay-url', 'wss://relay.example:8443/c2c');
    await clickWhenEnabled(options, byTestId('settings-save'));
    await textOf(options, 'settings-saved');
    await options.close();

    const again = await alice.openOptions();
    expect(await textOf(again, 'identity-fingerprint')).toBe(fingerprint);
    const relay = await again.$eval(byTestId('settings-relay-url'), (e) => (e as HTMLInputElement).value);
    expect(relay).toBe('wss://relay.example:8443/c2c');
    await again.close();
    alicePage = await alice.openPopup();
  });

  it('encrypts in one profile and decrypts in another: same text, status pinned (never compared)', async () => {
    const { page: bobPage, fingerprint: bobFingerprint } = await onboardInPopup(bob, 'bob');
    expect(bobFingerprint).not.toBe(aliceFingerprint);
    expect(await pin(alicePage, 'bob', await bundleOf(bobPage))).toBe('pinned');
    expect(await pin(bobPage, 'alice', await bundleOf(alicePage))).toBe('pinned');

    const opened = await decrypt(bobPage, await encrypt(alicePage, ['bob'], CANARY));
    expect(opened).toEqual({ status: 'pinned', plaintext: CANARY, senderFingerprint: aliceFingerprint, senderHandle: 'alice', postQuantum: false });

    const token = await encrypt(alicePage, ['bob'], CANARY);
    expect(await decrypt(bobPage, tamper(token, token.length - 20))).toMatchObject({ status: 'error' });
  });

  it('registers with a relay on loopback over ws:// (no upgrade to wss:// by the extension CSP)', async () => {
    relay = await startRelay();
    await registerInPopup(alicePage, `ws://127.0.0.1:${relay.port}`);
  });
});
