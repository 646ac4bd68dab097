// Bad input on a fixture chat, in a real Chromium: garbage, truncated and otherwise corrupted tokens,
// duplicated and reordered parts of a multi-part message, and replayed tokens (in another message of the
// page, and on another site). Each gets a clear status in our frame; the content script never throws,
// the host page keeps working (its own sending still works) and tokens posted afterwards are still found.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, toBase64Url } from '@/lib/bytes';
import { CORRUPTION_KINDS, corruptedToken } from '../fixtures/apps/fake-tokens';
import type { FixtureServer } from '../fixtures/server';
import type { ExtensionSession } from './harness';
import { CANARY } from './flows';
import { hostSends, shownIn, startReader, type OutsideSender, type Reader } from './content-flows';

const ROOM = 'bad-input';

describe('bad input in a fixture chat (Chromium)', () => {
  let reader: Reader;
  let server: FixtureServer;
  let bob: ExtensionSession;
  let page: Page;
  let alice: OutsideSender;
  /** Uncaught errors and console errors of the page, including the content script's world. */
  const errors: string[] = [];

  /** Posts one host message and returns its 1-based position in the list. */
  const post = (sender: string, text: string) => {
    server.post(ROOM, sender, text);
    return server.messages(ROOM).length;
  };

  async function open(origin = server.url): Promise<Page> {
    const p = await bob.browser.newPage();
    p.on('pageerror', (e) => errors.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
    p.on('console', (m) => {
      // The fixture server has no favicon.
      if (m.type() === 'error' && !m.location().url?.endsWith('/favicon.ico')) errors.push(`console: ${m.text()}`);
    });
    await p.goto(`${origin}/plain?user=bob&room=${ROOM}`);
    await p.waitForFunction(() => document.querySelector('[data-testid="host-status"]')?.textContent === 'connected');
    return p;
  }

  beforeAll(async () => {
    reader = await startReader();
    ({ server, bob, alice } = reader);
    page = await open();
  }, 60_000);

  afterAll(() => reader?.close());

  // A lone first part of a two-part message waits for its other part: no frame, nothing decrypted.
  const SHOWN_KINDS = CORRUPTION_KINDS.filter((k) => k !== 'foreign-part');

  it.each(SHOWN_KINDS)('%s token: our frame says error, in words', async (kind) => {
    const n = post('mallory', `look: ${corruptedToken(kind)}`);
    const shown = await shownIn(page, n);
    expect(shown).toMatchObject({ status: 'error', sender: null, plaintext: null });
    expect(shown.statusText).toMatch(/^error: \S.{10,}/);
  });

  it('duplicated and reordered parts, one per host message: shown once, complete, after the last part', async () => {
    // A random tail: messages are compressed, and repeated words alone would fit in one part.
    const long = `${'Части в другом порядке, parts out of order. '.repeat(40)}${toBase64Url(randomBytes(900))}${CANARY}`;
    const parts = await alice.write(long, 400);
    expect(parts.length).toBeGreaterThan(3);
    const order = [...parts].reverse();
    order.splice(2, 0, order[0]!); // a duplicate of the last part, among the others
    const first = server.messages(ROOM).length + 1;
    let last = 0;
    for (const part of order) last = post('alice', part);
    expect(await shownIn(page, last)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: long });
    for (let n = first; n < last; n++) expect(await page.$(`[data-testid="host-message"]:nth-child(${n}) iframe`), `message ${n}`).toBeNull();

    // The whole message posted again later: the copy reads as replayed, the original stays verified.
    const again = post('mallory', parts.join('\n'));
    expect(await shownIn(page, again)).toMatchObject({ status: 'error', code: 'replayed', plaintext: null });
    expect(await shownIn(page, last)).toMatchObject({ status: 'verified', plaintext: long });
  });

  it('a token replayed in another message reads replayed, after a reload too; on another site as well', async () => {
    const token = (await alice.write('pay bob 100')).join('\n');
    const original = post('alice', token);
    const copy = post('mallory', `again: ${token}`);
    expect(await shownIn(page, original)).toMatchObject({ status: 'verified', plaintext: 'pay bob 100' });
    expect(await shownIn(page, copy)).toMatchObject({ status: 'error', code: 'replayed', plaintext: null });

    await page.reload();
    await page.waitForFunction(() => document.querySelector('[data-testid="host-status"]')?.textContent === 'connected');
    expect(await shownIn(page, original)).toMatchObject({ status: 'verified', plaintext: 'pay bob 100' });
    expect(await shownIn(page, copy)).toMatchObject({ status: 'error', code: 'replayed' });

    // The same chat reached under another name is another site: even the first copy there is a replay.
    const elsewhere = await open(server.url.replace('127.0.0.1', 'localhost'));
    try {
      expect(await shownIn(elsewhere, original)).toMatchObject({ status: 'error', code: 'replayed', plaintext: null });
    } finally {
      // Left open, it would stay in front of the chat the next test reads (frames are made for what is on screen).
      await elsewhere.close();
    }
  });

  it('after all that the host page still works, and a new token is still found and opened', async () => {
    await hostSends(page, 'plain words from bob');
    await expect.poll(() => server.messages(ROOM).at(-1)?.text, { timeout: 10_000 }).toBe('plain words from bob');
    const mine = server.messages(ROOM).length;
    await page.waitForFunction((n) => document.querySelector(`[data-testid="host-message"]:nth-child(${n})`)?.textContent?.includes('plain words'), {}, mine);
    const n = post('alice', (await alice.write(CANARY)).join('\n'));
    expect(await shownIn(page, n)).toMatchObject({ status: 'verified', plaintext: CANARY });
    expect(errors).toEqual([]);
  });
});
