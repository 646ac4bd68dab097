// A real, unmodified web chat client: Converse.js (npm converse.js, its published build) on a real XMPP
// server, Prosody (tests/fixtures/xmpp.ts). Alice and Bob, each in a browser profile of their own with the
// test build, pinned and verified by each other, are both in one groupchat. Alice writes through our compose
// overlay; Converse sends it (once, its box left empty) as a groupchat message; Bob's page shows our message
// frame with the exact plaintext, verified, and the ciphertext folded away. Nothing of the plaintext reaches
// either page's DOM or the XMPP stream.
import type { ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXmppFixture, type XmppFixture } from '../fixtures/xmpp';
import { launchWithExtension, setViewportSize, type BrowserKind, type ExtensionSession } from './harness';
import { randomBytes, toBase64Url } from '@/lib/bytes';
import { CANARY, bundleOf, encrypt, onboardInPopup, pinVerified } from './flows';
import { chooseRecipient, frameOf, shownIn } from './content-flows';

const BOX = 'textarea.chat-textarea';

/** Converse's page of one user, once it has joined the room and its compose box is there. */
async function openConverse(session: ExtensionSession, fx: XmppFixture, user: string): Promise<Page> {
  const page = await session.browser.newPage();
  await page.goto(fx.pageUrl(user));
  await page.waitForSelector(`converse-muc ${BOX}`, { timeout: 20_000 });
  return page;
}

/**
 * Our lock over Converse's compose box: shown inside the box's rectangle, and the element a click at its
 * centre reaches (nothing of the page covers it). Converse has more text inputs (hidden ones: the emoji
 * search, the spoiler hint): their locks stay hidden.
 */
async function lockOnBox(page: Page): Promise<ElementHandle<HTMLButtonElement>> {
  const handle = await page.waitForFunction(
    (box) => {
      const area = document.querySelector(box)!.getBoundingClientRect();
      return [...document.querySelectorAll<HTMLButtonElement>('[data-c2c="lock"]')].find((lock) => {
        if (getComputedStyle(lock).visibility !== 'visible') return false;
        const r = lock.getBoundingClientRect();
        const inside = r.left >= area.left && r.right <= area.right && r.top >= area.top && r.bottom <= area.bottom;
        return inside && document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)?.closest('[data-c2c="lock"]') === lock;
      });
    },
    // Polled by time: a page in the background gets no animation frames.
    { timeout: 10_000, polling: 100 },
    BOX,
  );
  return handle as ElementHandle<HTMLButtonElement>;
}

