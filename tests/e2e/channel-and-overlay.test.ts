// Issue 12, items 6 and 2, in real browsers with the built extension. A message is bound to where it was
// sent: a genuine message re-posted on another site, in another conversation of the same site, or a
// mailbox message pasted into a page, shows wrong-channel. Typing goes only into our box: a scripted lock.click() opens nothing, the security mark
// shows only while our input has the focus, and (Chromium) a send is refused while the page lays its own
// textarea over our input.
import type { Frame, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armor } from '@/lib/armor/armor';
import { utf8 } from '@/lib/bytes';
import type { Channel } from '@/lib/crypto/channel';
import { decodePublicBundle, encodePublicBundle } from '@/lib/crypto/public-bundle';
import { sealMessageV2 } from '@/lib/crypto/message-v2';
import { makeUser } from '../unit/crypto/fixtures';
import type { FixtureServer } from '../fixtures/server';
import { chooseRecipient, openOverlay, sendThroughOverlay, shownIn, startReader, type Reader } from './content-flows';
import { bundleOf, pinVerified } from './flows';
import type { ExtensionSession } from './harness';

type HostileWindow = Window & { __hostileAttempts: Record<string, number>; __hostileLoot: { what: string; value: string }[] };

const inputState = (compose: Frame) => compose.$eval('[data-testid="compose-input-state"]', (e) => e.getAttribute('data-state'));
const markShown = async (compose: Frame) => (await compose.$('[data-testid="security-badge"]')) !== null;

async function openPage(session: ExtensionSession, url: string): Promise<Page> {
  const page = await session.browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.querySelector('[data-testid="host-status"]')?.textContent === 'connected', { timeout: 60_000 });
  return page;
}

/**
 * Bob writes in one channel of the team chat (its adapter names the channel, `host-conversation`); his
 * message opens there, and the same token re-posted in another channel of the same site (same origin and
 * path) shows wrong-channel, without its text.
 */
async function boundToConversation({ bob, server }: Reader): Promise<void> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const [roomA, roomB] = [`conv-a-${suffix}`, `conv-b-${suffix}`];
  const page = await openPage(bob, `${server.url}/team?user=bob&room=${roomA}`);
  await sendThroughOverlay(await openOverlay(page), 'alice', 'for channel A only');
  await expect.poll(() => server.messages(roomA).length, { timeout: 15_000 }).toBe(1);
  const token = server.messages(roomA)[0]!.text;
  expect(await shownIn(page, 1)).toMatchObject({ status: 'verified', sender: 'bob', plaintext: 'for channel A only' });

  server.post(roomB, 'alice', token);
  const other = await openPage(bob, `${server.url}/team?user=bob&room=${roomB}`);
  expect(await other.$eval('[data-testid="host-conversation"]', (e) => e.textContent)).toBe(`#${roomB}`);
  const shown = await shownIn(other, 1);
  expect(shown).toMatchObject({ status: 'error', code: 'wrong-channel', plaintext: null });
  expect(shown.statusText).toMatch(/another site, conversation or mailbox/);
  await Promise.all([page.close(), other.close()]);
}

/** A scripted click on our lock (the `scriptedlock` flag) opens no overlay; a person's click still does. */
async function scriptedLockOpensNothing(session: ExtensionSession, server: FixtureServer): Promise<void> {
  const page = await openPage(session, `${server.url}/hostile?user=bob&room=scripted-lock&scriptedlock`);
  await page.waitForFunction(() => ((window as unknown as HostileWindow).__hostileAttempts['scripted-lock'] ?? 0) > 0, { timeout: 10_000 });
  // Given time to open, as a trusted click does within a moment.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(await page.$('iframe[data-c2c="compose-frame"]')).toBeNull();
  const compose = await openOverlay(page);
  expect(await compose.$('[data-testid="compose-input"]')).not.toBeNull();
  await page.close();
}

