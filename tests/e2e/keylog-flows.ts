// The relay's key log in the extension, against real relay processes (keylog-chromium.test.ts,
// keylog-firefox.test.ts): an honest relay raises
// nothing; a relay that serves a key its log does not hold (--test-fault swap-key:HANDLE) or shows
// different logs to different connections (--test-fault fork) is caught, the lookup refused, and the popup
// shows contact-log-alarm with the evidence; a key change without the log's proof shows as unproven.
// Two profiles, one relay per case (one log state each).
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, startRelay, type RunningRelay } from '../relay/harness';
import { byTestId, launchWithExtension, type BrowserKind, type ExtensionSession } from './harness';
import { generateIdentity } from '@/lib/crypto/identity';
import { generatePrekey } from '@/lib/crypto/prekey';
import { encodePublicBundle } from '@/lib/crypto/public-bundle';
import { clickWhenEnabled, contactItem, fill, lookUpAndPin, onboardInPopup, pin, registerInPopup, textMatching } from './flows';

const FAULTS = { env: { C2C_RELAY_TEST_FAULTS: '1' } };
const alarmOf = (relay: RunningRelay) => `${byTestId('contact-log-alarm-item')}[data-relay="${relay.url}"]`;

/** Looks a handle up in the popup and waits for the lookup's outcome: a key to pin, or an error. */
async function lookUp(page: Page, handle: string): Promise<'found' | 'refused'> {
  await fill(page, 'contact-lookup-handle', handle);
  await clickWhenEnabled(page, byTestId('contact-lookup'));
  const shown = await page.waitForSelector(`${byTestId('contact-pin')}, ${byTestId('contact-lookup-error')}`, { timeout: 20_000 });
  return (await shown!.evaluate((e) => e.getAttribute('data-testid'))) === 'contact-pin' ? 'found' : 'refused';
}