function converseFlow(kind: BrowserKind) {
  describe(`Converse.js on Prosody (${kind})`, () => {
    let fx: XmppFixture;
    let alice: ExtensionSession;
    let bob: ExtensionSession;
    let alicePopup: Page;
    let alicePage: Page;
    let bobPage: Page;

    beforeAll(async () => {
      fx = await startXmppFixture();
      [alice, bob] = await Promise.all([launchWithExtension(kind), launchWithExtension(kind)]);
      const [a, b] = await Promise.all([onboardInPopup(alice, 'alice'), onboardInPopup(bob, 'bob')]);
      alicePopup = a.page;
      await pinVerified(a.page, 'bob', await bundleOf(b.page));
      await pinVerified(b.page, 'alice', await bundleOf(a.page));
    }, 90_000);

    afterAll(async () => {
      await Promise.all([alice, bob].filter(Boolean).map((s) => s.close()));
      await fx?.close();
    });

    it('alice writes through the overlay into Converse; bob reads it verified, the ciphertext folded; no plaintext leaves', async () => {
      // Alice first: she creates the room; Bob joins it (and gets its history).
      alicePage = await openConverse(alice, fx, 'alice');
      bobPage = await openConverse(bob, fx, 'bob');

      await (await lockOnBox(alicePage)).click();
      const compose = await frameOf((await alicePage.waitForSelector('iframe[data-c2c="compose-frame"]'))!, '[data-testid="compose-recipient"] input[data-handle]');
      await chooseRecipient(compose, 'bob');
      await compose.type('[data-testid="compose-input"]', CANARY);
      await compose.click('[data-testid="compose-send"]');

      // Converse sent exactly one groupchat message, armor only, and left its box empty.
      await expect.poll(() => fx.sentToRoom().length, { timeout: 15_000 }).toBe(1);
      const [sent] = fx.sentToRoom();
      expect(sent!.user).toBe('alice');
      expect(sent!.body).toMatch(/^c2c2[0-9a-z]+$/);
      await alicePage.waitForSelector('iframe[data-c2c="compose-frame"]', { hidden: true });
      expect(await alicePage.$eval(BOX, (t) => (t as HTMLTextAreaElement).value)).toBe('');
      await new Promise((r) => setTimeout(r, 500));
      expect(fx.sentToRoom()).toHaveLength(1);

      // Bob's Converse shows alice's message; our frame in it shows the plaintext, verified.
      const fromAlice = `.chat-msg[data-from="${fx.roomJid}/alice"]`;
      expect(await shownIn(bobPage, fromAlice)).toEqual({ status: 'verified', statusText: 'verified', sender: 'alice', plaintext: CANARY, code: null, pq: 'classical' });
      expect(await shownIn(alicePage, fromAlice)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: CANARY });

      // The ciphertext is folded away (Converse's message body element, font size 0) behind our marker,
      // which shows it again.
      const body = `${fromAlice} converse-chat-message-body`;
      const fontSize = () => bobPage.$eval(body, (e) => getComputedStyle(e).fontSize);
      expect(await fontSize()).toBe('0px');
      await bobPage.click(`${fromAlice} [data-c2c="fold"]`);
      expect(await fontSize()).not.toBe('0px');

      for (const page of [alicePage, bobPage]) {
        const html = await page.evaluate(() => document.documentElement.outerHTML);
        expect(html).toContain(sent!.body);
        expect(html).not.toContain('Canary');
        expect(html).not.toContain('Привет');
      }
      const stream = JSON.stringify(fx.allFrames());
      expect(stream).toContain(sent!.body);
      expect(stream).not.toContain('Canary');
      expect(stream).not.toContain('Привет');
    });

    it('a message in several parts, sent as consecutive Converse messages, shows once, whole, verified, after its last part', async () => {
      // A random tail: messages are compressed, and repeated words alone would fit in one part.
      const long = `${'Длинное сообщение, long message. '.repeat(70)}${toBase64Url(randomBytes(2400))}${CANARY}`;
      const parts = (await encrypt(alicePopup, ['bob'], long)).split('\n');
      expect(parts.length).toBeGreaterThan(1);
      const before = fx.sentToRoom().length;
      // Each part goes out through Converse's own box and Enter (written in at once: typing thousands of
      // characters would take seconds).
      for (const part of parts) {
        await alicePage.$eval(
          BOX,
          (box, text) => {
            const area = box as HTMLTextAreaElement;
            Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!.call(area, text);
            area.dispatchEvent(new Event('input', { bubbles: true }));
            area.focus();
          },
          part,
        );
        await alicePage.keyboard.press('Enter');
        await expect.poll(() => fx.sentToRoom().length, { timeout: 10_000 }).toBe(before + parts.indexOf(part) + 1);
      }
      expect(fx.sentToRoom().slice(before).map((m) => m.body)).toEqual(parts);

      // Converse groups them under alice (followup rows); our frame is in the last part's row only.
      // (Found by the start of its text: each part's header differs; puppeteer finds no selector this long.)
      const rowOf = (part: string) => `.chat-msg:has(converse-chat-message-body[text^="${part.slice(0, 40)}"])`;
      // The frame of a long message is 512 px high, and shows its status only while wholly in view: Converse's
      // message pane in the default 800×600 window is shorter than that. A desktop window's is not.
      await setViewportSize(bobPage, 1280, 1000);
      expect(await shownIn(bobPage, rowOf(parts.at(-1)!))).toMatchObject({ status: 'verified', sender: 'alice', plaintext: long });
      for (const part of parts.slice(0, -1)) expect(await bobPage.$(`${rowOf(part)} iframe[data-c2c="message-frame"]`)).toBeNull();
      const sizes = await Promise.all(parts.map((p) => bobPage.$eval(`${rowOf(p)} converse-chat-message-body`, (e) => getComputedStyle(e).fontSize)));
      expect(sizes).toEqual(parts.map(() => '0px'));
    });
  });
}

converseFlow('chromium');
converseFlow('firefox');