/** The mark and "secure input" only while our input has the focus; "click here to type" otherwise. */
async function markOnlyWhileFocused(session: ExtensionSession, server: FixtureServer): Promise<void> {
  const page = await openPage(session, `${server.url}/plain?user=bob&room=mark`);
  const compose = await openOverlay(page);
  expect(await inputState(compose)).toBe('idle');
  expect(await markShown(compose)).toBe(false);
  // Focused as a click or Tab would (a click in an extension frame is not possible over Firefox's BiDi here).
  await compose.focus('[data-testid="compose-input"]');
  await compose.waitForSelector('[data-testid="compose-input-state"][data-state="secure"] [data-testid="security-badge"]', { timeout: 5_000 });
  // Focus moves to the page (as a person clicking into it would): the mark goes.
  await page.click('[data-testid="host-compose"]');
  await compose.waitForSelector('[data-testid="compose-input-state"][data-state="idle"]', { timeout: 5_000 });
  expect(await markShown(compose)).toBe(false);
  await page.close();
}

describe('messages bound to where they were sent; typing only into our box (Chromium)', () => {
  let reader: Reader;

  beforeAll(async () => {
    reader = await startReader('chromium');
  }, 60_000);

  afterAll(() => reader?.close());

  it('a genuine message re-posted on another site shows wrong-channel, never the message', async () => {
    const { bob, server } = reader;
    const page = await openPage(bob, `${server.url}/plain?user=bob&room=bound`);
    const compose = await openOverlay(page);
    await chooseRecipient(compose, 'alice');
    await compose.type('[data-testid="compose-input"]', 'sent for this room only');
    await compose.click('[data-testid="compose-send"]');
    await expect.poll(() => server.messages('bound').length, { timeout: 15_000 }).toBe(1);
    const token = server.messages('bound')[0]!.text;
    // Where it was sent, bob reads his own copy.
    expect(await shownIn(page, 1)).toMatchObject({ status: 'verified', plaintext: 'sent for this room only' });

    // The same token on another origin serving the same chat (localhost, not 127.0.0.1).
    server.post('elsewhere', 'alice', token);
    const other = await openPage(bob, `${server.url.replace('127.0.0.1', 'localhost')}/plain?user=bob&room=elsewhere`);
    const shown = await shownIn(other, 1);
    expect(shown).toMatchObject({ status: 'error', code: 'wrong-channel', plaintext: null });
    expect(shown.statusText).toMatch(/another site, conversation or mailbox/);
    await Promise.all([page.close(), other.close()]);
  });

  it('a message sent in one conversation of a site shows wrong-channel in another conversation of it', async () => {
    await boundToConversation(reader);
  });

  it('a frame address naming a conversation out of bounds opens nothing, even for a genuine message', async () => {
    const { bob, server, alice } = reader;
    const token = (await alice.write('genuine, for this page'))[0]!;
    server.post('bad-conversation', 'alice', token);
    const page = await openPage(bob, `${server.url}/plain?user=bob&room=bad-conversation`);
    expect(await shownIn(page, 1)).toMatchObject({ status: 'verified', plaintext: 'genuine, for this page' });
    // The page re-points our frame at the same token with a conversation no adapter writes, and back again.
    const frame = '[data-testid="host-message"]:nth-child(1) iframe[data-c2c="message-frame"]';
    const original = await page.$eval(frame, (f) => (f as HTMLIFrameElement).src);
    const pointAt = (src: string) => page.$eval(frame, (f, to) => void ((f as HTMLIFrameElement).src = to), src);
    for (const conversation of ['x'.repeat(1025), '%00room', '%E0%A4']) {
      // By the address the frame lives at (the extension's fixed one, which is public): only the fragment
      // changes, so the frame is not reloaded (a reloaded frame is replaced by the content script).
      await pointAt(`${bob.baseUrl}message-frame.html#0&c=${conversation}:${encodeURIComponent(token)}`);
      await expect.poll(async () => (await shownIn(page, 1)).code, { timeout: 10_000 }).toBe('malformed');
      expect(await shownIn(page, 1), conversation.slice(0, 10)).toMatchObject({ status: 'error', plaintext: null, sender: null });
      await pointAt(original);
      await expect.poll(async () => (await shownIn(page, 1)).plaintext, { timeout: 10_000 }).toBe('genuine, for this page');
    }
    await page.close();
  });

  it('a message sealed for a relay mailbox, pasted into a page, shows wrong-channel', async () => {
    const { bob, server, popup } = reader;
    // Dave writes from outside the browser, as the extension's mailbox service seals: bound to bob's mailbox.
    const dave = await makeUser({ handle: 'dave' });
    await pinVerified(popup, 'dave', encodePublicBundle(dave.bundle));
    const bobKey = await decodePublicBundle(await bundleOf(popup));
    const seal = async (text: string, channel: Channel) =>
      armor(await sealMessageV2({ identity: dave.identity, recipients: [bobKey], plaintext: utf8(text), channel })).join('\n');
    server.post('pasted', 'dave', await seal('a direct message for your mailbox', { kind: 'mailbox', mailbox: 'bob' }));
    server.post('pasted', 'dave', await seal('a message for this site', { kind: 'site', site: server.url }));
    const page = await openPage(bob, `${server.url}/plain?user=bob&room=pasted`);
    expect(await shownIn(page, 1)).toMatchObject({ status: 'error', code: 'wrong-channel', plaintext: null });
    // The same sender's message for this site opens: only the channel was wrong.
    expect(await shownIn(page, 2)).toMatchObject({ status: 'verified', sender: 'dave', plaintext: 'a message for this site' });
    await page.close();
  });

  it('a scripted lock.click() opens nothing', async () => {
    await scriptedLockOpensNothing(reader.bob, reader.server);
  });

  it('the security mark shows only while our input has the focus', async () => {
    await markOnlyWhileFocused(reader.bob, reader.server);
  });

  it('a page textarea laid over our input: no mark on it, and Send is refused with a warning until it is gone', async () => {
    const { bob, server } = reader;
    const page = await openPage(bob, `${server.url}/hostile?user=bob&room=overlay&overlayinput`);
    const compose = await openOverlay(page);
    await page.waitForFunction(() => ((window as unknown as HostileWindow).__hostileAttempts['overlay-input'] ?? 0) > 0, { timeout: 10_000 });
    await chooseRecipient(compose, 'alice');
    // The page's textarea lies over our input, and Send is left in view (puppeteer gives an element's box in
    // a frame in the page's coordinates).
    const centre = async (testId: string) => {
      const box = (await (await compose.$(`[data-testid="${testId}"]`))!.boundingBox())!;
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    };
    const input = await centre('compose-input');
    const send = await centre('compose-send');
    const hit = (p: { x: number; y: number }) => page.evaluate(({ x, y }) => (document.elementFromPoint(x, y) as HTMLElement | null)?.dataset.fixtureFake ?? document.elementFromPoint(x, y)?.tagName, p);
    expect(await hit(input)).toBe('overlay-input');
    expect(await hit(send)).toBe('IFRAME');
    // The person clicks where our input seems to be: the page's textarea is hit, ours never gets the focus.
    await page.mouse.click(input.x, input.y);
    await page.keyboard.type('typed into the look-alike');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.fixtureFake)).toBe('overlay-input');
    expect(await inputState(compose)).toBe('idle');
    expect(await markShown(compose)).toBe(false);

    // Text that did reach our input (focused from script here) is not sent while the input is covered.
    await compose.focus('[data-testid="compose-input"]');
    await compose.type('[data-testid="compose-input"]', 'not while covered');
    await compose.click('[data-testid="compose-send"]');
    const warning = await compose.waitForSelector('[data-testid="compose-error"]', { timeout: 5_000 });
    expect(await warning!.evaluate((e) => e.textContent)).toMatch(/covers or changes this box/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(server.messages('overlay')).toHaveLength(0);

    // Once the page's textarea is gone (and the browser has seen it for its 100 ms delay), the same Send works.
    await page.evaluate(() => document.querySelectorAll('[data-fixture-fake="overlay-input"]').forEach((e) => e.remove()));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await compose.click('[data-testid="compose-send"]');
    await expect.poll(() => server.messages('overlay').length, { timeout: 15_000 }).toBe(1);
    await page.close();
  });
});

describe('messages bound to their conversation; typing only into our box (Firefox: no IntersectionObserver v2, the rest holds)', () => {
  let reader: Reader;

  beforeAll(async () => {
    reader = await startReader('firefox');
  }, 90_000);

  afterAll(() => reader?.close());

  it('a message sent in one conversation of a site shows wrong-channel in another conversation of it', async () => {
    await boundToConversation(reader);
  });

  it('a scripted lock.click() opens nothing', async () => {
    await scriptedLockOpensNothing(reader.bob, reader.server);
  });

  it('the security mark shows only while our input has the focus', async () => {
    await markOnlyWhileFocused(reader.bob, reader.server);
  });
});
