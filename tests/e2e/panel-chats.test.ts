// The side panel on the fixture chats, in Chromium and in Firefox (two profiles each, alice and bob, pinned
// and verified by each other), with the site in panel mode: alice writes in her panel, the host carries only
// ciphertext, and both panels show the message verified, in page order. The host pages hold no frame of
// ours, and the canary never reaches either page's DOM or the host's traffic. The panel page is opened in a
// normal tab bound to the chat's tab (`sidepanel.html?tab=<id>`, docs/TESTING.md).
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChat, openOverlay, sendThroughOverlay, startPinnedPair, type PinnedPair } from './content-flows';
import { CANARY } from './flows';
import { ourElementsIn, openPanel, panelSettled, sendFromPanel, usePanelMode } from './panel-flows';

const SECOND = 'second: after alice’s first';

/** Every fixture chat's path, with the query it needs (`framed`: the chat in a frame the page makes). */
const ALL_CHATS = ['plain', 'react', 'vue', 'rich', 'markdown', 'team', 'framed', 'irc', 'footer', 'sticky', 'nicktime', 'slate', 'draft', 'tiptap', 'quill'];
const QUERY: Record<string, string> = { framed: '&frame=blank' };

describe.each(['chromium', 'firefox'] as const)('side panel in the fixture chats (%s)', (kind) => {
  let pair: PinnedPair;
  let alicePopup: Page;
  let bobPopup: Page;

  beforeAll(async () => {
    pair = await startPinnedPair(kind);
    [alicePopup, bobPopup] = await Promise.all([pair.alice.openPopup(), pair.bob.openPopup()]);
    await Promise.all([usePanelMode(alicePopup, pair.server), usePanelMode(bobPopup, pair.server)]);
  }, 120_000);

  afterAll(() => pair?.close());

  // Every fixture chat in Chromium (tests/fixtures/pages.ts says what each simulates); in Firefox the first
  // three and the editor libraries, whose input handling differs most between the browsers.
  const chats = kind === 'chromium' ? ALL_CHATS : ['plain', 'irc', 'slate', 'draft', 'tiptap', 'quill', 'rich'];
  it.each(chats)('%s: alice writes from her panel, bob reads in his; no frame in either page; the canary stays out', async (app) => {
    const { server, alice, bob } = pair;
    // A room of its own per attempt: a retry starts from an empty chat.
    const ROOM = `panel-${kind}-${app}-${Math.random().toString(36).slice(2, 8)}`;
    const query = QUERY[app] ?? '';
    const [alicePage, bobPage] = await Promise.all([openChat(alice, server, app, 'alice', ROOM, query), openChat(bob, server, app, 'bob', ROOM, query)]);
    const [alicePanel, bobPanel] = await Promise.all([openPanel(alice, alicePopup, alicePage), openPanel(bob, bobPopup, bobPage)]);

    await sendFromPanel(alicePanel, 'bob', CANARY);
    // The host sent only armor, from alice (an IRC host may split it over several lines).
    await expect.poll(() => server.messages(ROOM).length, { timeout: 15_000 }).toBeGreaterThan(0);
    for (const m of server.messages(ROOM)) expect(m).toMatchObject({ sender: 'alice', text: expect.stringMatching(/^c2c[0-9a-z]+$/) });

    expect(await panelSettled(bobPanel, 1)).toEqual([{ status: 'verified', sender: 'alice', plaintext: CANARY }]);
    expect(await panelSettled(alicePanel, 1)).toEqual([{ status: 'verified', sender: 'alice', plaintext: CANARY }]);
    // A second message lands after the first, in page order, in both panels.
    await sendFromPanel(alicePanel, 'bob', SECOND);
    expect((await panelSettled(bobPanel, 2)).map((m) => m.plaintext)).toEqual([CANARY, SECOND]);

    for (const page of [alicePage, bobPage]) {
      // Panel mode: no message frame, holder or fold in the page (the lock beside the box stays).
      expect((await ourElementsIn(page)).filter((what) => what !== 'lock')).toEqual([]);
      const html = await page.evaluate(() => document.documentElement.outerHTML);
      expect(html).not.toContain('Canary');
      expect(html).not.toContain('Привет');
    }
    const traffic = JSON.stringify(server.allFrames());
    expect(traffic).not.toContain('Canary');
    expect(traffic).not.toContain('Привет');
    await Promise.all([alicePage, bobPage, alicePanel, bobPanel].map((p) => p.close()));
  });

  // Both seal for the site and `#<room A>`: the overlay from its ticket (the lock stays in panel mode), the panel
  // for the tab's site and the conversation the adapter names at the box it writes into.
  it.each(['overlay', 'panel'] as const)('a message sent from the %s in one team-chat channel is read in its panel; re-posted in another channel of the site, its panel says wrong-channel', async (from) => {
    const { server, alice, bob } = pair;
    const suffix = Math.random().toString(36).slice(2, 8);
    const [roomA, roomB] = [`panel-${kind}-${from}-conv-a-${suffix}`, `panel-${kind}-${from}-conv-b-${suffix}`];
    const writer = await openChat(alice, server, 'team', 'alice', roomA);
    const writerPanel = from === 'panel' ? await openPanel(alice, alicePopup, writer) : null;
    if (writerPanel) await sendFromPanel(writerPanel, 'bob', 'for channel A only');
    else await sendThroughOverlay(await openOverlay(writer), 'bob', 'for channel A only');
    await expect.poll(() => server.messages(roomA).length, { timeout: 15_000 }).toBe(1);
    server.post(roomB, 'alice', server.messages(roomA)[0]!.text);

    const [pageA, pageB] = await Promise.all([openChat(bob, server, 'team', 'bob', roomA), openChat(bob, server, 'team', 'bob', roomB)]);
    const [panelA, panelB] = await Promise.all([openPanel(bob, bobPopup, pageA), openPanel(bob, bobPopup, pageB)]);
    expect(await panelSettled(panelA, 1)).toEqual([{ status: 'verified', sender: 'alice', plaintext: 'for channel A only' }]);
    // What bob sees beside channel B: an error saying why, no sender, no text.
    expect(await panelSettled(panelB, 1)).toEqual([{ status: 'error', sender: '', plaintext: null }]);
    expect(await panelB.$eval('[data-testid="panel-status"]', (e) => e.textContent)).toMatch(/^error — .*sent for another site, conversation or mailbox/);
    expect(await panelB.evaluate(() => document.body.innerText)).not.toContain('for channel A only');
    await Promise.all([writer, pageA, pageB, panelA, panelB, ...(writerPanel ? [writerPanel] : [])].map((p) => p.close()));
  });

  it('two panels for two tabs show only their own tab; a page that navigates away or closes clears its panel', async () => {
    const { server, alice, bob } = pair;
    const suffix = Math.random().toString(36).slice(2, 8);
    const [roomA, roomB] = [`panel-${kind}-a-${suffix}`, `panel-${kind}-b-${suffix}`];
    const [pageA, pageB] = await Promise.all([openChat(bob, server, 'plain', 'bob', roomA), openChat(bob, server, 'plain', 'bob', roomB)]);
    const [panelA, panelB] = await Promise.all([openPanel(bob, bobPopup, pageA), openPanel(bob, bobPopup, pageB)]);
    const writer = await openChat(alice, server, 'plain', 'alice', roomA);
    const writerPanel = await openPanel(alice, alicePopup, writer);
    await sendFromPanel(writerPanel, 'bob', 'for room A only');
    expect(await panelSettled(panelA, 1)).toEqual([{ status: 'verified', sender: 'alice', plaintext: 'for room A only' }]);
    // B's panel went on polling all the while and shows nothing of A.
    expect(await panelSettled(panelB, 0)).toEqual([]);

    // A leaves the chat: its panel clears.
    await pageA.goto(`${server.url}/plain?user=bob&room=${roomB}-elsewhere`);
    expect(await panelSettled(panelA, 0)).toEqual([]);
    // B's tab closes: its panel shows nothing, and keeps working (no crash, it says there is no chat).
    await pageB.close();
    expect(await panelSettled(panelB, 0)).toEqual([]);
    await panelB.waitForSelector('[data-testid="panel-empty"]');
    await Promise.all([pageA, writer, writerPanel, panelA, panelB].map((p) => p.close()));
  });
});