/** The key-log flows in two profiles of `kind`. */
export function describeKeyLog(kind: BrowserKind, title: string): void {
  describe(`${title}: the key log catches a misbehaving relay`, { timeout: 180_000 }, () => {
    let alice: ExtensionSession;
    let bob: ExtensionSession;
    let alicePage: Page;
    let bobPage: Page;

    beforeAll(async () => {
      [alice, bob] = await Promise.all([launchWithExtension(kind), launchWithExtension(kind)]);
      ({ page: alicePage } = await onboardInPopup(alice, 'alice'));
      ({ page: bobPage } = await onboardInPopup(bob, 'bob'));
    });

    afterAll(async () => {
      await Promise.all([alice, bob].filter(Boolean).map((s) => s.close()));
      await cleanup();
    });

    it('an honest relay: lookups verify, nothing is raised', async () => {
      const relay = await startRelay();
      await registerInPopup(alicePage, relay.url);
      await registerInPopup(bobPage, relay.url);
      await lookUpAndPin(alicePage, 'bob');
      await lookUpAndPin(bobPage, 'alice');
      expect(await lookUp(alicePage, 'bob')).toBe('found');
      // The popup reads the alarms with its poll (1.5 s): two rounds later there is still none.
      await new Promise((resolve) => setTimeout(resolve, 3500));
      expect(await alicePage.$(byTestId('contact-log-alarm'))).toBeNull();
      expect(await bobPage.$(byTestId('contact-log-alarm'))).toBeNull();
    });

    it('swap-key: the swapped key is refused and both sides see the alarm', async () => {
      const relay = await startRelay(['--test-fault', 'swap-key:bob'], undefined, FAULTS);
      await registerInPopup(alicePage, relay.url);
      await registerInPopup(bobPage, relay.url); // bob's own check, right after registering, sees the swap
      expect(await lookUp(alicePage, 'bob')).toBe('refused');
      await textMatching(alicePage, 'contact-lookup-error', /key log is inconsistent/);
      await alicePage.waitForSelector(`${alarmOf(relay)}[data-reason="unlogged-key"]`, { timeout: 10_000 });
      await bobPage.waitForSelector(`${alarmOf(relay)}[data-reason="unlogged-key"]`, { timeout: 10_000 });
      // The contact pinned on the honest relay keeps its key: the swapped one was never observed.
      expect(await alicePage.$(`${contactItem('bob')} ${byTestId('contact-key-changed')}`)).toBeNull();
    });

    it('fork: the second view of the log is caught, with both signed checkpoints shown', async () => {
      const relay = await startRelay(['--test-fault', 'fork'], undefined, FAULTS);
      await registerInPopup(alicePage, relay.url); // alice's check reads first: the log as it is
      await registerInPopup(bobPage, relay.url);
      // Each later connection sees an extra entry of its own where the log ended: the first such view
      // extends what alice kept, the next is another tree of the same size.
      expect(await lookUp(alicePage, 'bob')).toBe('found');
      expect(await lookUp(alicePage, 'bob')).toBe('refused');
      const alarm = await alicePage.waitForSelector(`${alarmOf(relay)}[data-reason="fork"]`, { timeout: 10_000 });
      const evidence = await alarm!.evaluate((li) => ['kept', 'served'].map((w) => li.querySelector(`[data-testid="contact-log-alarm-${w}"]`)?.textContent ?? ''));
      const [kept, served] = evidence.map((note) => note.split('\n'));
      // Same log, same size, two roots: each a signed note (its signature line after the blank line).
      expect(kept![0]).toMatch(/^c2c-relay\/[0-9a-f]{16}$/);
      expect(served![0]).toBe(kept![0]);
      expect(served![1]).toBe(kept![1]);
      expect(served![2]).not.toBe(kept![2]);
      for (const note of evidence) expect(note).toMatch(/\n\n— c2c-relay\/[0-9a-f]{16} \S+\n$/);
    });

    it('dismissing the fork alarm: only after opening its evidence; it stays dismissed, and new evidence alarms again', async () => {
      const relay = await startRelay(['--test-fault', 'fork'], undefined, FAULTS);
      await registerInPopup(alicePage, relay.url);
      await registerInPopup(bobPage, relay.url);
      expect(await lookUp(alicePage, 'bob')).toBe('found');
      expect(await lookUp(alicePage, 'bob')).toBe('refused');
      const item = `${alarmOf(relay)}[data-reason="fork"]`;
      await alicePage.waitForSelector(item, { timeout: 10_000 });
      const dismiss = `${item} ${byTestId('contact-log-alarm-dismiss')}`;
      const served = await alicePage.$eval(`${item} ${byTestId('contact-log-alarm-served')}`, (e) => e.textContent);
      // Not before the user opened the evidence.
      expect(await alicePage.$eval(dismiss, (b) => (b as HTMLButtonElement).disabled)).toBe(true);
      await alicePage.click(`${item} ${byTestId('contact-log-alarm-evidence')} summary`);
      await clickWhenEnabled(alicePage, dismiss);
      await alicePage.waitForSelector(item, { hidden: true, timeout: 10_000 });
      // Kept as dismissed: a new popup, two polls later, does not show it.
      await alicePage.close();
      alicePage = await alice.openPopup();
      await alicePage.waitForSelector(byTestId('contact-lookup-handle'));
      await new Promise((resolve) => setTimeout(resolve, 3500));
      expect(await alicePage.$(item)).toBeNull();
      // The relay is no more trusted than before: the next lookup is refused, and its new view of the log
      // (other evidence) is a new alarm.
      expect(await lookUp(alicePage, 'bob')).toBe('refused');
      await alicePage.waitForSelector(item, { timeout: 10_000 });
      expect(await alicePage.$eval(`${item} ${byTestId('contact-log-alarm-served')}`, (e) => e.textContent)).not.toBe(served);
    });

    it('a key change without the log\'s proof shows as unproven in the contact list', async () => {
      const impostor = await generateIdentity(true);
      const bundle = encodePublicBundle({ identityKey: impostor.publicKey, prekey: await generatePrekey(impostor), handle: 'bob' });
      expect(await pin(alicePage, 'bob', bundle)).toBe('key-changed');
      await alicePage.close();
      alicePage = await alice.openPopup();
      const changed = await alicePage.waitForSelector(`${contactItem('bob')} ${byTestId('contact-key-changed')}`);
      expect(await changed!.evaluate((e) => e.getAttribute('data-proof'))).toBe('unproven');
    });
  });
}
