// The content script in a real Firefox: round trips through the compose overlay and a message frame on the
// plain chat, the React chat (controlled textarea, list re-rendered per message), the Vue chat (v-model) and
// the Lexical editor, as in content-chats.test.ts (Chromium); and frames following the view on a page with
// hundreds of tokens, as in content-reading.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY } from './flows';
import { frameOf, framesFollowTheView, openChat, sendThroughOverlay, shownIn, startPinnedPair, type PinnedPair } from './content-flows';

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

    await (await alicePage.waitForSelector('[data-c2c="lock"]', { timeout: 10_000 }))!.click();
    const compose = await frameOf((await alicePage.waitForSelector('iframe[data-c2c="compose-frame"]'))!, '[data-testid="compose-recipient"] input[data-handle="bob"]');
    await sendThroughOverlay(compose, 'bob', CANARY);
    await expect.poll(() => server.messages(ROOM).length, { timeout: 15_000 }).toBe(1);
    expect(server.messages(ROOM)[0]).toMatchObject({ sender: 'alice', text: expect.stringMatching(/^c2c1[0-9a-z]+$/) });

    expect(await shownIn(bobPage, 1)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: CANARY });
    for (const page of [alicePage, bobPage]) expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toContain('Canary');
    expect(JSON.stringify(server.allFrames())).not.toContain('Canary');
    await Promise.all([alicePage.close(), bobPage.close()]);
  });

  it('with hundreds of tokens on a page, one far away gets its frame when the view jumps there, and so do those the view then passes', async () => {
    await framesFollowTheView(pair.bob, pair.server);
  });
});
