// A per-site adapter at work (entrypoints/content/sites/team-chat.ts) on the fixture team chat, which the
// generic adapter gets wrong: only its Send button sends, it caps messages at 600 characters without a
// maxlength, and it names the open channel in the page. Recipients are remembered per channel.
import type { Frame, Page } from 'puppeteer-core';
import { dearmor } from '@/lib/armor/armor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureServer } from '../fixtures/server';
import { CANARY } from './flows';
import { openChat, openOverlay, sendThroughOverlay, shownIn, startPinnedPair, type PinnedPair } from './content-flows';

// Random words do not compress: well over one 600-character part, whatever the message format packs.
const LONG = `Сообщение: ${Array.from({ length: 120 }, () => Math.random().toString(36).slice(2, 8)).join(' ')} ${CANARY}`;
const BOB = '[data-testid="compose-recipient"] input[data-handle="bob"]';
const isChecked = (compose: Frame) => compose.$eval(BOB, (e) => (e as HTMLInputElement).checked);
/** The part length the overlay settled on (it knows the host link, and so the conversation, by then). */
const partLength = async (compose: Frame) => {
  await compose.waitForFunction(() => (document.querySelector('[data-testid="compose-part-length"]') as HTMLInputElement).value !== '', { timeout: 10_000 });
  return compose.$eval('[data-testid="compose-part-length"]', (e) => (e as HTMLInputElement).value);
};

describe('per-site adapter on the team chat (Chromium)', () => {
  let pair: PinnedPair;
  let server: FixtureServer;
  let alicePage: Page;
  let bobPage: Page;

  beforeAll(async () => {
    pair = await startPinnedPair('chromium');
    server = pair.server;
    [alicePage, bobPage] = await Promise.all([openChat(pair.alice, server, 'team', 'alice', 'general'), openChat(pair.bob, server, 'team', 'bob', 'general')]);
  }, 90_000);

  afterAll(() => pair?.close());

  it('sends through the Send button, each part under the 600-character cap; bob reads the whole message', async () => {
    const before = server.messages('general').length; // (a retry finds the first attempt's messages)
    const compose = await openOverlay(alicePage);
    expect(await partLength(compose)).toBe('600');
    await sendThroughOverlay(compose, 'bob', LONG);
    await alicePage.waitForSelector('iframe[data-c2c="compose-frame"]', { hidden: true, timeout: 20_000 });
    // The parts go out one after another: wait until the host carried the whole token.
    const whole = () => {
      try {
        return dearmor(server.messages('general').slice(before).map((m) => m.text)).length > 0;
      } catch {
        return false;
      }
    };
    await expect.poll(whole, { timeout: 15_000 }).toBe(true);

    const sent = server.messages('general').slice(before);
    expect(sent.length).toBeGreaterThan(1);
    for (const m of sent) {
      expect(m.sender).toBe('alice');
      expect(m.text).toMatch(/^c2c2[0-9a-z]+$/);
      expect(m.text.length).toBeLessThanOrEqual(600);
    }
    // The host refused nothing (it shows an error for a message over its cap).
    expect(await alicePage.$eval('[data-testid="host-error"]', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect(await shownIn(bobPage, before + sent.length)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: LONG });
    for (const page of [alicePage, bobPage]) expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toContain('Canary');
    expect(JSON.stringify(server.allFrames())).not.toContain('Canary');
  });

  it('remembers the recipients per channel the page names', async () => {
    // #general: bob, as chosen last time (the contacts are listed together with last time's choice).
    // The long message's frame pushed the compose box (and the lock beside it) below the fold: back to it.
    await alicePage.$eval('[data-testid="host-compose"]', (box) => box.scrollIntoView());
    const again = await openOverlay(alicePage);
    expect(await isChecked(again)).toBe(true);

    // #random, on the same site and page path: nobody chosen yet.
    const randomPage = await openChat(pair.alice, server, 'team', 'alice', 'random');
    expect(await randomPage.$eval('[data-testid="host-conversation"]', (e) => e.textContent)).toBe('#random');
    const random = await openOverlay(randomPage);
    expect(await isChecked(random)).toBe(false);
    expect(await partLength(random)).toBe('600');
  });
});
