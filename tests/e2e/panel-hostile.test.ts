// The side panel against the hostile fixture page (Chromium and Firefox; bob reads in his panel, alice and a stranger
// seal in Node with lib/). In panel mode the page holds no frame of ours, so everything it can do is post
// tokens: a stranger's token that claims to be alice's, a tampered copy and a replayed copy never show as
// verified; its probes, DOM watching and key logging learn none of the plaintext, typed or shown; tokens it
// edits in place leave the panel or join it in page order; a 10,000-token flood is reported bounded (the
// newest 200, with the count said) and a real token after it opens.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outsideSender, startReader, type OutsideSender, type Reader } from './content-flows';
import { CANARY, tamper } from './flows';
import { ourElementsIn, openPanel, panelMessages, panelSettled, sendFromPanel, usePanelMode } from './panel-flows';
import { PANEL_MAX_TOKENS } from '@/lib/protocol/api/panel-messages';
import { pollIn } from './harness';

interface Loot {
  loot: { what: string; value: unknown }[];
  attempts: Record<string, number>;
}

async function lootOf(page: Page): Promise<Loot> {
  return page.evaluate(async () => {
    const w = window as unknown as { __hostileLoot: Loot['loot']; __hostileAttempts: Record<string, number>; __hostileFlush(): Promise<void> };
    await w.__hostileFlush();
    return { loot: w.__hostileLoot, attempts: w.__hostileAttempts };
  });
}

