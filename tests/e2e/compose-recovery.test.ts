// Issue 12, item 9: a page that spoils our frames does not leave the user stuck. Whether it re-inserts the
// compose overlay (it reloads), navigates it afresh, points it elsewhere or hides it, the next click on the
// lock gives an overlay that sends; a message frame the page re-inserts shows its message again. In
// Chromium and Firefox.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChat, openOverlay, sendThroughOverlay, shownIn, startReader, type Reader } from './content-flows';

type HostileWindow = Window & { __hostileAttempts: Record<string, number> };

const OVERLAY = 'iframe[data-c2c="compose-frame"]:not([data-fixture-fake])';

const triedCount = (page: Page, what: string) => page.evaluate((w) => (window as unknown as HostileWindow).__hostileAttempts[w] ?? 0, what);

describe.each(['chromium', 'firefox'] as const)('recovering from a page that spoils our frames (%s)', (kind) => {
  let reader: Reader;

  beforeAll(async () => {
    reader = await startReader(kind);
  }, 90_000);

  afterAll(() => reader?.close());

  for (const action of ['reinsert', 'renavigate', 'resrc', 'hide'] as const) {
    it(`${action}: the spoiled overlay goes, one click on the lock gives one that sends`, async () => {
      const { bob, server } = reader;
      const room = `spoil-${kind}-${action}`;
      const page = await openChat(bob, server, 'hostile', 'bob', room, `&spoilcompose=${action}`);
      await openOverlay(page);
      await expect.poll(() => triedCount(page, `spoil:${action}`), { timeout: 10_000 }).toBe(1);
      // The spoiled overlay is taken away (it could never send: its port and ticket went with it).
      await page.waitForSelector(OVERLAY, { hidden: true, timeout: 10_000 });

      const compose = await openOverlay(page);
      expect(await page.$$(OVERLAY)).toHaveLength(1);
      await sendThroughOverlay(compose, 'alice', `after ${action}`);
      await expect.poll(() => server.messages(room).length, { timeout: 15_000 }).toBe(1);
      await page.waitForSelector(OVERLAY, { hidden: true, timeout: 10_000 });
      // Bob reads his own copy where he sent it.
      expect(await shownIn(page, 1)).toMatchObject({ status: 'verified', plaintext: `after ${action}` });
      await page.close();
    });
  }

  it('a message frame the page removes and puts back shows its message again', async () => {
    const { bob, server, alice } = reader;
    const room = `reinsert-${kind}`;
    server.post(room, 'alice', (await alice.write('shown again after a reload')).join('\n'));
    const page = await openChat(bob, server, 'hostile', 'bob', room, '&reinsertframes=1000');
    expect(await shownIn(page, 1)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: 'shown again after a reload' });
    await expect.poll(() => triedCount(page, 'reinsert-frame'), { timeout: 10_000 }).toBeGreaterThan(0);
    // Read again once it reloaded: the same message, not "replayed", not blank.
    expect(await shownIn(page, 1)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: 'shown again after a reload' });
    await page.close();
  });
});
