// Helpers shared by the content-script browser tests: open a fixture chat, read what our frames show.
import type { ElementHandle, Frame, Page } from 'puppeteer-core';
import { armor } from '@/lib/armor/armor';
import { utf8 } from '@/lib/bytes';
import { sealMessage } from '@/lib/crypto/message';
import { decodePublicBundle, encodePublicBundle } from '@/lib/crypto/public-bundle';
import type { FixtureServer } from '../fixtures/server';
import { makeUser } from '../unit/crypto/fixtures';
import type { ExtensionSession } from './harness';
import { bundleOf } from './flows';

/** The document inside an iframe element, once it has rendered what we wait for. */
export async function frameOf(handle: ElementHandle, ready: string): Promise<Frame> {
  const frame = await handle.contentFrame();
  if (!frame) throw new Error('iframe has no content frame');
  await frame.waitForSelector(ready, { timeout: 20_000 });
  return frame;
}

export async function openChat(session: ExtensionSession, server: FixtureServer, app: string, user: string, room = app): Promise<Page> {
  const page = await session.browser.newPage();
  await page.goto(`${server.url}/${app}?user=${user}&room=${room}`);
  await page.waitForFunction(() => document.querySelector('[data-testid="host-status"]')?.textContent === 'connected');
  return page;
}

/** What the message frame in the n-th host message (1-based) shows. */
export async function shownIn(page: Page, n: number, timeout = 20_000) {
  // Frames are made only for messages on screen: scroll there, as a reader would.
  const frame = await frameOf(await frameElementIn(page, n, timeout), '[data-testid="message-status"][data-status]');
  return frame.evaluate(() => {
    const q = (id: string) => document.querySelector(`[data-testid="${id}"]`);
    return {
      status: q('message-status')!.getAttribute('data-status'),
      statusText: q('message-status')!.textContent ?? '',
      sender: q('message-sender')?.textContent ?? null,
      plaintext: q('message-plaintext')?.textContent ?? null,
      code: q('message-status')!.getAttribute('data-code'),
    };
  });
}

/** Someone writing from outside the browser (a c2c user): seals messages to the reader with lib/ in Node. */
export interface OutsideSender {
  /** The public bundle text, to pin in the reader's popup. */
  bundle: string;
  /** The armored parts of one message to the reader, one per host message. */
  write(plaintext: string, maxPartLength?: number): Promise<string[]>;
}

/** `readerPopup` is an extension page of the reader's profile (its bundle is read from there). */
export async function outsideSender(handle: string, readerPopup: Page): Promise<OutsideSender> {
  const user = await makeUser({ handle });
  const reader = await decodePublicBundle(await bundleOf(readerPopup));
  return {
    bundle: encodePublicBundle(user.bundle),
    async write(plaintext, maxPartLength) {
      const sealed = await sealMessage({ sender: user, recipients: [reader], plaintext: utf8(plaintext) });
      return armor(sealed, maxPartLength ? { maxPartLength } : {});
    },
  };
}

/** The n-th host message's frame element (1-based), once there (scrolled into view first). */
export async function frameElementIn(page: Page, n: number, timeout = 20_000): Promise<ElementHandle<HTMLIFrameElement>> {
  const message = `[data-testid="host-message"]:nth-child(${n})`;
  await (await page.waitForSelector(message, { timeout }))!.scrollIntoView();
  const iframe = (await page.waitForSelector(`${message} iframe[data-c2c="message-frame"]`, { timeout })) as ElementHandle<HTMLIFrameElement>;
  // A long token pushes its frame below the fold; a frame off screen is not laid out (nor resized).
  await iframe.scrollIntoView();
  return iframe;
}

/** Sends a message through the host's own compose box and Send button: the host page still works. */
export async function hostSends(page: Page, text: string): Promise<void> {
  await page.click('[data-testid="host-compose"]');
  await page.type('[data-testid="host-compose"]', text);
  await page.click('[data-testid="host-send"]');
}
