// Host behaviour that broke the in-page flow in real web chats, on fixtures that behave the same way
// (Chromium and Firefox): an IRC server that splits long lines into several messages of one sender, a list that
// follows the newest message only while its view is at the end, and rows that name their sender only once
// per group. bob reads; alice writes from outside the browser (as `c2c` would) and is pinned by bob.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ircLines, ircLineText } from '../fixtures/apps/irc-lines';
import { findArmorParts } from '@/lib/armor/detect';
import { openChat, openOverlay, sendThroughOverlay, shownIn, startPinnedPair, startReader, type PinnedPair, type Reader } from './content-flows';
import { CANARY } from './flows';

/** Long enough, and random enough not to compress, that its token needs three IRC lines. */
const LONG = `${CANARY} IRC must split this: ${Array.from({ length: 70 }, () => Math.random().toString(36).slice(2, 10)).join(' ')}`;

/** A room of its own for each attempt (a retried test must not see the first attempt's messages). */
const roomFor = (name: string) => `${name}${Math.random().toString(36).slice(2, 8)}`;

/** Posts `text` as an IRC server would: one message per line of at most 512 bytes with the prefix. */
function postAsIrc(reader: Reader, room: string, nick: string, text: string): number {
  const lines = ircLines(nick, room, text, 'bytes');
  for (const line of lines) reader.server.post(room, nick, ircLineText(line));
  return lines.length;
}

const frameCount = (page: Page) => page.$$eval('iframe[data-c2c="message-frame"]', (f) => f.length);
const rowCount = (page: Page) => page.$$eval('[data-testid="host-message"]', (r) => r.length);

/** The font size of each row's message text: "0px" where our frame folded the ciphertext away. */
const textSizes = (page: Page) => page.$$eval('[data-testid="host-message"] .host-text', (els) => els.map((e) => getComputedStyle(e).fontSize));

/** The 1-based row of the page's one message frame, once there is one. */
async function frameRow(page: Page): Promise<number> {
  await page.waitForSelector('iframe[data-c2c="message-frame"]', { timeout: 20_000 });
  return page.$$eval('[data-testid="host-message"]', (rows) => 1 + rows.findIndex((r) => r.querySelector('iframe[data-c2c="message-frame"]')));
}

/** What the extension learned about hosts' message lengths, read from its storage in an extension page. */
function storedPartLengths(extensionPage: Page): Promise<unknown> {
  type Storage = { browser?: Api; chrome: Api };
  type Api = { storage: { local: { get(key: string): Promise<Record<string, unknown>> } } };
  return extensionPage.evaluate(async () => {
    const api = (globalThis as unknown as Storage).browser ?? (globalThis as unknown as Storage).chrome;
    return (await api.storage.local.get('hostPartLengths')).hostPartLengths;
  });
}

