// Contact and identity care in the popup, in real Chromium profiles with a real relay: safety numbers and
// verification by the other side's code, a relay that swaps a key (written straight into its SQLite
// directory, as a malicious relay would), accepting the new key, a passphrase backup restored in a fresh
// profile, and the security colour and image in the popup header.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import QRCode from 'qrcode';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePublicBundle } from '@/lib/crypto/public-bundle';
import { safetyNumber, verificationPayload } from '@/lib/crypto/safety-number';
import { tempDir, type RunningRelay } from '../relay/harness';
import { byTestId, launchWithExtension, type ExtensionSession } from './harness';
import { startRelayAndProfiles } from './relay-profiles';
import { SAFETY_NUMBER_RE, inContact, keyHistoryStates, openDetails, paste, submitCode, swapKeyInDirectory, valueOf } from './contacts-flows';
import { CANARY, api, bundleOf, contactItem, fill, inOptions, lookUpAndPin, onboardInPopup, pin, registerInPopup, textMatching, textOf, clickWhenEnabled } from './flows';

const PASSPHRASE = 'correct horse battery staple';

describe('Chromium popup: contacts, verification, key change, backup and security colour', () => {
  let relay: RunningRelay;
  let alice: ExtensionSession;
  let bob: ExtensionSession;
  let alicePage: Page;
  let bobPage: Page;
  let aliceFingerprint = '';
  let safety = '';
  let backup = '';
  let aliceKey: Uint8Array = new Uint8Array();
  let bobKey: Uint8Array = new Uint8Array(); // Bob's key as Alice has it pinned (the swapped one, once accepted)

  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ relay, a: alice, b: bob, close: stop } = await startRelayAndProfiles('chromium'));
  });

  afterAll(() => stop?.());

  it('shows the chosen security colour and image in the popup header, also after reopening', async () => {
    ({ page: alicePage, fingerprint: aliceFingerprint } = await onboardInPopup(alice, 'alice'));
    ({ page: bobPage } = await onboardInPopup(bob, 'bob'));
    expect(await alicePage.$eval(byTestId('security-badge'), (e) => e.getAttribute('data-colour'))).toBe('');

    // The mark is chosen on the options page.
    await inOptions(alicePage, async (options) => {
      await paste(options, byTestId('security-colour'), '#c0ffee');
      await options.select(byTestId('security-image'), 'owl');
      await clickWhenEnabled(options, byTestId('security-save'));
      await textOf(options, 'security-saved');
    });
    await alicePage.close();

    alicePage = await alice.openPopup();
    const badge = await alicePage.waitForSelector(`${byTestId('security-badge')}[data-colour="#c0ffee"]`);
    expect(await badge!.evaluate((e) => e.getAttribute('data-image'))).toBe('owl');
    // What the person sees: the colour swatch and the owl, named for screen readers.
    expect(await badge!.$eval('.security-swatch', (e) => getComputedStyle(e).backgroundColor)).toBe('rgb(192, 255, 238)');
    expect(await badge!.$eval('svg[role="img"]', (e) => [e.getAttribute('data-icon'), e.getAttribute('aria-label')])).toEqual(['owl', 'Owl']);
  });

  it('pins over the relay: both sides see the same safety number and a QR code of their verification code', async () => {
    await registerInPopup(alicePage, relay.url);
    await registerInPopup(bobPage, relay.url);
    safety = await lookUpAndPin(alicePage, 'bob');
    expect(safety).toMatch(SAFETY_NUMBER_RE);
    expect(await lookUpAndPin(bobPage, 'alice')).toBe(safety);

    await openDetails(alicePage, 'bob');
    const qr = await alicePage.waitForSelector(inContact('bob', 'contact-qr'));
    const img = await qr!.evaluate((e) => {
      const i = e as HTMLImageElement;
      return { src: i.src.slice(0, 22), loaded: i.complete && i.naturalWidth > 100, alt: i.alt };
    });
    expect(img).toEqual({ src: 'data:image/png;base64,', loaded: true, alt: expect.stringMatching(/QR code/) });
    expect(await valueOf(alicePage, inContact('bob', 'contact-own-code'))).toMatch(/^c2cverify1:[0-9a-f]{64}:[0-9a-f]{64}$/);
    expect(await keyHistoryStates(alicePage, 'bob')).toEqual(['pinned']);
  });

  it('verifies by the pasted code: garbage and a wrong code are refused plainly, the right one marks verified', async () => {
    const verified = () => alicePage.$eval(contactItem('bob'), (e) => e.getAttribute('data-verified'));
    expect(await submitCode(alicePage, 'bob', 'hello, this is not a code')).toMatch(/not a Crypt2Chat verification code/);

    // Alice's own code has the two fingerprints the other way round: it must not count as Bob's.
    expect(await submitCode(alicePage, 'bob', await valueOf(alicePage, inContact('bob', 'contact-own-code')))).toMatch(/do not match/);
    expect(await verified()).toBe('false');
    // Not only the page: the keyring did not record a comparison either.
    const listed = await api<{ contacts: { handle: string; verified: boolean }[] }>(alicePage, { type: 'listContacts' });
    expect(listed.contacts.find((c) => c.handle === 'bob')?.verified).toBe(false);

    await openDetails(bobPage, 'alice');
    const bobsCode = await valueOf(bobPage, inContact('alice', 'contact-own-code'));
    expect(await submitCode(alicePage, 'bob', bobsCode)).toBe('verified');
    expect(await alicePage.$(inContact('bob', 'contact-mark-verified'))).toBeNull();
  });

  it('a relay that swaps Bob’s key: refused by the key log; the key seen another way is flagged, sending blocked; keep it or accept it', async () => {
    const impostor = await swapKeyInDirectory(relay.dataDir, 'bob');

    // The relay's key log does not hold the swapped key: the lookup is refused and the alarm raised.
    await fill(alicePage, 'contact-lookup-handle', 'bob');
    await clickWhenEnabled(alicePage, byTestId('contact-lookup'));
    await textMatching(alicePage, 'contact-lookup-error', /key log is inconsistent/);
    await alicePage.waitForSelector(byTestId('contact-log-alarm'));
    // The same key reaching alice another way (a pasted key line) is a key change to decide on.
    expect(await pin(alicePage, 'bob', impostor.bundle)).toBe('key-changed');
    expect(await textOf(alicePage, 'contact-key-changed')).toMatch(/changed/);
    expect(await alicePage.$(inContact('bob', 'contact-key-changed'))).not.toBeNull();

    // Sending is blocked both ways a message can leave.
    const sent = await api<{ ok: boolean; error?: { code: string } }>(alicePage, { type: 'sendToContact', handle: 'bob', plaintext: CANARY });
    expect(sent).toMatchObject({ ok: false, error: { code: 'key-changed' } });
    const sealed = await api<{ ok: boolean; error?: { code: string } }>(alicePage, { type: 'encrypt', recipients: ['bob'], plaintext: CANARY });
    expect(sealed).toMatchObject({ ok: false, error: { code: 'key-changed' } });

    aliceKey = (await decodePublicBundle(await bundleOf(alicePage))).identityKey;
    const newSafety = await safetyNumber(aliceKey, impostor.publicKey);
    expect(newSafety).not.toBe(safety);
    expect(await textOf(alicePage, 'contact-new-safety-number')).toBe(newSafety);
    expect(await textOf(alicePage, 'contact-safety-number')).toBe(safety); // the pinned key still rules
    await openDetails(alicePage, 'bob');
    await alicePage.waitForFunction((sel) => document.querySelectorAll(sel).length === 2, {}, inContact('bob', 'contact-key-history-item'));
    expect((await keyHistoryStates(alicePage, 'bob')).sort()).toEqual(['pending', 'pinned']);

    // Keeping the old key clears the flag; the swapped key seen again flags it again.
    await clickWhenEnabled(alicePage, inContact('bob', 'contact-keep-key'));
    await alicePage.waitForSelector(inContact('bob', 'contact-key-changed'), { hidden: true });
    expect(await alicePage.$eval(contactItem('bob'), (e) => e.getAttribute('data-verified'))).toBe('true');
    expect(await pin(alicePage, 'bob', impostor.bundle)).toBe('key-changed');
    await alicePage.waitForSelector(inContact('bob', 'contact-key-changed'));

    // Accepting: the new key is pinned (unverified), the old one stays in the history as replaced.
    await (await alicePage.waitForSelector(`${inContact('bob', 'contact-accept-key')}:not([disabled])`))!.click();
    await alicePage.waitForSelector(inContact('bob', 'contact-key-changed'), { hidden: true });
    await alicePage.waitForFunction(
      (sel, expected) => document.querySelector(sel)?.textContent?.trim() === expected,
      {},
      inContact('bob', 'contact-safety-number'),
      newSafety,
    );
    expect(await alicePage.$eval(contactItem('bob'), (e) => e.getAttribute('data-verified'))).toBe('false');
    await openDetails(alicePage, 'bob');
    await alicePage.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-state') === 'previous', {}, `${contactItem('bob')} [data-state="previous"]`);
    expect((await keyHistoryStates(alicePage, 'bob')).sort()).toEqual(['pinned', 'previous']);
    expect(await alicePage.$eval(`${contactItem('bob')} [data-state="previous"]`, (e) => e.textContent)).toMatch(/replaced/);
    const resealed = await api<{ ok: boolean }>(alicePage, { type: 'encrypt', recipients: ['bob'], plaintext: CANARY });
    expect(resealed.ok).toBe(true);
    safety = newSafety;
    bobKey = impostor.publicKey;
  });

  it('verifies by a picture of the other side’s QR code; a picture without one, or of the wrong code, is refused', async () => {
    const dir = tempDir('c2c-qr-');
    const upload = async (name: string, make: (path: string) => Promise<void>) => {
      const path = join(dir, name);
      await make(path);
      const chooser = await alicePage.waitForSelector(`${inContact('bob', 'contact-verify-qr')}:not([disabled])`);
      await (chooser as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(path);
    };
    await openDetails(alicePage, 'bob');
    await upload('not-a-picture.png', async (path) => writeFileSync(path, 'this is text, not an image'));
    expect(await textOf(alicePage, 'contact-details-error')).toMatch(/No QR code could be read/);

    // Alice's own code, photographed: the fingerprints are the wrong way round for Bob's side.
    await upload('own.png', async (path) => QRCode.toFile(path, await verificationPayload(aliceKey, bobKey)));
    expect(await textOf(alicePage, 'contact-verify-mismatch')).toMatch(/do not match/);

    // What Bob's popup would show Alice now: his (new) key first, then the key he pinned for her.
    await upload('bob.png', async (path) => QRCode.toFile(path, await verificationPayload(bobKey, aliceKey), { width: 300 }));
    await alicePage.waitForSelector(`${contactItem('bob')}[data-verified="true"]`);
    expect(await valueOf(alicePage, inContact('bob', 'contact-verify-code'))).toBe(await verificationPayload(bobKey, aliceKey));
  });

  it('exports a passphrase backup: a short passphrase is refused, then the text and a file are offered', async () => {
    expect(await textOf(alicePage, 'backup-reminder')).toMatch(/no backup/);
    await inOptions(alicePage, (options) => exportBackup(options));
    // The popup stops reminding once a backup was made.
    const popup = await alice.openPopup();
    await textOf(popup, 'popup-handle');
    expect(await popup.$(byTestId('backup-reminder'))).toBeNull();
    await popup.close();
  });

  async function exportBackup(alicePage: Page) {
    await fill(alicePage, 'backup-passphrase', 'short');
    await alicePage.click(byTestId('backup-export'));
    expect(await textOf(alicePage, 'backup-error')).toMatch(/too easy to guess/);

    await fill(alicePage, 'backup-passphrase', PASSPHRASE);
    await alicePage.click(byTestId('backup-export'));
    backup = await valueOf(alicePage, byTestId('backup-text'));
    expect(backup.length).toBeGreaterThan(200);
    expect(backup).not.toContain('alice'); // nothing readable without the passphrase
    expect(await alicePage.$eval(byTestId('backup-download'), (a) => [a.getAttribute('download'), (a as HTMLAnchorElement).href.slice(0, 5)])).toEqual([
      'crypt2chat-backup.txt',
      'blob:',
    ]);
  }

  it('restores the backup in a fresh profile: same fingerprint, same safety number, same security colour', async () => {
    const fresh = await launchWithExtension('chromium');
    try {
      // Restoring is offered in the first-run flow, instead of creating an identity.
      const page = await fresh.openOptions('setup');
      await page.click(byTestId('first-run-restore'));
      await paste(page, byTestId('restore-text'), 'c2c-backup but not really');
      await fill(page, 'restore-passphrase', PASSPHRASE);
      await page.click(byTestId('restore-submit'));
      expect(await textOf(page, 'restore-error')).toMatch(/not a Crypt2Chat backup/);

      // The way a person restores: choose the downloaded file.
      const file = join(tempDir('c2c-backup-'), 'crypt2chat-backup.txt');
      writeFileSync(file, backup);
      const chooser = await page.waitForSelector(byTestId('restore-file'));
      await (chooser as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(file);
      await page.waitForFunction((sel) => (document.querySelector(sel) as HTMLTextAreaElement).value.length > 200, {}, byTestId('restore-text'));
      await fill(page, 'restore-passphrase', 'wrong passphrase here');
      await page.click(byTestId('restore-submit'));
      expect(await textOf(page, 'restore-error')).toMatch(/passphrase is wrong/);

      await fill(page, 'restore-passphrase', PASSPHRASE);
      await page.click(byTestId('restore-submit'));
      // The flow goes on with the relay step; the settings show the restored identity.
      await page.waitForSelector(`${byTestId('first-run')}[data-step="relay"]`);
      const options = await fresh.openOptions();
      expect(await textOf(options, 'identity-fingerprint')).toBe(aliceFingerprint);
      const popup = await fresh.openPopup();
      expect(await textOf(popup, 'contact-safety-number')).toBe(safety);
      await popup.waitForSelector(`${byTestId('security-badge')}[data-colour="#c0ffee"][data-image="owl"]`);
    } finally {
      await fresh.close();
    }
  });

  it('removes a contact after confirmation', async () => {
    await openDetails(alicePage, 'bob');
    await clickWhenEnabled(alicePage, inContact('bob', 'contact-remove'));
    await clickWhenEnabled(alicePage, inContact('bob', 'contact-remove-confirm'));
    await alicePage.waitForSelector(contactItem('bob'), { hidden: true });
    const sent = await api<{ ok: boolean; error?: { code: string } }>(alicePage, { type: 'encrypt', recipients: ['bob'], plaintext: CANARY });
    expect(sent).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});
