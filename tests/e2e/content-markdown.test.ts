// The site's length limit, end to end on the fixture chat /markdown, which refuses messages over 400
// characters: the compose overlay's "longest message" field (remembered per site, pre-filled from a
// compose box's maxlength) makes the ciphertext go out as several host messages the site accepts, and
// bob's page shows the whole message once, verified. Two real Chromium profiles, as in content-chats.
import type { Frame, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from '../fixtures/server';
import { launchWithExtension, type ExtensionSession } from './harness';
import { CANARY, bundleOf, onboardInPopup, pinVerified } from './flows';
import { chooseRecipient, hostSends, openChat, openOverlay, pressClose, shownIn } from './content-flows';

const ROOM = 'markdown-limit';
const ARMOR_PART = /^c2c2[0-9a-z]+$/;
// Long enough that even 3000-character parts would not hold it in one 400-character host message.
// Random words: text that compresses well would fit in fewer parts.
const LONG = `${CANARY} Длинный текст: ${Array.from({ length: 40 }, () => Math.random().toString(36).slice(2, 10)).join(' ')}`;



/**
 * Opens the compose overlay, then asks the background from inside it for the site's remembered length, as
 * the overlay did when it opened (before it listed the contacts openOverlay waits for). The background answers
 * in order, so once this answer is back the overlay has had its own and the field shows what it made of it.
 */
async function openOverlayWithLength(page: Page, site: string): Promise<{ compose: Frame; remembered: number | null }> {
  // One click: the lock toggles, so a click repeated by a retrying locator would close the overlay again.
  const compose = await openOverlay(page);
  const answer = await compose.evaluate(async (origin) => {
    type Runtime = { runtime: { sendMessage(message: unknown): Promise<unknown> } };
    return (globalThis as unknown as { chrome: Runtime }).chrome.runtime.sendMessage({ type: 'getSitePartLength', site: origin });
  }, site);
  expect(answer).toMatchObject({ ok: true });
  return { compose, remembered: (answer as { maxPartLength: number | null }).maxPartLength };
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** The part count in the header of an armor v2 part of several (docs/FORMATS.md: prefix, kind, length, id, index, count). */
const partCount = (part: string) => ALPHABET.indexOf(part[14]!) * 32 + ALPHABET.indexOf(part[15]!);

/** The host messages from `from` on, once the last part of the message that starts there has arrived. */
async function partsFrom(server: FixtureServer, from: number) {
  await expect.poll(() => server.messages(ROOM).length, { timeout: 15_000 }).toBeGreaterThan(from);
  const count = partCount(server.messages(ROOM)[from]!.text);
  await expect.poll(() => server.messages(ROOM).length, { timeout: 15_000 }).toBe(from + count);
  return server.messages(ROOM).slice(from);
}

const partLengthOf = (compose: Frame) => compose.$eval('[data-testid="compose-part-length"]', (e) => (e as HTMLInputElement).value);

async function sendFrom(page: Page, compose: Frame, plaintext: string): Promise<void> {
  await chooseRecipient(compose, 'bob');
  await compose.type('[data-testid="compose-input"]', plaintext);
  await compose.click('[data-testid="compose-send"]');
  // The overlay closes once every part went out through the host.
  await page.waitForSelector('iframe[data-c2c="compose-frame"]', { hidden: true, timeout: 20_000 });
}


describe('the site’s message length limit on /markdown (Chromium)', () => {
  let server: FixtureServer;
  let alice: ExtensionSession;
  let bob: ExtensionSession;
  let bobPage: Page;
  /** The fixture chat's origin: the site the length is remembered for. */
  const site = () => new URL(server.url).origin;

  beforeAll(async () => {
    server = await startFixtureServer();
    [alice, bob] = await Promise.all([launchWithExtension('chromium'), launchWithExtension('chromium')]);
    const [a, b] = await Promise.all([onboardInPopup(alice, 'alice'), onboardInPopup(bob, 'bob')]);
    await pinVerified(a.page, 'bob', await bundleOf(b.page));
    await pinVerified(b.page, 'alice', await bundleOf(a.page));
    bobPage = await openChat(bob, server, 'markdown', 'bob', ROOM);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([alice, bob].filter(Boolean).map((s) => s.close()));
    await server?.close();
  });

  it('an invalid length is refused in the overlay: nothing reaches the host', async () => {
    const page = await openChat(alice, server, 'markdown', 'alice', ROOM);
    const { compose, remembered } = await openOverlayWithLength(page, site());
    // Nothing declared, nothing remembered: the default.
    expect(remembered).toBeNull();
    expect(await partLengthOf(compose)).toBe('');
    await compose.type('[data-testid="compose-part-length"]', '150');
    await compose.click('[data-testid="compose-recipient"] input[data-handle="bob"]');
    await compose.type('[data-testid="compose-input"]', 'not sent');
    await compose.click('[data-testid="compose-send"]');
    await compose.waitForSelector('[data-testid="compose-error"]');
    expect(await compose.$eval('[data-testid="compose-error"]', (e) => e.textContent)).toContain('200');
    // What alice then writes in the page itself reaches the host, and nothing from the overlay came first.
    await pressClose(compose);
    await page.waitForSelector('iframe[data-c2c="compose-frame"]', { hidden: true });
    await hostSends(page, 'plain words after the refusal');
    await expect.poll(() => server.messages(ROOM).length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(server.messages(ROOM).map((m) => m.text)).toEqual(['plain words after the refusal']);
    await page.close();
  });

  it('with 400 set, the message goes out as several host messages of at most 400 characters; bob reads it verified', async () => {
    const page = await openChat(alice, server, 'markdown', 'alice', ROOM);
    const { compose, remembered } = await openOverlayWithLength(page, site());
    // The refused 150 was not remembered.
    expect(remembered).toBeNull();
    expect(await partLengthOf(compose)).toBe('');
    await compose.type('[data-testid="compose-part-length"]', '400');
    const before = server.messages(ROOM).length;
    await sendFrom(page, compose, LONG);

    const sent = await partsFrom(server, before);
    expect(sent.length).toBeGreaterThan(2);
    for (const m of sent) {
      expect(m.sender).toBe('alice');
      expect(m.text).toMatch(ARMOR_PART);
      expect(m.text.length).toBeLessThanOrEqual(400);
    }
    // The site refused nothing.
    expect(await page.$eval('[data-testid="host-error"]', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect(await shownIn(bobPage, before + sent.length)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: LONG });
    // One frame for the whole message, after its last part.
    expect(await bobPage.$$eval('iframe[data-c2c="message-frame"]', (all) => all.length)).toBe(1);
    const traffic = JSON.stringify(server.allFrames());
    expect(traffic).not.toContain('Canary');
    expect(traffic).not.toContain('Привет');
    await page.close();
  });

  it('the length is remembered for the site, and a compose box’s maxlength caps it', async () => {
    const page = await openChat(alice, server, 'markdown', 'alice', ROOM);
    const { compose: first, remembered } = await openOverlayWithLength(page, site());
    expect(remembered).toBe(400);
    expect(await partLengthOf(first)).toBe('400');
    await pressClose(first);
    await page.waitForSelector('iframe[data-c2c="compose-frame"]', { hidden: true });

    // Real sites declare their limit on the box: it is detected, and the smaller of the two is used.
    await page.$eval('[data-testid="host-compose"]', (box) => box.setAttribute('maxlength', '300'));
    const { compose } = await openOverlayWithLength(page, site());
    expect(await partLengthOf(compose)).toBe('300');
    const before = server.messages(ROOM).length;
    await sendFrom(page, compose, `second ${CANARY}`);
    const sent = await partsFrom(server, before);
    expect(sent.length).toBeGreaterThan(1);
    for (const m of sent) {
      expect(m.text).toMatch(ARMOR_PART);
      expect(m.text.length).toBeLessThanOrEqual(300);
    }
    expect(await page.$eval('[data-testid="host-error"]', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect(await shownIn(bobPage, before + sent.length)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: `second ${CANARY}` });
    await page.close();
  });
});
