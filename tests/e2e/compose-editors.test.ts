// Exactly one send into every editor kind (entrypoints/content/host-editor.ts): a message sent from the
// compose overlay reaches the peer once, through the editor's model (each rich-editor fixture sends what
// its model holds, never its DOM), and the host's box is empty afterwards, so a second Enter sends nothing.
// In Chromium and in Firefox.
import type { Frame, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findArmorParts } from '@/lib/armor/detect';
import { CANARY } from './flows';
import { pollIn } from './harness';
import { openChat, openOverlay, pressClose, sendThroughOverlay, shownIn, startPinnedPair, type PinnedPair } from './content-flows';

const TEXT = `Через редактор, once only: ${CANARY}`;
const BOX = '[data-testid="host-compose"]';

/** What the host's compose box holds, without whitespace and without an editor's placeholder (not editable). */
const boxText = (page: Page) =>
  page.$eval(BOX, (box) => {
    if (box instanceof HTMLInputElement || box instanceof HTMLTextAreaElement) return box.value.replace(/\s+/g, '');
    const copy = box.cloneNode(true) as HTMLElement;
    for (const decoration of copy.querySelectorAll('[contenteditable="false"]')) decoration.remove();
    return (copy.textContent ?? '').replace(/[\s\u200B\uFEFF]+/g, '');
  });

/** True when `text` is one whole armor part and nothing else. */
function isOnePart(text: string): boolean {
  const refs = findArmorParts(text);
  return refs.length === 1 && refs[0]!.kind === 'part' && refs[0]!.start === 0 && refs[0]!.end === text.length;
}

const partLength = (compose: Frame) => compose.$eval('[data-testid="compose-part-length"]', (e) => (e as HTMLInputElement).value);

/** What the content script learned of hosts' lengths (entrypoints/content/host-limits.ts), written as extension storage. */
async function storeLearnedLengths(popup: Page, lengths: unknown): Promise<void> {
  await popup.evaluate(async (value) => {
    type Storage = { storage: { local: { set(items: object): Promise<void> } } };
    await (globalThis as unknown as { chrome: Storage }).chrome.storage.local.set({ hostPartLengths: value });
  }, lengths as object);
}

describe.each(['chromium', 'firefox'] as const)('one send into every editor kind (%s)', (kind) => {
  let pair: PinnedPair;

  beforeAll(async () => {
    pair = await startPinnedPair(kind);
  }, 90_000);

  afterAll(() => pair?.close());

  // plain: textarea; react: controlled textarea; vue: v-model; rich: Lexical; irc: <input type=text>.
  for (const app of ['slate', 'draft', 'tiptap', 'quill', 'irc', 'plain', 'react', 'vue', 'rich']) {
    it(`${app}: the message arrives once, the box is left empty, a second Enter sends nothing`, async () => {
      const { server } = pair;
      const room = `once-${kind}-${app}-${Math.random().toString(36).slice(2, 8)}`;
      const [alicePage, bobPage] = await Promise.all([openChat(pair.alice, server, app, 'alice', room), openChat(pair.bob, server, app, 'bob', room)]);
      if (app === 'irc') {
        // An IRC line carries 512 bytes with its prefix: one part must fit one line. The overlay starts at the
        // length learned for this host (only a well-formed entry for this very origin counts).
        const popup = await pair.alice.openPopup();
        await storeLearnedLengths(popup, { [server.url]: 'lots', [`${server.url}/`]: 100, 'http://localhost:1': 300, ['__proto__']: 250 });
        await alicePage.bringToFront(); // a background tab is not rendered: clicks in it would wait for ever
        const unknown = await openOverlay(alicePage);
        // Given time to fill the field in, as it does once it knows a length.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await partLength(unknown)).toBe('');
        // Closed with its own button (a scripted lock.click() is ignored, and the overlay may cover the lock).
        await pressClose(unknown);
        await alicePage.waitForSelector('iframe[data-c2c="compose-frame"]', { hidden: true });
        await storeLearnedLengths(popup, { 'http://other.example': 300, [server.url]: 400 });
        await popup.close();
      }
      const compose = await openOverlay(alicePage);
      if (app === 'irc') await pollIn(compose, 10_000, () => (document.querySelector('[data-testid="compose-part-length"]') as HTMLInputElement).value === '400');
      await sendThroughOverlay(compose, 'bob', TEXT);
      // The overlay closes once the host took every part (it stays open offering a copy otherwise).
      await alicePage.waitForSelector('iframe[data-c2c="compose-frame"]', { hidden: true, timeout: 30_000 });

      const sent = server.messages(room);
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.every((m) => m.sender === 'alice' && isOnePart(m.text)), JSON.stringify(sent.map((m) => m.text.slice(0, 40)))).toBe(true);
      // No part twice.
      expect(new Set(sent.map((m) => m.text)).size).toBe(sent.length);
      expect(await shownIn(bobPage, sent.length)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: TEXT });
      expect(await boxText(alicePage)).toBe('');

      // A person pressing Enter again (a real key press): the host has nothing left to send.
      await alicePage.bringToFront();
      await alicePage.click(BOX);
      await alicePage.keyboard.press('Enter');
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(server.messages(room)).toHaveLength(sent.length);
      expect(await alicePage.evaluate(() => document.documentElement.outerHTML)).not.toContain('Canary');
      await Promise.all([alicePage.close(), bobPage.close()]);
    });
  }
});
