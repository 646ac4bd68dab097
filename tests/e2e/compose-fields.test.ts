// The compose overlay's plaintext field and its remembered recipients, in a real Chromium: the field is
// kept from spelling services and form history, and last time's recipients say which conversation they
// were remembered for (a page could name its conversation like another one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame, Page } from 'puppeteer-core';
import { openChat, openOverlay, sendThroughOverlay, startReader, type Reader } from './content-flows';

const ROOM = 'compose-fields';

async function rememberedLine(compose: Frame): Promise<string | null> {
  return compose.$eval('[data-testid="compose-remembered-for"]', (e) => e.textContent).catch(() => null);
}

describe('compose overlay fields (Chromium)', () => {
  let reader: Reader;
  let page: Page;

  beforeAll(async () => {
    reader = await startReader();
    page = await openChat(reader.bob, reader.server, 'plain', 'bob', ROOM);
  }, 90_000);

  afterAll(async () => {
    await reader?.close();
  });

  it('the plaintext field has spellcheck and autocomplete off', async () => {
    const compose = await openOverlay(page);
    const attributes = await compose.$eval('[data-testid="compose-input"]', (e) => ({
      spellcheck: (e as HTMLTextAreaElement).spellcheck,
      autocomplete: e.getAttribute('autocomplete'),
    }));
    expect(attributes).toEqual({ spellcheck: false, autocomplete: 'off' });
    // Nothing was remembered for this conversation yet: no line.
    expect(await rememberedLine(compose)).toBeNull();
    await sendThroughOverlay(compose, 'alice', 'hello');
    await expect.poll(() => reader.server.messages(ROOM).length, { timeout: 20_000 }).toBe(1);
  });

  it('recipients preselected from last time name the conversation they were remembered for, until changed', async () => {
    // A send closes the overlay; the lock opens a new one.
    await page.waitForSelector('iframe[data-c2c="compose-frame"]:not([data-fixture-fake])', { hidden: true, timeout: 20_000 });
    const compose = await openOverlay(page);
    await compose.waitForSelector('[data-testid="compose-remembered-for"]', { timeout: 10_000 });
    expect(await compose.$eval('input[data-handle="alice"]', (e) => (e as HTMLInputElement).checked)).toBe(true);
    // The generic adapter names the conversation by the page's path.
    expect(await rememberedLine(compose)).toContain('/plain');
    // The user changes the choice: the line no longer speaks for it.
    await compose.click('input[data-handle="alice"]');
    expect(await rememberedLine(compose)).toBeNull();
  });
});
