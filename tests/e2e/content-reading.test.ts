// The reading side in a real Chromium: what a message frame shows for a pinned sender (pinned: never compared), an
// unpinned one (unverified) and a legacy contact (legacy, opened only by the Decrypt button, from the
// keyboard); how tall the frame is for short and long messages, and that a page cannot set that height;
// how frames are reused, hidden off screen and placed in the page's own turn; characters no font has.
import type { ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cryptico } from 'cryptico';
import { armor } from '@/lib/armor/armor';
import { HEIGHT_STEPS, stepForToken } from '@/lib/content/message-frame';
import { encodeLegacyPayload } from '@/lib/legacy/legacy-payload';
import { startFixtureServer, type FixtureServer } from '../fixtures/server';
import { loadStockCryptico, stockCipher, stockKey } from '../unit/legacy/stock-cryptico';
import { launchWithExtension, type ExtensionSession } from './harness';
import { CANARY, api, onboardInPopup, pin } from './flows';
import { FONTLESS_TEXT, expectFontFallback, frameElementIn, frameOf, framesFollowTheView, openChat, outsideSender, shownIn, shownWhenRepointed, watchRepointing, type OutsideSender } from './content-flows';

const ROOM = 'reading';
const LARGEST = HEIGHT_STEPS[HEIGHT_STEPS.length - 1]!;

