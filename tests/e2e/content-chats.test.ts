// The content script on the fixture chats, in two real Chromium profiles (alice, bob) pinned to each other:
// alice writes in the compose overlay, the host carries only ciphertext, bob's page shows the plaintext in
// an extension-origin message frame. The canary never reaches either page's DOM or the host's network; a
// tampered token shows an error. Each chat's compose box takes input differently (docs/FIXTURES.md).
import type { ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, toBase64Url } from '@/lib/bytes';
import { startFixtureServer, type FixtureServer } from '../fixtures/server';
import { launchWithExtension, type ExtensionSession } from './harness';
import { CANARY, bundleOf, encrypt, onboardInPopup, pinVerified, tamper } from './flows';
import { openChat, openOverlay, shownIn } from './content-flows';

const GOOD = 'second message, after the hostile ones';


describe('content script in the fixture chats (Chromium)', () => {
  let server: FixtureServer;
  let alice: ExtensionSession;
  let bob: ExtensionSession;
  let alicePage: Page;
  let bobPage: Page;
  let alicePopup: Page;

  beforeAll(async () => {
    server = await startFixtureServer();
    [alice, bob] = await Promise.all([launchWithExtension('chromium'), launchWithExtension('chromium')]);
    const [a, b] = await Promise.all([onboardInPopup(alice, 'alice'), onboardInPopup(bob, 'bob')]);
    alicePopup = a.page;
    await pinVerified(a.page, 'bob', await bundleOf(b.page));
    await pinVerified(b.page, 'alice', await bundleOf(a.page));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([alice, bob].filter(Boolean).map((s) => s.close()));
    await server?.close();
  });

  // /plain: a textarea; /react: a controlled textarea, the whole list re-rendered on every message;
  // /vue: a v-model-bound textarea; /rich: a Lexical editor.
  it.each(['plain', 'react', 'vue', 'rich'])('%s: alice sends through the overlay; bob reads it verified; the canary stays out of pages and host', async (app) => {
    const ROOM = app;
    await Promise.all([alicePage, bobPage].filter(Boolean).map((p) => p.close()));
    [alicePage, bobPage] = await Promise.all([openChat(alice, server, app, 'alice'), openChat(bob, server, app, 'bob')]);
    const compose = await openOverlay(alicePage);
    await compose.click('[data-testid="compose-recipient"] input[data-handle="bob"]');
    // The real overlay shows the user's security badge (what a look-alike drawn by the page cannot know)
    // while its input has the focus, and only then.
    expect(await compose.$('[data-testid="security-badge"]')).toBeNull();
    await compose.click('[data-testid="compose-input"]');
    await compose.waitForSelector('[data-testid="compose-input-state"][data-state="secure"] [data-testid="security-badge"]', { timeout: 5_000 });
    await compose.type('[data-testid="compose-input"]', CANARY);
    // Focus moved within the overlay only (this page does not steal it): no warning. (Checked before Send:
    // the overlay closes, and its frame is gone, as soon as the host has sent.)
    expect(await compose.$('[data-testid="compose-focus-warning"]')).toBeNull();
    await compose.click('[data-testid="compose-send"]');

    // The host sent one message from alice, and it is armor only.
    await expect.poll(() => server.messages(ROOM).length, { timeout: 15_000 }).toBe(1);
    const [sent] = server.messages(ROOM);
    expect(sent!.sender).toBe('alice');
    expect(sent!.text).toMatch(/^c2c2[0-9a-z]+$/);
    // The overlay closes once the host has sent it.
    await alicePage.waitForSelector('iframe[data-c2c="compose-frame"]', { hidden: true });

    expect(await shownIn(bobPage, 1)).toEqual({ status: 'verified', statusText: 'verified', sender: 'alice', plaintext: CANARY, code: null, pq: 'classical' });
    // Alice reads her own message too (she is always a recipient of her own messages).
    expect(await shownIn(alicePage, 1)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: CANARY });

    for (const page of [alicePage, bobPage]) {
      const html = await page.evaluate(() => document.documentElement.outerHTML);
      expect(html).toContain(sent!.text); // the ciphertext is there (in the host's list and the frame's URL)
      expect(html).not.toContain('Canary');
      expect(html).not.toContain('Привет');
    }
    const traffic = JSON.stringify(server.allFrames());
    expect(traffic).toContain(sent!.text.slice(0, 40));
    expect(traffic).not.toContain('Canary');
    expect(traffic).not.toContain('Привет');
  });

  it('a tampered token shows an error; prose is left alone; a later good message still opens', async () => {
    const ROOM = 'rich'; // the pages of the last chat above
    const good = server.messages(ROOM)[0]!.text;
    server.post(ROOM, 'mallory', tamper(good, 60));
    const shown = await shownIn(bobPage, 2);
    expect(shown).toMatchObject({ status: 'error', sender: null, plaintext: null, code: 'checksum' });
    expect(shown.statusText).toMatch(/^error: \S/);

    // Not an armor token at all: plain text stays plain, no frame is placed.
    server.post(ROOM, 'mallory', 'C2C is great, see c2c1 tomorrow');
    server.post(ROOM, 'alice', await encrypt(alicePopup, ['bob'], GOOD));
    expect(await shownIn(bobPage, 4)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: GOOD });
    // Messages are scanned in order, so by now the prose has been looked at too.
    expect(await bobPage.$('[data-testid="host-message"]:nth-child(3) iframe')).toBeNull();
  });

  it('survives the host re-rendering its whole list: the frames come back in the new elements', async () => {
    const frames = () => bobPage.$$eval('iframe[data-c2c="message-frame"]', (all) => all.length);
    await bobPage.click('[data-testid="host-rerender"]');
    expect(await shownIn(bobPage, 1)).toMatchObject({ status: 'verified', plaintext: CANARY });
    expect(await shownIn(bobPage, 4)).toMatchObject({ status: 'verified', plaintext: GOOD });
    // One frame per token, none left over from the old elements.
    expect(await frames()).toBeLessThanOrEqual(3);
  });

  it('a message split over several host messages is shown once, complete, after its last part', async () => {
    const ROOM = 'rich';
    // A random tail: messages are compressed, and repeated words alone would fit in one part.
    const long = `${'Длинное сообщение, long message. '.repeat(70)}${toBase64Url(randomBytes(2400))}${CANARY}`;
    const parts = (await encrypt(alicePopup, ['bob'], long)).split('\n');
    expect(parts.length).toBeGreaterThan(1);
    const first = server.messages(ROOM).length + 1;
    // Each part is its own host message, with chatter in between.
    parts.forEach((part, i) => {
      server.post(ROOM, 'alice', part);
      if (i === 0) server.post(ROOM, 'carol', 'unrelated chatter');
    });
    const last = first + parts.length; // one chatter message
    expect(await shownIn(bobPage, last)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: long });
    for (let n = first; n < last; n++) {
      expect(await bobPage.$(`[data-testid="host-message"]:nth-child(${n}) iframe`), `message ${n}`).toBeNull();
    }
  });

  it('a hostile page that probes frames, forges messages, watches the DOM and logs keys learns no plaintext', async () => {
    const ROOM = 'hostile';
    await Promise.all([alicePage, bobPage].map((p) => p.close()));
    const open = async (session: ExtensionSession, user: string) => {
      const page = await session.browser.newPage();
      await page.goto(`${server.url}/hostile?user=${user}&room=${ROOM}&probe&forge&forgeinit&observe&keylog&fakeui&interval=100`);
      await page.waitForFunction(() => document.querySelector('[data-testid="host-status"]')?.textContent === 'connected');
      return page;
    };
    [alicePage, bobPage] = await Promise.all([open(alice, 'alice'), open(bob, 'bob')]);

    // The page drew a lookalike lock too; the real one is the one the page did not make (openOverlay).
    const compose = await openOverlay(alicePage);
    await compose.click('[data-testid="compose-recipient"] input[data-handle="bob"]');
    await compose.type('[data-testid="compose-input"]', CANARY);
    await compose.click('[data-testid="compose-send"]');
    await expect.poll(() => server.messages(ROOM).length, { timeout: 15_000 }).toBe(1);
    expect(server.messages(ROOM)[0]!.text).toMatch(/^c2c2[0-9a-z]+$/);

    expect(await shownIn(bobPage, 1)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: CANARY });
    expect(await shownIn(alicePage, 1)).toMatchObject({ status: 'verified', plaintext: CANARY });
    // Several attack rounds with the frames in place: the page counts its attempts.
    type Counted = { __hostileAttempts: Record<string, number> };
    for (const page of [alicePage, bobPage]) {
      const sofar = await page.evaluate(() => ({ ...(window as unknown as Counted).__hostileAttempts }));
      await page.waitForFunction(
        (then) => {
          const now = (window as unknown as Counted).__hostileAttempts;
          return ['probe', 'forge'].every((what) => (now[what] ?? 0) >= (then[what] ?? 0) + 3);
        },
        { timeout: 10_000, polling: 100 },
        sofar,
      );
    }

    for (const page of [alicePage, bobPage]) {
      const { loot, attempts } = await page.evaluate(async () => {
        const w = window as unknown as { __hostileLoot: { what: string; value: unknown }[]; __hostileAttempts: Record<string, number>; __hostileFlush(): Promise<void> };
        await w.__hostileFlush();
        return { loot: w.__hostileLoot, attempts: w.__hostileAttempts };
      });
      // The attacks ran against our frames and were refused by the browser.
      expect(attempts.probe).toBeGreaterThan(0);
      expect(attempts.forge).toBeGreaterThan(0);
      expect(attempts['probe-refused:SecurityError']).toBeGreaterThan(0);
      // Alice's page raced our compose frame with inits of its own (the frame's id is in its src).
      if (page === alicePage) expect(attempts['forge-init']).toBeGreaterThan(0);
      const lootText = JSON.stringify(loot);
      expect(lootText).not.toContain('Canary');
      expect(lootText).not.toContain('Привет');
      const learned = new Set(loot.map((l) => l.what));
      // No frame answered a forged message or used a port the page handed it (the compose frame took only
      // our init, whose secret the page cannot know), and nothing typed into the real overlay was captured.
      // Our frames say nothing to the page at all (their height comes from the token: lib/content/message-frame.ts).
      for (const what of ['port-message', 'phished']) expect(learned.has(what), what).toBe(false);
      const fromUs = loot.filter((l) => l.what === 'message' && String(JSON.parse(String(l.value)).origin).startsWith('chrome-extension:'));
      expect(fromUs).toEqual([]);
      // A frame's document is readable only in the instant before it navigates to the extension page: the
      // browser's initial empty about:blank. After that every read is refused.
      const EMPTY = new Set(['<html><head></head><body></body></html>', '', 'about:blank']);
      for (const l of loot.filter((l) => ['frame-document', 'frame-window-document', 'frames-document', 'frame-location'].includes(l.what))) {
        expect(EMPTY.has(String(l.value)), `${l.what}: ${String(l.value)}`).toBe(true);
      }
      // What the page can see of our frames is ciphertext and our extension's address, nothing more.
      const html = await page.evaluate(() => document.documentElement.outerHTML);
      expect(html).not.toContain('Canary');
    }
    expect(JSON.stringify(server.allFrames())).not.toContain('Canary');
    expect(JSON.stringify(server.allFrames())).not.toContain('Привет');
  });

  it('warns in the overlay when the page steals the focus while the user types', async () => {
    const page = await alice.browser.newPage();
    await page.goto(`${server.url}/hostile?user=alice&room=focus&stealfocus=150`);
    await page.waitForFunction(() => document.querySelector('[data-testid="host-status"]')?.textContent === 'connected');
    const compose = await openOverlay(page);
    expect(await compose.$('[data-testid="compose-focus-warning"]')).toBeNull();
    await compose.click('[data-testid="compose-input"]');
    await compose.type('[data-testid="compose-input"]', 'not a secret, typed slowly', { delay: 40 });
    await compose.waitForSelector('[data-testid="compose-focus-warning"]', { timeout: 5_000 });
    expect(await page.evaluate(() => (window as unknown as { __hostileAttempts: Record<string, number> }).__hostileAttempts.focus)).toBeGreaterThan(0);
    await page.close();
  });
});

