// The content script in a real Firefox: round trips through the compose overlay and a message frame on the
// plain chat, the React chat (controlled textarea, list re-rendered per message), the Vue chat (v-model) and
// the Lexical editor, as in content-chats.test.ts (Chromium); and frames following the view on a page with
// hundreds of tokens, a frame reused for another token, and characters no font has, as in
// content-reading.test.ts.
import type { ElementHandle } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY } from './flows';
import { FONTLESS_TEXT, expectFontFallback, frameElementIn, framesFollowTheView, openChat, openOverlay, outsideSender, sendThroughOverlay, shownIn, shownWhenRepointed, startPinnedPair, watchRepointing, type PinnedPair } from './content-flows';

describe('content script in the fixture chats (Firefox)', () => {
  let pair: PinnedPair;

  beforeAll(async () => {
    pair = await startPinnedPair('firefox');
  }, 90_000);

  afterAll(() => pair?.close());

  it.each(['plain', 'react', 'vue', 'rich'])('%s: alice sends through the overlay; bob reads it verified; the canary stays out of pages and host', async (app) => {
    const { server, alice, bob } = pair;
    const ROOM = `firefox-${app}`;
    const [alicePage, bobPage] = await Promise.all([openChat(alice, server, app, 'alice', ROOM), openChat(bob, server, app, 'bob', ROOM)]);

    await sendThroughOverlay(await openOverlay(alicePage), 'bob', CANARY);
    await expect.poll(() => server.messages(ROOM).length, { timeout: 15_000 }).toBe(1);
    expect(server.messages(ROOM)[0]).toMatchObject({ sender: 'alice', text: expect.stringMatching(/^c2c2[0-9a-z]+$/) });

    expect(await shownIn(bobPage, 1)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: CANARY });
    for (const page of [alicePage, bobPage]) expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toContain('Canary');
    expect(JSON.stringify(server.allFrames())).not.toContain('Canary');
    await Promise.all([alicePage.close(), bobPage.close()]);
  });

  it('a frame scrolled far off screen: re-pointed where the browser can (the previous message already gone), else a new frame; Back still leaves the chat', async () => {
    const { server, bob } = pair;
    const ROOM = `firefox-reuse-${Math.random().toString(36).slice(2, 8)}`;
    const popup = await bob.openPopup();
    const carol = await outsideSender('carol', popup);
    await popup.close();
    const page = await openChat(bob, server, 'plain', 'bob', ROOM);
    const post = async (text: string) => {
      server.post(ROOM, 'carol', (await carol.write(text)).join('\n'));
      return server.messages(ROOM).length;
    };
    const first = await post(`far above ${CANARY}`);
    expect(await shownIn(page, first)).toMatchObject({ status: 'unverified', plaintext: `far above ${CANARY}` });
    const entries = await page.evaluate(() => history.length);
    // Re-pointing needs the Navigation API's navigate event in the frame and moveBefore in the page (Firefox 147).
    const canRepoint = await page.evaluate(() => 'navigation' in window && 'moveBefore' in Element.prototype);
    // Every frame on the page now (a retried test has more than this one's).
    for (const f of await page.$$('iframe[data-c2c="message-frame"]')) {
      await f.evaluate((e) => Object.assign(e, { earlier: true }));
      if (canRepoint) await watchRepointing(f as ElementHandle<HTMLIFrameElement>);
    }
    for (let i = 0; i < 80; i++) server.post(ROOM, 'carol', `filler line ${i}`);
    const last = await post('a short one, after a long way');
    expect(await shownIn(page, last)).toMatchObject({ status: 'unverified', plaintext: 'a short one, after a long way' });
    const frame = await frameElementIn(page, last);
    expect(await frame.evaluate((f) => (f as HTMLIFrameElement & { earlier?: boolean }).earlier === true)).toBe(canRepoint);
    if (canRepoint) expect(await shownWhenRepointed(frame)).toEqual(['Decrypting…']);
    expect(await page.evaluate(() => history.length)).toBe(entries);
    await page.close();
  });

  it('with hundreds of tokens on a page, one far away gets its frame when the view jumps there, and so do those the view then passes', async () => {
    await framesFollowTheView(pair.bob, pair.server);
  });

  it('a message frame draws what a font has and shows the code of what none has, keeping the text', async () => {
    const { server, bob } = pair;
    const ROOM = `firefox-glyphs-${Math.random().toString(36).slice(2, 8)}`;
    const popup = await bob.openPopup();
    const dave = await outsideSender('dave', popup);
    await popup.close();
    const page = await openChat(bob, server, 'plain', 'bob', ROOM);
    server.post(ROOM, 'dave', (await dave.write(FONTLESS_TEXT)).join('\n'));
    await expectFontFallback(page, 1);
    await page.close();
  });
});
