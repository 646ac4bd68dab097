// The main contacts flow in real Firefox profiles: pin each other's public key (exchanged directly: the
// Firefox build does not reach a loopback relay yet, see the report of issue 5), equal safety numbers,
// verify by the other side's pasted code, the security colour, and a backup restored in a fresh profile
// with the same fingerprint and safety number.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAFETY_NUMBER_RE, inContact, openDetails, paste, submitCode, valueOf } from './contacts-flows';
import { bundleOf, contactItem, fill, onboardInPopup, pin, textOf } from './flows';
import { byTestId, launchWithExtension, type ExtensionSession } from './harness';

const PASSPHRASE = 'seven quiet otters swim north';

describe('Firefox popup: contacts, verification, backup and security colour', () => {
  let alice: ExtensionSession;
  let bob: ExtensionSession;
  let alicePage: Page;
  let bobPage: Page;
  let aliceFingerprint = '';
  let safety = '';

  beforeAll(async () => {
    [alice, bob] = await Promise.all([launchWithExtension('firefox'), launchWithExtension('firefox')]);
  });

  afterAll(async () => {
    await Promise.all([alice, bob].filter(Boolean).map((s) => s.close()));
  });

  it('pins each other, both sides see the same safety number, and the pasted code verifies', async () => {
    ({ page: alicePage, fingerprint: aliceFingerprint } = await onboardInPopup(alice, 'alice'));
    ({ page: bobPage } = await onboardInPopup(bob, 'bob'));
    expect(await pin(alicePage, 'bob', await bundleOf(bobPage))).toBe('pinned');
    expect(await pin(bobPage, 'alice', await bundleOf(alicePage))).toBe('pinned');
    // The popups re-read their contacts when reopened.
    await alicePage.close();
    alicePage = await alice.openPopup();
    await bobPage.close();
    bobPage = await bob.openPopup();
    safety = await textOf(alicePage, 'contact-safety-number');
    expect(safety).toMatch(SAFETY_NUMBER_RE);
    expect(await textOf(bobPage, 'contact-safety-number')).toBe(safety);

    await openDetails(alicePage, 'bob');
    expect(await submitCode(alicePage, 'bob', await valueOf(alicePage, inContact('bob', 'contact-own-code')))).toMatch(/do not match/);
    await openDetails(bobPage, 'alice');
    expect(await submitCode(alicePage, 'bob', await valueOf(bobPage, inContact('alice', 'contact-own-code')))).toBe('verified');
    expect(await alicePage.$eval(contactItem('bob'), (e) => e.getAttribute('data-verified'))).toBe('true');
  });

  it('shows the chosen security colour in the header, and a fresh profile restored from the backup has the same keys', async () => {
    await paste(alicePage, byTestId('security-colour'), '#7c3aed');
    await alicePage.select(byTestId('security-image'), 'leaf');
    await alicePage.click(byTestId('security-save'));
    await alicePage.waitForSelector(`${byTestId('security-badge')}[data-colour="#7c3aed"][data-image="leaf"]`);

    await fill(alicePage, 'backup-passphrase', PASSPHRASE);
    await alicePage.click(byTestId('backup-export'));
    const backup = await valueOf(alicePage, byTestId('backup-text'));

    const fresh = await launchWithExtension('firefox');
    try {
      const page = await fresh.openPopup();
      await paste(page, byTestId('restore-text'), backup);
      await fill(page, 'restore-passphrase', PASSPHRASE);
      await page.click(byTestId('restore-submit'));
      expect(await textOf(page, 'identity-fingerprint')).toBe(aliceFingerprint);
      expect(await textOf(page, 'contact-safety-number')).toBe(safety);
      expect(await page.$eval(contactItem('bob'), (e) => e.getAttribute('data-verified'))).toBe('true');
      await page.waitForSelector(`${byTestId('security-badge')}[data-colour="#7c3aed"][data-image="leaf"]`);
    } finally {
      await fresh.close();
    }
  });
});
