// Helpers for the contact-card browser tests: share one's card from the compose overlay, read and pin a card
// shown in a message frame (in Chromium through the frame's own target, as shownIn reads messages).
import type { ElementHandle, Frame, Page } from 'puppeteer-core';
import { evaluateInFrame, frameElementIn, frameOf } from './content-flows';

/** What a card's frame shows; `known` is null once pinned (the outcome shows instead). */
export interface ShownCard {
  handle: string | null;
  fingerprint: string | null;
  known: string | null;
  pinButton: boolean;
  result: string | null;
  error: string | null;
}

const READ_CARD = `(() => {
  const q = (id) => document.querySelector('[data-testid="' + id + '"]');
  if (!q('card') && !q('message-status')) return null;
  return {
    handle: q('card-handle')?.textContent ?? null,
    fingerprint: q('card-fingerprint')?.textContent ?? null,
    known: q('card-known')?.getAttribute('data-known') ?? null,
    pinButton: q('card-pin') !== null,
    result: q('card-pin-result')?.getAttribute('data-result') ?? null,
    error: q('card-pin-error')?.getAttribute('data-code') ?? q('message-status')?.getAttribute('data-code') ?? null,
  };
})()`;

async function poll<T>(what: string, timeout: number, read: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await read().catch(() => null);
    if (value !== null) return value;
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The card (or error) the frame of host message `n` shows, once it shows one; `until` picks the state waited for. */
export async function cardIn(page: Page, n: number, until: (c: ShownCard) => boolean = () => true, timeout = 20_000): Promise<ShownCard> {
  return poll(`card in message ${n}`, timeout, async () => {
    const shown = (await evaluateInFrame(await frameElementIn(page, n, timeout), READ_CARD)) as ShownCard | null;
    return shown && until(shown) ? shown : null;
  });
}

/** Presses the card's Pin button (shown once the frame is fully in view) and waits for the outcome. */
export async function pinCardIn(page: Page, n: number): Promise<ShownCard> {
  await cardIn(page, n, (c) => c.pinButton);
  const press = `(() => { const b = document.querySelector('[data-testid="card-pin"]'); if (!b || b.disabled) return false; b.click(); return true; })()`;
  await poll('the Pin button pressed', 10_000, async () => ((await evaluateInFrame(await frameElementIn(page, n), press)) === true ? true : null));
  return cardIn(page, n, (c) => c.result !== null || c.error !== null);
}

/** Clicks our lock and returns the compose overlay once its Share card button can be pressed (no contacts needed). */
export async function openOverlayForCard(page: Page): Promise<Frame> {
  await (await page.waitForSelector('[data-c2c="lock"]:not([data-fixture-fake])', { timeout: 10_000 }))!.click();
  const overlay = (await page.waitForSelector('iframe[data-c2c="compose-frame"]:not([data-fixture-fake])')) as ElementHandle<HTMLIFrameElement>;
  return frameOf(overlay, '[data-testid="compose-share-card"]:not([disabled])');
}