describe('message frames (Chromium)', () => {
  let server: FixtureServer;
  let bob: ExtensionSession;
  let popup: Page;
  let page: Page;
  let alice: OutsideSender;
  let mallory: OutsideSender;
  let stock: Cryptico;

  beforeAll(async () => {
    server = await startFixtureServer();
    bob = await launchWithExtension('chromium');
    popup = (await onboardInPopup(bob, 'bob')).page;
    [alice, mallory] = await Promise.all([outsideSender('alice', popup), outsideSender('mallory', popup)]);
    await pin(popup, 'alice', alice.bundle);
    stock = loadStockCryptico();
    page = await openChat(bob, server, 'plain', 'bob', ROOM);
  }, 60_000);

  afterAll(async () => {
    await bob?.close();
    await server?.close();
  });

  /** n random words: text that does not compress, so its token's size follows its length. */
  const words = (n: number) => Array.from({ length: n }, () => Math.random().toString(36).slice(2, 8)).join(' ');

  // Where messages are, found from the room rather than fixed: a retried test posts again, and the tests
  // after it must still find theirs.
  let canaryAt = 0;
  let longAt = 0;
  /** Posts to the room; returns the message's place in the page's list (1-based). */
  function post(sender: string, text: string): number {
    server.post(ROOM, sender, text);
    return server.messages(ROOM).length;
  }

  /**
   * The frame's height as the page lays it out, and whether its own document has more than it shows. The
   * height is the step of the n-th message's token (lib/content/message-frame.ts), whatever the frame shows.
   */
  async function geometry(n: number) {
    const iframe = await frameElementIn(page, n);
    const frame = await frameOf(iframe, '[data-testid="message-status"][data-status]');
    expect(await iframe.evaluate((f) => f.clientHeight)).toBe(HEIGHT_STEPS[stepForToken(server.messages(ROOM)[n - 1]!.text)]);
    const height = await iframe.evaluate((f) => f.clientHeight);
    const scroll = await frame.evaluate(() => ({ content: document.documentElement.scrollHeight, shown: document.documentElement.clientHeight }));
    return { height, scrolls: scroll.content > scroll.shown };
  }

  it('a pinned sender is pinned (never compared), an unpinned one unverified, with the security mark; short messages get the smallest frame', async () => {
    // The user's security colour and image: shown in our frames, unknown to the page.
    expect(await api(popup, { type: 'saveSecurity', colour: '#1b7f3a', image: 'owl' })).toMatchObject({ ok: true });
    canaryAt = post('alice', (await alice.write(CANARY)).join('\n'));
    const unpinnedAt = post('mallory', (await mallory.write('hello from someone you never pinned')).join('\n'));
    expect(await shownIn(page, canaryAt)).toEqual({ status: 'pinned', statusText: 'pinned', sender: 'alice', plaintext: CANARY, code: null, pq: 'classical' });
    expect(await shownIn(page, unpinnedAt)).toMatchObject({ status: 'unverified', plaintext: 'hello from someone you never pinned' });
    expect(await geometry(canaryAt)).toEqual({ height: HEIGHT_STEPS[0], scrolls: false });
    const frame = await frameOf(await frameElementIn(page, canaryAt), '[data-testid="security-badge"]');
    expect(await frame.$eval('[data-testid="security-badge"]', (e) => [e.getAttribute('data-colour'), e.getAttribute('data-image')])).toEqual(['#1b7f3a', 'owl']);
    expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toMatch(/owl|1b7f3a/i);
  });

  it('a long message gets a taller frame by its size (the largest step, then scrolls inside); a medium one in between', async () => {
    const medium = words(30);
    const long = `${words(800)} ${CANARY}`;
    const mediumAt = post('alice', (await alice.write(medium)).join('\n'));
    longAt = post('alice', (await alice.write(long)).join('\n'));
    expect(await shownIn(page, mediumAt)).toMatchObject({ status: 'pinned', plaintext: medium });
    expect(await shownIn(page, longAt)).toMatchObject({ status: 'pinned', plaintext: long });
    const mid = await geometry(mediumAt);
    expect(mid.height).toBeGreaterThan(HEIGHT_STEPS[0]);
    expect(mid.height).toBeLessThan(LARGEST);
    expect(mid.scrolls).toBe(false); // nothing cut off
    expect(await geometry(longAt)).toEqual({ height: LARGEST, scrolls: true });
  });

  it('a height message forged by the page changes no frame (frames take their height from the token alone)', async () => {
    // The space each message's frame is given (its holder keeps it while the frame is off screen or reused).
    const heights = () => page.$$eval('[data-c2c="message-holder"]', (all) => all.map((h) => h.getBoundingClientRect().height));
    const before = await heights();
    await page.evaluate(() => {
      for (const step of [3, 0, 1e9, -1]) {
        window.postMessage({ c2c: 'c2c-message-height', step }, '*');
        for (const f of document.querySelectorAll('iframe')) f.contentWindow?.postMessage({ c2c: 'c2c-message-height', step }, '*');
      }
    });
    // A frame made afterwards gets its taller step: the forged messages came first, on the same window, and
    // resized nothing.
    const medium = words(30);
    const genuineAt = post('alice', (await alice.write(medium)).join('\n'));
    expect(await shownIn(page, genuineAt)).toMatchObject({ status: 'pinned', plaintext: medium });
    expect((await geometry(genuineAt)).height).toBeGreaterThan(HEIGHT_STEPS[0]);
    expect((await heights()).slice(0, before.length)).toEqual(before);
  });

  it('a legacy contact: nothing is decrypted until the Decrypt button is pressed (keyboard), then legacy + text', async () => {
    const created = await api<{ ok: boolean; key: { publicKey: string } }>(popup, { type: 'createLegacyKey' });
    expect(created.ok).toBe(true);
    const frank = stockKey(stock, 'frank: correct horse battery staple');
    expect(await api(popup, { type: 'pinLegacyContact', handle: 'frank', publicKey: stock.publicKeyString(frank) })).toMatchObject({ ok: true });
    const cipher = stockCipher(stock, 'PAY 100 to frank', created.key.publicKey, frank);
    const legacyAt = post('frank', armor(encodeLegacyPayload(cipher)).join('\n'));

    const frame = await frameOf(await frameElementIn(page, legacyAt), '[data-testid="message-decrypt"]');
    expect(await frame.$('[data-testid="message-status"]')).toBeNull();
    expect(await frame.$('[data-testid="message-plaintext"]')).toBeNull();
    expect(await frame.evaluate(() => document.body.textContent)).not.toContain('PAY');
    // Keyboard operable: focus the button and press Enter.
    await frame.focus('[data-testid="message-decrypt"]');
    await page.keyboard.press('Enter');
    await frame.waitForSelector('[data-testid="message-status"][data-status]', { timeout: 20_000 });
    expect(await shownIn(page, legacyAt)).toEqual({ status: 'legacy', statusText: 'legacy', sender: 'frank', plaintext: 'PAY 100 to frank', code: null, pq: 'classical' });
  });
  it('a frame scrolled far off screen is reused for the next token: it shows only the new message, at the new height, Back still leaves the chat, and a reload by the page is undone', async () => {
    // Every token so far has had a frame (the long one among them). Mark every frame on the page now, then
    // move far away.
    await frameElementIn(page, longAt);
    const entries = await page.evaluate(() => history.length);
    await page.$$eval('iframe[data-c2c="message-frame"]', (all) => all.forEach((f) => Object.assign(f, { earlier: true })));
    // In each frame, what it shows at the moment it is re-pointed (after the frame's own handler has run): by
    // then the previous message must be gone, or it could be painted beside the new token.
    for (const f of await page.$$('iframe[data-c2c="message-frame"]')) await watchRepointing(f as ElementHandle<HTMLIFrameElement>);
    for (let i = 0; i < 80; i++) post('carol', `filler line ${i}`);
    const short = 'a short one, after a long way';
    const last = post('alice', (await alice.write(short)).join('\n'));
    expect(await shownIn(page, last)).toMatchObject({ status: 'pinned', sender: 'alice', plaintext: short });
    // Chromium moves frames without reloading them: the new token got one of the earlier frames.
    const reused = await frameElementIn(page, last);
    expect(await reused.evaluate((f) => (f as HTMLIFrameElement & { earlier?: boolean }).earlier === true)).toBe(true);
    expect(await shownWhenRepointed(reused)).toEqual(['Decrypting…']);
    expect(await geometry(last)).toEqual({ height: HEIGHT_STEPS[0], scrolls: false });
    // Back up: the long message shows again, whole, in the largest frame.
    expect(await shownIn(page, longAt)).toMatchObject({ status: 'pinned', plaintext: expect.stringContaining(CANARY) });
    expect(await geometry(longAt)).toEqual({ height: LARGEST, scrolls: true });
    expect(await page.$$eval('iframe[data-c2c="message-frame"]', (all) => all.length)).toBeLessThanOrEqual(6);
    // Frames re-pointed twice, and not one entry more in the tab's history: Back leaves the page, as without us.
    expect(await page.evaluate(() => history.length)).toBe(entries);
    // The page reloads the re-pointed frame (out and back in). It was re-pointed by the extension's fixed
    // address, which Chrome loads for no page: the content script puts a new frame in its place.
    const newAt = await frameElementIn(page, last);
    await newAt.evaluate((f) => {
      const [parent, next] = [f.parentNode!, f.nextSibling];
      f.remove();
      parent.insertBefore(f, next);
    });
    await page.waitForFunction((f) => !f.isConnected, { timeout: 5_000 }, newAt);
    expect(await shownIn(page, last)).toMatchObject({ status: 'pinned', sender: 'alice', plaintext: short });
    expect(await page.evaluate(() => history.length)).toBe(entries);
  });

  it('a frame off screen is hidden in a holder that keeps its space; back on screen it shows the same message', async () => {
    // Hidden frames are what keeps a scrolling chat cheap: Chromium repaints the page on every scroll for
    // each out-of-process frame laid out above the screen.
    const iframe = await frameElementIn(page, canaryAt);
    expect(await shownIn(page, canaryAt)).toMatchObject({ status: 'pinned', plaintext: CANARY });
    await iframe.evaluate((f) => Object.assign(f, { kept: true }));
    const message = `[data-testid="host-message"]:nth-child(${canaryAt})`;
    const layout = () => page.evaluate((m) => ({ page: document.documentElement.scrollHeight, holder: document.querySelector(`${m} [data-c2c="message-holder"]`)!.getBoundingClientRect().height }), message);
    const before = await layout();
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForFunction((m) => getComputedStyle(document.querySelector(`${m} iframe[data-c2c="message-frame"]`)!).display === 'none', { timeout: 5_000 }, message);
    expect(await layout()).toEqual(before);
    const again = await frameElementIn(page, canaryAt);
    await page.waitForFunction((f) => getComputedStyle(f).display === 'block', { timeout: 5_000 }, again);
    expect(await again.evaluate((f) => (f as HTMLIFrameElement & { kept?: boolean }).kept)).toBe(true);
    expect(await shownIn(page, canaryAt)).toMatchObject({ status: 'pinned', plaintext: CANARY });
  });

  it('with hundreds of tokens on a page, one far away gets its frame when the view jumps there, and so do those the view then passes', async () => {
    await framesFollowTheView(bob, server);
  });

  it('a token the page adds on screen has its frame before the page is next rendered (one layout for both)', async () => {
    const token = (await alice.write('framed in the page’s own turn')).join('\n');
    const framedBeforeRendering = await page.evaluate((text) => {
      const added = document.createElement('p');
      added.id = 'same-turn';
      added.textContent = text;
      document.body.append(added);
      added.scrollIntoView();
      return new Promise<boolean>((resolve) => requestAnimationFrame(() => resolve(added.querySelector('iframe[data-c2c="message-frame"]') !== null)));
    }, token);
    expect(framedBeforeRendering).toBe(true);
    // The frame, added below the page's end, is scrolled to as a reader would: its status line shows only
    // once the whole frame is on screen.
    const iframe = (await page.$('#same-turn iframe[data-c2c="message-frame"]'))!;
    await iframe.scrollIntoView();
    const frame = await frameOf(iframe, '[data-testid="message-status"][data-status]');
    expect(await frame.$eval('[data-testid="message-plaintext"]', (e) => e.textContent)).toBe('framed in the page’s own turn');
  });

  it('a message frame draws what a font has and shows the code of what none has, keeping the text', async () => {
    await expectFontFallback(page, post('alice', (await alice.write(FONTLESS_TEXT)).join('\n')));
  });
});