describe.each(['chromium', 'firefox'] as const)('hosts that split, follow and group (%s)', (kind) => {
  let reader: Reader;
  let page: Page | undefined;

  beforeAll(async () => {
    reader = await startReader(kind);
  }, 60_000);

  afterAll(async () => {
    await reader?.close();
  });

  async function open(app: string, room: string, query = ''): Promise<Page> {
    await page?.close();
    page = await openChat(reader.bob, reader.server, app, 'bob', room, query);
    return page;
  }

  it('irc: a token the server split into three lines shows once, whole and verified, its pieces folded', async () => {
    const split1 = roomFor('split');
    const p = await open('irc', split1);
    const [token] = await reader.alice.write(LONG, Infinity);
    expect(postAsIrc(reader, split1, 'alice', token!)).toBe(3);
    await expect.poll(() => rowCount(p)).toBe(3);
    const shown = await shownIn(p, 3);
    expect(shown).toMatchObject({ status: 'verified', sender: 'alice', plaintext: LONG });
    expect(await frameCount(p)).toBe(1);
    // All three pieces are folded away behind one marker, which shows them again.
    await expect.poll(() => textSizes(p)).toEqual(['0px', '0px', '0px']);
    expect(await p.$eval('body', (b) => b.innerText)).not.toContain(CANARY);
    await p.click('[data-c2c="fold"]');
    expect((await textSizes(p)).every((size) => size !== '0px')).toBe(true);
    // The split taught the compose overlay the longest part that fits one line here (less a margin).
    const firstLine = ircLineText(ircLines('alice', split1, token!, 'bytes')[0]!).length;
    await expect.poll(() => storedPartLengths(reader.popup)).toEqual({ [reader.server.url]: firstLine - 64 });
  });

  it('irc: pieces interleaved with another sender\'s message still join; the other message stays as it was', async () => {
    const split2 = roomFor('split');
    const p = await open('irc', split2);
    const [token] = await reader.alice.write(LONG, Infinity);
    const lines = ircLines('alice', split2, token!, 'bytes').map(ircLineText);
    reader.server.post(split2, 'alice', lines[0]!);
    reader.server.post(split2, 'carol', 'hi all');
    reader.server.post(split2, 'alice', lines[1]!);
    reader.server.post(split2, 'alice', lines[2]!);
    await expect.poll(() => rowCount(p)).toBe(4);
    expect(await shownIn(p, 4)).toMatchObject({ status: 'verified', plaintext: LONG });
    expect(await p.$eval('[data-testid="host-message"]:nth-child(2) .host-text', (e) => [e.textContent, getComputedStyle(e).fontSize !== '0px'])).toEqual(['hi all', true]);
  });

  it.each([
    ['a missing piece', (l: string[]) => [l[0]!, l[2]!]],
    ['pieces reordered', (l: string[]) => [l[0]!, l[2]!, l[1]!]],
    ['an altered piece', (l: string[]) => [l[0]!, l[1]!.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')), l[2]!]],
    ['base32 noise after the head', (l: string[]) => [l[0]!, 'k7m2q9x4'.repeat(40), l[2]!]],
  ])('irc: %s gives one clear error, never a wrong plaintext', async (_, mangle) => {
    const room = roomFor('bad');
    const p = await open('irc', room);
    const [token] = await reader.alice.write(LONG, Infinity);
    const posted = mangle(ircLines('alice', room, token!, 'bytes').map(ircLineText));
    for (const line of posted) reader.server.post(room, 'alice', line);
    // A later plain message: every row the test posted has arrived once it has.
    reader.server.post(room, 'carol', 'done');
    await expect.poll(() => rowCount(p)).toBe(posted.length + 1);
    // Shown after the last piece that was taken (up to where it failed), or after the head alone.
    const shown = await shownIn(p, await frameRow(p));
    expect(shown.status).toBe('error');
    expect(shown.plaintext ?? '').not.toContain('IRC must split');
    expect(await frameCount(p)).toBe(1);
  });

  it('irc: a head shown as incomplete and failed by its late rest never gets its frame back on screen', async () => {
    const room = roomFor('late');
    const p = await open('irc', room);
    const [token] = await reader.alice.write(LONG, Infinity);
    const lines = ircLines('alice', room, token!, 'bytes').map(ircLineText);
    reader.server.post(room, 'alice', lines[0]!);
    // Alone past its grace period, the head shows as incomplete.
    expect((await shownIn(p, 1)).status).toBe('error');
    // A token someone else posted right below it, then long messages of others, then the rest, one piece altered.
    reader.server.post(room, 'carol', (await reader.alice.write('a marker below the head')).join('\n'));
    for (let i = 0; i < 12; i++) reader.server.post(room, 'carol', `${'other people talking '.repeat(30)}${i}`);
    reader.server.post(room, 'alice', lines[1]!.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')));
    reader.server.post(room, 'alice', lines[2]!);
    await expect.poll(() => rowCount(p)).toBe(16);
    // The failed token's frame, after its last piece, replaced the head's (reading it scrolls the head away).
    expect((await shownIn(p, 16)).status).toBe('error');
    // Back at the head: once the marker below it shows again, the head's row has no frame of its own.
    await p.$eval('[data-testid="host-message"]:nth-child(1)', (row) => row.scrollIntoView({ block: 'start' }));
    expect(await shownIn(p, 2)).toMatchObject({ status: 'verified', plaintext: 'a marker below the head' });
    expect(await p.$$eval('[data-testid="host-message"]:nth-child(1) iframe[data-c2c="message-frame"]', (f) => f.length)).toBe(0);
  });

  it('irc: a piece from another sender is not taken for alice\'s', async () => {
    const mixed = roomFor('mixed');
    const p = await open('irc', mixed);
    const [token] = await reader.alice.write(LONG, Infinity);
    const lines = ircLines('alice', mixed, token!, 'bytes').map(ircLineText);
    reader.server.post(mixed, 'alice', lines[0]!);
    reader.server.post(mixed, 'mallory', lines[1]!);
    reader.server.post(mixed, 'alice', lines[2]!);
    reader.server.post(mixed, 'carol', 'done');
    await expect.poll(() => rowCount(p)).toBe(4);
    expect(await frameRow(p)).toBe(1);
    expect((await shownIn(p, 1)).status).toBe('error');
  });

  it('nicktime: rows that name the sender once per group still join the pieces of a split token', async () => {
    const grouped = roomFor('grouped');
    const p = await open('nicktime', grouped);
    const [token] = await reader.alice.write(LONG, Infinity);
    postAsIrc(reader, grouped, 'alice', token!);
    await expect.poll(() => rowCount(p)).toBe(3);
    expect(await p.$$eval('[data-testid="host-message"] .nick', (n) => n.length)).toBe(1);
    expect(await shownIn(p, 3)).toMatchObject({ status: 'verified', plaintext: LONG });
  });

  it('sticky: a list at its end stays at its end as frames come and grow, and keeps following', async () => {
    const follow = roomFor('follow');
    const p = await open('sticky', follow, '&history=60');
    await p.waitForFunction(() => window.__stickyAtEnd());
    const fromEnd = () => p.$eval('[data-testid="host-scroller"]', (s) => Math.round(s.scrollHeight - s.scrollTop - s.clientHeight));
    for (let i = 1; i <= 4; i++) {
      // Eight lines: the frame grows well past the folded token's height once it has decrypted.
      const text = Array.from({ length: 8 }, (_, k) => `message ${i}, line ${k + 1}`).join('\n');
      const [token] = await reader.alice.write(text);
      reader.server.post(follow, 'alice', token!);
      await expect.poll(() => rowCount(p)).toBe(60 + i);
      expect(await shownIn(p, 60 + i)).toMatchObject({ plaintext: text });
      // shownIn scrolled the frame into view; the message is the newest, so that is the end.
      await expect.poll(fromEnd).toBeLessThanOrEqual(1);
    }
    reader.server.post(follow, 'carol', 'plain text at the end');
    await expect.poll(() => rowCount(p)).toBe(65);
    expect(await fromEnd()).toBeLessThanOrEqual(1);
  });

  it('sticky: a list the user scrolled up stays where the user left it', async () => {
    const room = roomFor('reading');
    const p = await open('sticky', room, '&history=60');
    await p.waitForFunction(() => window.__stickyAtEnd());
    const reading = '[data-testid="host-message"]:nth-child(40)';
    await p.$eval(reading, (el) => el.scrollIntoView({ block: 'center' }));
    const topOf = () => p.$eval(reading, (el) => Math.round(el.getBoundingClientRect().top));
    const before = await topOf();
    for (let i = 1; i <= 3; i++) reader.server.post(room, 'alice', (await reader.alice.write(`later ${i}`))[0]!);
    reader.server.post(room, 'carol', 'after the tokens');
    await expect.poll(() => rowCount(p)).toBe(64);
    expect(await topOf()).toBe(before);
    expect(await p.evaluate(() => window.__stickyAtEnd())).toBe(false);
  });
});

describe('a host that splits teaches the sender (Chromium)', () => {
  let pair: PinnedPair;

  beforeAll(async () => {
    pair = await startPinnedPair('chromium');
  }, 90_000);

  afterAll(() => pair?.close());

  it("irc: once the server split alice's first long message, each part of her next one fits one line", async () => {
    const { server } = pair;
    const room = roomFor('learn');
    const [alicePage, bobPage] = await Promise.all([openChat(pair.alice, server, 'irc', 'alice', room), openChat(pair.bob, server, 'irc', 'bob', room)]);
    // Nothing known of this host yet: one part, which the server splits into lines.
    await sendThroughOverlay(await openOverlay(alicePage), 'bob', LONG);
    await expect.poll(() => server.lines(room).length).toBeGreaterThan(1);
    const first = server.messages(room).length;
    expect(await shownIn(bobPage, first)).toMatchObject({ plaintext: LONG });
    // alice's own page saw her message split, and remembered what one line carried.
    const popup = await pair.alice.openPopup();
    await expect.poll(() => storedPartLengths(popup)).toHaveProperty([server.url]);
    await popup.close();
    await alicePage.bringToFront();
    const second = LONG.replace('IRC must split this', 'and now it need not');
    await sendThroughOverlay(await openOverlay(alicePage), 'bob', second);
    await expect.poll(() => server.messages(room).length).toBeGreaterThan(first + 1);
    await expect.poll(() => shownIn(bobPage, server.messages(room).length).then((s) => s.plaintext), { timeout: 30_000 }).toBe(second);
    // Every message of the second one is one whole armor part: the server split none of them.
    for (const m of server.messages(room).slice(first)) {
      const refs = findArmorParts(m.text);
      expect(refs.map((r) => [r.kind, r.start, r.end])).toEqual([['part', 0, m.text.length]]);
    }
  });
});