describe.each(['chromium', 'firefox'] as const)('side panel against a hostile page (%s)', (kind) => {
  let reader: Reader;
  let mallory: OutsideSender;

  beforeAll(async () => {
    reader = await startReader(kind);
    await usePanelMode(reader.popup, reader.server);
    // A stranger bob never pinned: the page can post her tokens, which authenticate only as her unknown key.
    mallory = await outsideSender('mallory', reader.popup);
  }, 90_000);

  afterAll(() => reader?.close());

  it('the page posts forged, tampered and replayed tokens: none shows verified; its attacks learn nothing; typing in the panel is not logged', async () => {
    const { server, bob, popup, alice } = reader;
    // A room of its own per attempt: a retry starts from an empty chat.
    const ROOM = `panel-hostile-${Math.random().toString(36).slice(2, 8)}`;
    const page = await bob.browser.newPage();
    await page.goto(`${server.url}/hostile?user=bob&room=${ROOM}&probe&forge&observe&keylog&fakeui&stealfocus=300&interval=100`);
    await page.waitForFunction(() => document.querySelector('[data-testid="host-status"]')?.textContent === 'connected');
    const panel = await openPanel(bob, popup, page);

    const genuine = (await alice.write(CANARY)).join('\n');
    server.post(ROOM, 'alice', genuine);
    expect(await panelSettled(panel, 1)).toEqual([{ status: 'verified', sender: 'alice', plaintext: CANARY }]);
    // What the page can do: post tokens under any name, in any order.
    server.post(ROOM, 'alice', (await mallory.write('I am alice. Send the keys.')).join('\n'));
    server.post(ROOM, 'alice', tamper(genuine, 30));
    server.post(ROOM, 'mallory', genuine);
    const shown = await panelSettled(panel, 4);
    expect(shown.map((m) => m.status)).toEqual(['verified', 'unverified', 'error', 'error']);
    // The stranger's text shows, but under no name: the page's "alice" is not believed.
    expect(shown[1]).toEqual({ status: 'unverified', sender: expect.not.stringContaining('alice'), plaintext: 'I am alice. Send the keys.' });
    expect(shown.slice(2).map((m) => m.plaintext)).toEqual([null, null]);

    // Bob writes from the panel while the page steals the host box's focus and logs keys: the panel is
    // another document, so nothing he types reaches the page; only the ciphertext is sent through it.
    await sendFromPanel(panel, 'alice', 'Привет from the panel');
    await expect.poll(() => server.messages(ROOM).filter((m) => m.sender === 'bob').length, { timeout: 15_000 }).toBe(1);
    expect((await panelSettled(panel, 5)).at(-1)).toEqual({ status: 'verified', sender: 'bob', plaintext: 'Привет from the panel' });

    // Several attack rounds ran while the panel showed the plaintext (forging: probes need frames, and there are none).
    const before = (await lootOf(page)).attempts;
    await page.waitForFunction((then: Record<string, number>) => {
      const now = (window as unknown as { __hostileAttempts: Record<string, number> }).__hostileAttempts;
      return (now.forge ?? 0) >= (then.forge ?? 0) + 3;
    }, { timeout: 30_000, polling: 100 }, before);
    const { loot } = await lootOf(page);
    const lootText = JSON.stringify(loot);
    for (const secret of ['Canary', 'Привет', 'Send the keys']) expect(lootText).not.toContain(secret);
    expect(loot.some((l) => l.what === 'phished' || l.what === 'port-message')).toBe(false);
    // No frame of ours for the page to probe, cover or feed: only the lock beside its compose box.
    expect((await ourElementsIn(page)).filter((what) => what !== 'lock')).toEqual([]);
    const html = await page.evaluate(() => document.documentElement.outerHTML);
    for (const secret of ['Canary', 'Привет']) expect(html).not.toContain(secret);
    const traffic = JSON.stringify(server.allFrames());
    for (const secret of ['Canary', 'Привет', 'Send the keys']) expect(traffic).not.toContain(secret);
    await Promise.all([page.close(), panel.close()]);
  });

  it('the page changes shown tokens in place: an edited token leaves the panel, a token written over other text joins it in page order', async () => {
    const { server, bob, popup, alice } = reader;
    const ROOM = `panel-edit-${Math.random().toString(36).slice(2, 8)}`;
    const page = await bob.browser.newPage();
    await page.goto(`${server.url}/hostile?user=bob&room=${ROOM}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="host-status"]')?.textContent === 'connected');
    const panel = await openPanel(bob, popup, page);
    const [first, second, third] = await Promise.all(['first', 'second', 'third'].map(async (text) => (await alice.write(text)).join('\n')));
    server.post(ROOM, 'alice', first!);
    server.post(ROOM, 'alice', second!);
    expect((await panelSettled(panel, 2)).map((m) => m.plaintext)).toEqual(['first', 'second']);
    // The page rewrites the text node that holds a token (a characterData change: no node added or removed).
    const rewrite = (tail: string, to: string) =>
      page.evaluate((tail, to) => {
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          if ((n as Text).data.includes(tail)) {
            (n as Text).data = to;
            return true;
          }
        }
        return false;
      }, tail, to);
    expect(await rewrite(first!.slice(-16), 'edited by the page')).toBe(true);
    expect((await panelSettled(panel, 1)).map((m) => m.plaintext)).toEqual(['second']);
    expect(await rewrite('edited by the page', third!)).toBe(true);
    expect((await panelSettled(panel, 2)).map((m) => m.plaintext)).toEqual(['third', 'second']);
    await Promise.all([page.close(), panel.close()]);
  });

  it('a 10,000-token flood: the panel shows the newest 200 and says how many the page holds; a real token after it opens', async () => {
    const { server, bob, popup, alice } = reader;
    const ROOM = `panel-flood-${Math.random().toString(36).slice(2, 8)}`;
    const page = await bob.browser.newPage();
    await page.goto(`${server.url}/hostile?user=bob&room=${ROOM}&flood=10000`);
    await page.waitForFunction(() => document.querySelector('[data-testid="host-status"]')?.textContent === 'connected');
    const panel = await openPanel(bob, popup, page);
    // The flood's every 4th token is well-formed around random bytes: at least 2,500 reach the panel's count.
    // (The count grows while the content script works through the page: read it once it has them all.)
    await pollIn(panel, 60_000, () => {
      const numbers = (document.querySelector('[data-testid="panel-truncated"]')?.textContent ?? '').match(/\d[\d,]*/g) ?? [];
      return numbers.length === 2 && Number(numbers[1]!.replace(/,/g, '')) >= 2500;
    });
    const said = await panel.$eval('[data-testid="panel-truncated"]', (el) => el.textContent ?? '');
    const [shownCount, total] = (said.match(/\d[\d,]*/g) ?? []).map((n) => Number(n.replace(/,/g, '')));
    expect(shownCount).toBe(PANEL_MAX_TOKENS);
    expect(total).toBeGreaterThanOrEqual(2500);
    expect((await panelMessages(panel)).length).toBe(PANEL_MAX_TOKENS);

    server.post(ROOM, 'alice', (await alice.write('after the flood')).join('\n'));
    await pollIn(panel, 30_000, () => {
      const last = [...document.querySelectorAll('[data-testid="panel-message"]')].at(-1);
      return last?.querySelector('[data-testid="panel-plaintext"]')?.textContent === 'after the flood' && last.getAttribute('data-status') === 'verified';
    });
    // None of the flood's tokens opened as a message from anyone bob knows.
    const statuses = new Set((await panelMessages(panel)).slice(0, -1).map((m) => m.status));
    expect(statuses.has('verified') || statuses.has('pinned')).toBe(false);
    expect(await ourElementsIn(page).then((all) => all.filter((what) => what !== 'lock'))).toEqual([]);
    await Promise.all([page.close(), panel.close()]);
  }, 120_000);
});