describe('site-enable in the popup (Chromium)', () => {
  let server: FixtureServer;
  let session: ExtensionSession;

  beforeAll(async () => {
    server = await startFixtureServer();
    session = await launchWithExtension('chromium');
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  it('registers the content script for the current tab’s site and injects it once', async () => {
    await (await onboardInPopup(session, 'dave')).page.close();
    const host = await session.browser.newPage(); // the active tab: the site the popup talks about
    await host.goto(`${server.url}/plain?user=dave&room=site`);
    await host.waitForSelector('[data-c2c="lock"]');
    // The popup, opened in a background tab so the host page stays the active one it reads.
    const popupUrl = `${session.baseUrl}popup.html`;
    const cdp = await session.browser.target().createCDPSession();
    await cdp.send('Target.createTarget', { url: popupUrl, background: true });
    await cdp.detach();
    const popup = (await (await session.browser.waitForTarget((t) => t.url() === popupUrl)).page())!;
    // A background tab gets no animation frames, so wait by polling and click by coordinates (a real,
    // trusted click: the permission request needs the user's gesture).
    const status = (await popup.waitForFunction(() => document.querySelector('[data-testid="site-status"]'), { polling: 100 })) as ElementHandle;
    // Loopback is pre-granted in the test build and declared for the content script.
    expect(await status.evaluate((e) => [e.getAttribute('data-enabled'), e.textContent])).toEqual(['true', expect.stringContaining('127.0.0.1')]);

    // The popup's injections into the tab, counted around the real executeScript: it settles once the script
    // has run in the tab's frames.
    await popup.evaluate(() => {
      type Scripting = { executeScript(...args: unknown[]): Promise<unknown> };
      const scripting = (globalThis as unknown as { chrome: { scripting: Scripting } }).chrome.scripting;
      const inject = scripting.executeScript.bind(scripting);
      const counted = window as unknown as { injected: number };
      counted.injected = 0;
      scripting.executeScript = async (...args) => {
        const result = await inject(...args);
        counted.injected += 1;
        return result;
      };
    });
    const button = await popup.$('[data-testid="site-enable"]');
    await button!.evaluate((b) => b.scrollIntoView());
    const box = (await button!.boundingBox())!;
    await popup.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const registered = () =>
      popup.evaluate(async () => {
        type Scripting = { scripting: { getRegisteredContentScripts(): Promise<{ id: string; matches?: string[]; js?: string[] }[]> } };
        return (globalThis as unknown as { chrome: Scripting }).chrome.scripting.getRegisteredContentScripts();
      });
    await expect.poll(registered, { timeout: 10_000 }).toEqual([
      { id: 'c2c-site:http://127.0.0.1/*', matches: ['http://127.0.0.1/*'], js: ['content-scripts/content.js'], allFrames: true, matchOriginAsFallback: true, persistAcrossSessions: true, runAt: 'document_idle', world: 'ISOLATED' },
    ]);
    // Injected again into the open tab, the script saw it already runs there: still one lock per box.
    await popup.waitForFunction(() => (window as unknown as { injected: number }).injected === 1, { polling: 100, timeout: 10_000 });
    expect(await popup.$('[data-testid="site-error"]')).toBeNull();
    expect(await host.$$eval('[data-c2c="lock"]', (all) => all.length)).toBe(1);
  });
});
