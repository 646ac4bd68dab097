// The main contacts flow in real Firefox profiles: register on a real relay process (ws:// on loopback),
// look each other up there and pin the keys, equal safety numbers, verify by the other side's pasted code,
// the security colour, and a backup restored in a fresh profile with the same fingerprint and safety number.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelay } from '../relay/harness';
import { SAFETY_NUMBER_RE, inContact, openDetails, paste, submitCode, valueOf } from './contacts-flows';
import { contactItem, fill, inOptions, lookUpAndPin, onboardInPopup, registerInPopup, textOf, clickWhenEnabled } from './flows';
import { byTestId, launchWithExtension, type ExtensionSession } from './harness';
import { startRelayAndProfiles } from './relay-profiles';

const PASSPHRASE = 'seven quiet otters swim north';

describe('Firefox popup: contacts over a relay, verification, backup and security colour', () => {
  let relay: RunningRelay;
  let alice: ExtensionSession;
  let bob: ExtensionSession;
  let alicePage: Page;
  let bobPage: Page;
  let aliceFingerprint = '';
  let safety = '';

  let stop: () => Promise<void>;

  // Identities and registration come first, so that a retry of the test below (e2e retries once) starts
  // from registered profiles in fresh popups instead of failing on an onboarding form that is gone.
  beforeAll(async () => {
    ({ relay, a: alice, b: bob, close: stop } = await startRelayAndProfiles('firefox'));
    let page: Page;
    ({ page, fingerprint: aliceFingerprint } = await onboardInPopup(alice, 'alice'));
    await registerInPopup(page, relay.url);
    await page.close();
    ({ page } = await onboardInPopup(bob, 'bob'));
    await registerInPopup(page, relay.url);
    await page.close();
  });

  afterAll(() => stop?.());

  it('looks each other up on the relay and pins, both see the same safety number; the pasted code verifies', async () => {
    await Promise.all([alicePage?.close(), bobPage?.close()]);
    [alicePage, bobPage] = [await alice.openPopup(), await bob.openPopup()];
    safety = await lookUpAndPin(alicePage, 'bob');
    expect(safety).toMatch(SAFETY_NUMBER_RE);
    expect(await lookUpAndPin(bobPage, 'alice')).toBe(safety);
    // The popups re-read their contacts when reopened.
    await alicePage.close();
    alicePage = await alice.openPopup();
    expect(await textOf(alicePage, 'contact-safety-number')).toBe(safety);

    await openDetails(alicePage, 'bob');
    expect(await submitCode(alicePage, 'bob', await valueOf(alicePage, inContact('bob', 'contact-own-code')))).toMatch(/do not match/);
    await openDetails(bobPage, 'alice');
    expect(await submitCode(alicePage, 'bob', await valueOf(bobPage, inContact('alice', 'contact-own-code')))).toBe('verified');
    expect(await alicePage.$eval(contactItem('bob'), (e) => e.getAttribute('data-verified'))).toBe('true');
  });

  it('shows the chosen security colour in the header, and a fresh profile restored from the backup has the same keys', async () => {
    // Chosen on the options page; the open popup shows it at once (the pages announce saves).
    const backup = await inOptions(alicePage, async (options) => {
      await paste(options, byTestId('security-colour'), '#7c3aed');
      await options.select(byTestId('security-image'), 'leaf');
      await clickWhenEnabled(options, byTestId('security-save'));
      await alicePage.waitForSelector(`${byTestId('security-badge')}[data-colour="#7c3aed"][data-image="leaf"]`);
      await fill(options, 'backup-passphrase', PASSPHRASE);
      await options.click(byTestId('backup-export'));
      return valueOf(options, byTestId('backup-text'));
    });

    const fresh = await launchWithExtension('firefox');
    try {
      // Restoring is offered in the first-run flow, instead of creating an identity.
      const setup = await fresh.openOptions('setup');
      await setup.click(byTestId('first-run-restore'));
      await paste(setup, byTestId('restore-text'), backup);
      await fill(setup, 'restore-passphrase', PASSPHRASE);
      await setup.click(byTestId('restore-submit'));
      await setup.waitForSelector(`${byTestId('first-run')}[data-step="relay"]`);
      expect(await textOf(await fresh.openOptions(), 'identity-fingerprint')).toBe(aliceFingerprint);
      const page = await fresh.openPopup();
      expect(await textOf(page, 'contact-safety-number')).toBe(safety);
      expect(await page.$eval(contactItem('bob'), (e) => e.getAttribute('data-verified'))).toBe('true');
      await page.waitForSelector(`${byTestId('security-badge')}[data-colour="#7c3aed"][data-image="leaf"]`);
    } finally {
      await fresh.close();
    }
  });
});
