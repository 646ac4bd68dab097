// The options page's identity care, in Chromium and Firefox: the backup passphrase's strength shown while
// typing (zxcvbn-ts, loaded by that page only), a weak passphrase refused with the reason and nothing
// exported, a strong one exported as before; and "rotate now" for the prekey, whose result line says
// whether the new prekey reached the relay, checked against the public bundle and the relay's directory.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePublicBundle, type PublicBundle } from '@/lib/crypto/public-bundle';
import { toBase64Url } from '@/lib/bytes';
import { decryptBackupPayload } from '@/lib/keyring/backup-file';
import { cleanup, client, startRelay, type RunningRelay } from '../relay/harness';
import { valueOf } from './contacts-flows';
import { bundleOf, clickWhenEnabled, fill, onboardInPopup, registerOn, textMatching, textOf } from './flows';
import { byTestId, launchWithExtension, pollIn, type BrowserKind, type ExtensionSession } from './harness';

const HANDLE = 'olga';
const WEAK = 'password1';
const STRONG = 'orbit lantern velvet quiz marble thunder';

/** The strength meter's score once it shows one for what the field holds now. */
async function scoreFor(options: Page, passphrase: string): Promise<number> {
  await fill(options, 'backup-passphrase', passphrase);
  const score = await pollIn(options, 15_000, (sel) => document.querySelector(sel)?.getAttribute('data-score') ?? '', byTestId('backup-strength'));
  return Number(score);
}

async function prekeyOf(page: Page): Promise<PublicBundle['prekey']> {
  return (await decodePublicBundle(await bundleOf(page))).prekey;
}

async function prekeyOnRelay(url: string, handle: string): Promise<PublicBundle['prekey']> {
  const c = client(url);
  await c.connect();
  try {
    return (await decodePublicBundle((await c.lookup(handle)).bundle)).prekey;
  } finally {
    c.close();
  }
}

/** Presses "rotate now" and returns the result line once it says `expected`, and the bundle before and after. */
async function rotateNow(options: Page, expected: RegExp) {
  const before = await prekeyOf(options);
  await clickWhenEnabled(options, byTestId('prekey-rotate'));
  const line = await textMatching(options, 'prekey-rotated', expected);
  return { line, before, after: await prekeyOf(options) };
}

for (const kind of ['chromium', 'firefox'] as BrowserKind[]) {
  describe(`options page: backup passphrase strength and prekey rotation (${kind})`, () => {
    let session: ExtensionSession;
    let relay: RunningRelay;
    let options: Page;

    beforeAll(async () => {
      [relay, session] = await Promise.all([startRelay(), launchWithExtension(kind)]);
      const { page } = await onboardInPopup(session, HANDLE);
      await page.close();
    }, 90_000);
    afterAll(async () => {
      await session?.close();
      await cleanup();
    });

    it('a weak passphrase scores low and is refused with the reason; nothing is exported', async () => {
      await options?.close();
      options = await session.openOptions();
      // The field is not one for the browser to save or generate a password for.
      const field = await options.waitForSelector(byTestId('backup-passphrase')); // the page first shows "Loading…"
      expect(await field!.evaluate((e) => e.getAttribute('autocomplete'))).toBe('off');

      expect(await scoreFor(options, WEAK)).toBeLessThanOrEqual(2);
      expect(await textOf(options, 'backup-strength-feedback')).toMatch(/commonly used password/);
      await clickWhenEnabled(options, byTestId('backup-export'));
      expect(await textOf(options, 'backup-error')).toMatch(/too easy to guess/);
      expect(await options.$(byTestId('backup-text'))).toBeNull();
      // Nothing was exported: the popup still reminds that there is no backup.
      const popup = await session.openPopup();
      expect(await textOf(popup, 'backup-reminder')).toMatch(/no backup/);
      await popup.close();
    });

    it('an export the person did not press for (a script submitting the form later) is refused', async () => {
      await options?.close();
      options = await session.openOptions();
      await fill(options, 'backup-passphrase', STRONG);
      expect(await scoreFor(options, STRONG)).toBe(4);
      // Submitted from a timer once the typing's user activation has expired (5 s in both browsers).
      await options.evaluate(() => {
        setTimeout(() => (document.querySelector('[data-testid="backup-export"]') as HTMLButtonElement).form!.requestSubmit(), 6_000);
      });
      expect(await textOf(options, 'backup-error')).toMatch(/Press .* yourself/);
      expect(await options.$(byTestId('backup-text'))).toBeNull();
    });

    it('a strong passphrase scores 4, the refusal goes, and the backup is exported as before', async () => {
      await options?.close();
      options = await session.openOptions();
      await fill(options, 'backup-passphrase', WEAK);
      await clickWhenEnabled(options, byTestId('backup-export'));
      await textOf(options, 'backup-error');
      expect(await scoreFor(options, STRONG)).toBe(4);
      expect(await textOf(options, 'backup-strength-feedback')).toMatch(/about 10\^\d+ tries/);
      expect(await options.$(byTestId('backup-error')), 'the refusal is gone once the passphrase changed').toBeNull();
      await clickWhenEnabled(options, byTestId('backup-export'));
      // scrypt (N=2^17) in Firefox's background took 10–27 s here, with or without the estimator loaded, and
      // past 30 s beside other browsers: the wait is longer than valueOf's.
      const shown = await options.waitForSelector(byTestId('backup-text'), { timeout: 90_000 });
      const backup = await shown!.evaluate((e) => (e as HTMLTextAreaElement).value);
      expect(backup).not.toContain(HANDLE); // nothing readable without the passphrase
      const { payload } = await decryptBackupPayload(backup, STRONG);
      expect(new TextDecoder().decode(payload)).toContain(HANDLE);
      expect(await options.$eval(byTestId('backup-download'), (a) => a.getAttribute('download'))).toBe('crypt2chat-backup.txt');
      expect(await valueOf(options, byTestId('backup-passphrase')), 'the passphrase is cleared after the export').toBe('');
    });

    it('"rotate now" without a relay: a new prekey in the public bundle, not published, and why', async () => {
      await options?.close();
      options = await session.openOptions();
      const { line, before, after } = await rotateNow(options, /^New prekey made .+; not published: you are not registered with a relay\.$/);
      expect(line).not.toMatch(/Invalid Date/);
      expect(toBase64Url(after.publicKey)).not.toBe(toBase64Url(before.publicKey));
      expect(after.created).toBeGreaterThan(before.created);
    });

    it('"rotate now" when registered: published, and the relay hands out the new prekey', async () => {
      await options?.close();
      options = await session.openOptions();
      await registerOn(options, relay.url);
      const { before, after } = await rotateNow(options, /^New prekey made .+; published to the relay\.$/);
      expect(toBase64Url(after.publicKey)).not.toBe(toBase64Url(before.publicKey));
      const onRelay = await prekeyOnRelay(relay.url, HANDLE);
      expect([toBase64Url(onRelay.publicKey), onRelay.created]).toEqual([toBase64Url(after.publicKey), after.created]);
    });
  });
}
