// No frame oracle (issue 12, item 1). Chromium serves our frames only at a per-session address, so a site
// that never saw it cannot even load them; a site that did learn it can embed our message frame, but the
// background serves it nothing there: a token for the user, one for someone else and garbage look the same,
// say nothing to the page, and write nothing to the replay table. Chromium: its tab's address is reported
// to the background only for sites the extension holds.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from '../fixtures/server';
import { armor } from '@/lib/armor/armor';
import { utf8 } from '@/lib/bytes';
import { sealMessageV2 } from '@/lib/crypto/message-v2';
import { makeUser } from '../unit/crypto/fixtures';
import { frameOf, openChat, shownIn, startReader, type Reader } from './content-flows';

/** What a frame the page embedded shows, read from the frame's own document (test privilege). */
async function shown(page: Page, index: number) {
  const frame = await frameOf((await page.$$('iframe'))[index]!, '[data-testid="message-status"][data-status]');
  return frame.evaluate(() => ({
    status: document.querySelector('[data-testid="message-status"]')?.getAttribute('data-status'),
    text: document.body.innerText,
    badge: document.querySelector('[data-testid="security-badge"]') !== null,
  }));
}

describe('message frames embedded by a site that is not enabled (Chromium)', () => {
  let reader: Reader;
  let elsewhere: FixtureServer;

  beforeAll(async () => {
    reader = await startReader();
    // 127.0.0.2: loopback, but not a site the test build holds (nor runs its content script on).
    elsewhere = await startFixtureServer({ host: '127.0.0.2', record: false });
  }, 60_000);

  afterAll(async () => {
    await elsewhere?.close();
    await reader?.close();
  });

  it('a token for the user, one for someone else and garbage: the same refusal, no word to the page, no replay entry', async () => {
    const forBob = (await reader.alice.write('only for bob'))[0]!;
    const [carol, dave] = await Promise.all([makeUser({ handle: 'carol' }), makeUser({ handle: 'dave' })]);
    const sealed = await sealMessageV2({ identity: carol.identity, recipients: [dave.bundle], plaintext: utf8('not for bob'), senderKey: 'full' });
    const forSomeoneElse = armor(sealed)[0]!;
    // The frames' address is a per-session one (use_dynamic_url): an enabled site sees it in our frames' src.
    const enabled = await openChat(reader.bob, reader.server, 'plain', 'bob', 'oracle-address');
    reader.server.post('oracle-address', 'alice', (await reader.alice.write('shows the address'))[0]!);
    await shownIn(enabled, 1);
    const dynamicBase = await enabled.$eval('iframe[data-c2c="message-frame"]', (f) => f.src.slice(0, f.src.indexOf('message-frame.html')));
    await enabled.close();
    expect(dynamicBase).not.toBe(reader.bob.baseUrl);

    const page = await reader.bob.browser.newPage();
    await page.goto(`${elsewhere.url}/frame?text=host`);
    // A site that never saw that address cannot tell the extension is there: the fixed one loads nothing.
    const probe = (url: string) => page.evaluate((u) => fetch(u).then((r) => `loaded ${r.status}`, () => 'refused'), url);
    expect(await probe(`${reader.bob.baseUrl}message-frame.html`)).toBe('refused');
    expect(await probe(`${dynamicBase}message-frame.html`)).toBe('loaded 200');
    // A site that did learn it (say, one also enabled elsewhere in this session) embeds our frames there,
    // listening for anything they say.
    await page.evaluate(
      (base, tokens) => {
        const heard: unknown[] = [];
        Object.assign(window, { heard });
        window.addEventListener('message', (e) => heard.push({ origin: e.origin, data: e.data }));
        for (const token of tokens) {
          const frame = document.createElement('iframe');
          frame.src = `${base}message-frame.html#0:${encodeURIComponent(token)}`;
          frame.style.cssText = 'width:600px;height:300px';
          document.body.append(frame);
        }
      },
      dynamicBase,
      [forBob, forSomeoneElse, 'c2c2 garbage garbage'],
    );
    const seen = [await shown(page, 0), await shown(page, 1), await shown(page, 2)];
    expect(seen[0]).toEqual({ status: 'error', text: 'error: Crypt2Chat is not enabled on this site.', badge: false });
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
    expect(await page.evaluate(() => (window as unknown as { heard: unknown[] }).heard)).toEqual([]);
    await page.close();

    // The same token on a site bob enabled opens, and not as a replay: nothing was written for the refused frame.
    const chat = await openChat(reader.bob, reader.server, 'plain', 'bob', 'oracle');
    reader.server.post('oracle', 'alice', forBob);
    expect(await shownIn(chat, 1)).toMatchObject({ status: expect.stringMatching(/^(pinned|verified)$/), plaintext: 'only for bob' });
    await chat.close();
  });
});
