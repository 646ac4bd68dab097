// The popup with a real relay process: register a handle, find a contact by handle, pin the key,
// compare safety numbers, mark verified, and see a key change flagged. Two Chromium profiles.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity } from '@/lib/crypto/identity';
import { generatePrekey } from '@/lib/crypto/prekey';
import { encodePublicBundle } from '@/lib/crypto/public-bundle';
import { cleanup, startRelay, type RunningRelay } from '../relay/harness';
import { byTestId, launchWithExtension, type ExtensionSession } from './harness';
import { CANARY, contactItem, decrypt, encrypt, fill, inOptions, lookUpAndPin, onboardInPopup, pin, registerInPopup, textMatching, textOf, clickWhenEnabled } from './flows';

const SAFETY_NUMBER_RE = /^\d{5}( \d{5}){11}$/;

describe('Chromium popup with a real relay: register, look up, pin, verify', () => {
  let relay: RunningRelay;
  let alice: ExtensionSession;
  let bob: ExtensionSession;
  let alicePage: Page;
  let bobPage: Page;

  beforeAll(async () => {
    [relay, alice, bob] = await Promise.all([startRelay(), launchWithExtension('chromium'), launchWithExtension('chromium')]);
  });

  afterAll(async () => {
    await Promise.all([alice, bob].filter(Boolean).map((s) => s.close()));
    await cleanup();
  });

  it('registers both handles on the relay; the status survives reopening the options page', async () => {
    ({ page: alicePage } = await onboardInPopup(alice, 'alice'));
    ({ page: bobPage } = await onboardInPopup(bob, 'bob'));
    await registerInPopup(alicePage, relay.url);
    await registerInPopup(bobPage, relay.url);

    const options = await alice.openOptions();
    expect(await textOf(options, 'relay-status')).toContain('registered');
    expect(await options.$(byTestId('relay-register'))).toBeNull();
    await options.close();
  });

  it('looks up a handle, pins it, and both sides see the same 60-digit safety number', async () => {
    const seenByAlice = await lookUpAndPin(alicePage, 'bob');
    const seenByBob = await lookUpAndPin(bobPage, 'alice');
    expect(seenByAlice).toMatch(SAFETY_NUMBER_RE);
    expect(seenByBob).toBe(seenByAlice);
    expect(await alicePage.$eval(contactItem('bob'), (e) => e.getAttribute('data-verified'))).toBe('false');

    await alicePage.click(`${contactItem('bob')} ${byTestId('contact-mark-verified')}`);
    await alicePage.waitForSelector(`${contactItem('bob')}[data-verified="true"]`);

    // Keys from the relay work for messages straight away; bob has not compared alice's number: pinned.
    expect(await decrypt(bobPage, await encrypt(alicePage, ['bob'], CANARY))).toMatchObject({ status: 'pinned', plaintext: CANARY });
  });

  it('says so plainly when a handle is unknown or the relay is down', async () => {
    await fill(alicePage, 'contact-lookup-handle', 'nobody-here');
    await clickWhenEnabled(alicePage, byTestId('contact-lookup'));
    await textMatching(alicePage, 'contact-lookup-error', /not found/i);

    await inOptions(alicePage, async (options) => {
      await fill(options, 'settings-relay-url', 'ws://127.0.0.1:9'); // nothing listens on the discard port
      await clickWhenEnabled(options, byTestId('settings-save'));
      await textOf(options, 'settings-saved');
    });
    await fill(alicePage, 'contact-lookup-handle', 'bob');
    await clickWhenEnabled(alicePage, byTestId('contact-lookup'));
    await textMatching(alicePage, 'contact-lookup-error', /could not be reached/);
  });

  it('flags a contact whose key changed and stops offering to mark it verified', async () => {
    const impostor = await generateIdentity(true);
    const bundle = encodePublicBundle({ identityKey: impostor.publicKey, prekey: await generatePrekey(impostor), handle: 'bob' });
    expect(await pin(alicePage, 'bob', bundle)).toBe('key-changed');
    await alicePage.close();
    alicePage = await alice.openPopup();
    expect(await textOf(alicePage, 'contact-key-changed')).toMatch(/changed/);
    expect(await alicePage.$(`${contactItem('bob')} ${byTestId('contact-key-changed')}`)).not.toBeNull();
    expect(await alicePage.$(`${contactItem('bob')} ${byTestId('contact-mark-verified')}`)).toBeNull();
  });
});
