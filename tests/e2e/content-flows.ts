// Helpers shared by the content-script browser tests: open a fixture chat, read what our frames show.
import type { Browser, ElementHandle, Frame, Page, Target } from 'puppeteer-core';
import { expect } from 'vitest';
import { armor } from '@/lib/armor/armor';
import { utf8 } from '@/lib/bytes';
import { sealMessageV2 } from '@/lib/crypto/message-v2';
import { decodePublicBundle, encodePublicBundle } from '@/lib/crypto/public-bundle';
import { startFixtureServer, type FixtureServer } from '../fixtures/server';
import { makeUser } from '../unit/crypto/fixtures';
import { beforeDeadline, launchWithExtension, type BrowserKind, type ExtensionSession } from './harness';
import { bundleOf, onboardInPopup, pinVerified } from './flows';
import { retried } from './retried';

/** What most content tests start from: a fixture server, and alice and bob, each pinned and verified by the other. */
export interface PinnedPair {
  server: FixtureServer;
  alice: ExtensionSession;
  bob: ExtensionSession;
  close(): Promise<void>;
}

export async function startPinnedPair(kind: BrowserKind): Promise<PinnedPair> {
  const server = await startFixtureServer();
  const [alice, bob] = await Promise.all([launchWithExtension(kind), launchWithExtension(kind)]);
  const close = async () => {
    await Promise.all([alice.close(), bob.close()]);
    await server.close();
  };
  try {
    const [a, b] = await Promise.all([onboardInPopup(alice, 'alice'), onboardInPopup(bob, 'bob')]);
    await pinVerified(a.page, 'bob', await bundleOf(b.page));
    await pinVerified(b.page, 'alice', await bundleOf(a.page));
  } catch (e) {
    await close();
    throw e;
  }
  return { server, alice, bob, close };
}

/**
 * Puppeteer missed the execution context of a frame that turned out-of-process (puppeteer issue 10715; every
 * extension frame does): its calls on that Frame then never settle, whatever their timeout.
 */
export class FrameUnreachable extends Error {}

/**
 * The Frame of an iframe element. Firefox ESR 140's WebDriver BiDi lacks the "context" locator puppeteer's
 * contentFrame() asks for: there the frame is the one of the page whose address is the element's.
 */
export async function contentFrameOf(handle: ElementHandle): Promise<Frame> {
  try {
    const frame = await handle.contentFrame();
    if (frame) return frame;
  } catch (e) {
    if (!String(e).includes('locator.type')) throw e;
  }
  // Puppeteer's url() of a frame is no guide there (about:blank for an extension frame, '' for a blank one):
  // each child frame is asked whether its element is the one marked (same origin), or its address the
  // element's (cross-origin).
  const mark = `f${Math.random().toString(36).slice(2)}`;
  await handle.evaluate((el, m) => el.setAttribute('data-pptr-frame', m), mark);
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const src = await handle.evaluate((el) => (el as HTMLIFrameElement).src);
    for (const frame of handle.frame.childFrames()) {
      const isIt = await frame
        .evaluate(
          (m, address) => {
            try {
              if (window.frameElement) return window.frameElement.getAttribute('data-pptr-frame') === m;
            } catch {
              // cross-origin: told by its address
            }
            // The path and fragment: Chromium loads our frames by a per-session address and runs them at the fixed one.
            const at = new URL(address);
            return location.pathname === at.pathname && location.hash === at.hash;
          },
          mark,
          src,
        )
        .catch(() => false);
      if (isIt) return frame;
    }
  }
  throw new Error('iframe has no content frame');
}

/** The document inside an iframe element, once it has rendered what we wait for. */
export async function frameOf(handle: ElementHandle, ready: string, timeout = 20_000): Promise<Frame> {
  const frame = await beforeDeadline(contentFrameOf(handle), timeout, () => new FrameUnreachable(`the iframe's Frame never came within ${timeout} ms`));
  // A wait that has neither found `ready` nor timed out well after its timeout is that hang: fail, don't hang.
  const hung = () => new FrameUnreachable(`puppeteer's Frame for ${frame.url().split('#')[0]} never answered (puppeteer issue 10715)`);
  await beforeDeadline(frame.waitForSelector(ready, { timeout }), timeout + 5_000, hung);
  return frame;
}

/** `query`: more of the URL's query, e.g. `&frame=srcdoc`. */
export async function openChat(session: ExtensionSession, server: FixtureServer, app: string, user: string, room = app, query = ''): Promise<Page> {
  const page = await session.browser.newPage();
  await page.goto(`${server.url}/${app}?user=${user}&room=${room}${query}`);
  await page.waitForFunction(() => document.querySelector('[data-testid="host-status"]')?.textContent === 'connected');
  return page;
}

/** What a message frame shows; `status` is null while it is still decrypting. */
export interface Shown {
  status: string | null;
  statusText: string;
  sender: string | null;
  plaintext: string | null;
  code: string | null;
  /** data-pq of the status: 'post-quantum' or 'classical' (docs/FORMATS.md, "Per-contact post-quantum secret"). */
  pq: string | null;
}

// Runs inside the message frame's document (serialised: no closures).
function readShown(): Shown {
  const q = (id: string) => document.querySelector(`[data-testid="${id}"]`);
  const status = q('message-status');
  return {
    status: status?.getAttribute('data-status') ?? null,
    statusText: status?.textContent ?? '',
    sender: q('message-sender')?.textContent ?? null,
    plaintext: q('message-plaintext')?.textContent ?? null,
    code: status?.getAttribute('data-code') ?? null,
    pq: status?.getAttribute('data-pq') ?? null,
  };
}

/**
 * Reads a Chromium message frame through its own DevTools target. Puppeteer's Frame for an iframe that
 * turns into an out-of-process frame (all extension frames do) sometimes never gets an execution context
 * under load (puppeteer issue 10715), so `frame.evaluate` waits for ever while the frame shows its status.
 * A session of our own on the frame's target reads the same document without that bookkeeping.
 */
async function readThroughTarget(iframe: ElementHandle<HTMLIFrameElement>): Promise<Shown | null> {
  const target = await ownTarget(iframe);
  if (!target) return null;
  const hash = await iframe.evaluate((f) => new URL(f.src).hash);
  // A frame re-pointed at another token takes the new address a moment later (its view changes just before):
  // read it only once it has, so the status read is the current token's. (The fragment names the token; the
  // rest of the address differs in Chromium, which loads our frames by a per-session one.)
  return ((await evaluateIn(target, `location.hash === ${JSON.stringify(hash)} ? (${readShown.toString()})() : null`)) as Shown | null | undefined) ?? null;
}

/**
 * The iframe's own target, not just any with its address: the same token can be framed in another tab, or in
 * a frame the host has just replaced. An out-of-process frame's target id is its frame id (puppeteer keeps
 * both as internals; a change there fails loudly rather than reading another frame). Null while the frame has
 * no target of its own yet.
 */
async function ownTarget(iframe: ElementHandle<HTMLIFrameElement>): Promise<Target | null> {
  const frame = (await iframe.contentFrame()) as unknown as { _id?: string } | null;
  if (!frame) return null;
  if (typeof frame._id !== 'string') throw new PuppeteerChanged('Frame._id');
  return iframe.frame.page().browser().targets().find((t) => targetIdOf(t) === frame._id) ?? null;
}

/**
 * Chromium is driven over DevTools, where each out-of-process frame has a target; Firefox over WebDriver BiDi.
 * (Not told by the endpoint: a browser launched with pipe: true has none.)
 */
async function isChromium(browser: Browser): Promise<boolean> {
  return (await browser.version()).startsWith('Chrome/');
}

/** Evaluates an expression in a frame's document: in Chromium through the frame's own target (as shownIn reads). */
export async function evaluateInFrame(iframe: ElementHandle<HTMLIFrameElement>, expression: string): Promise<unknown> {
  if (!(await isChromium(iframe.frame.page().browser()))) return (await contentFrameOf(iframe)).evaluate(expression);
  const target = await ownTarget(iframe);
  if (!target) throw new Error('the frame has no target of its own (yet)');
  return evaluateIn(target, expression);
}

/**
 * Text with a character no font here has (U+1CC00, Unicode 16) beside ones every font has (é, Cyrillic).
 * The emoji shows in colour where a colour emoji font is installed, and as its code where none is.
 */
export const FONTLESS_TEXT = 'Héllo мир \u{1CC00} 🦜 end';

/**
 * The n-th message (FONTLESS_TEXT) shows whole, copied as sent, and its frame marks what no font has by
 * its code, never as a box.
 */
export async function expectFontFallback(page: Page, n: number): Promise<void> {
  expect((await shownIn(page, n)).plaintext).toBe(FONTLESS_TEXT);
  const expression = `[...document.querySelectorAll('[data-testid="message-missing-glyph"]')].map((e) => ({ code: e.getAttribute('data-code'), shown: getComputedStyle(e, '::before').content, title: e.getAttribute('title') }))`;
  const marked = (await evaluateInFrame(await frameElementIn(page, n), expression)) as Array<{ code: string; shown: string; title: string }>;
  expect(marked.map((m) => m.code)).toContain('U+1CC00');
  expect(marked.every((m) => m.code === 'U+1CC00' || m.code === 'U+1F99C')).toBe(true);
  // Drawn from its data-code: Chromium computes the text itself, Firefox reports the attr() it comes from.
  expect(['"U+1CC00"', 'attr(data-code)']).toContain(marked.find((m) => m.code === 'U+1CC00')!.shown);
  expect(marked[0]!.title).toMatch(/No font/);
}

/** From now on, records in a message frame what it shows each time it is re-pointed (after its own handler ran). */
export async function watchRepointing(iframe: ElementHandle<HTMLIFrameElement>): Promise<void> {
  await evaluateInFrame(iframe, `navigation.addEventListener('navigate', () => (window.shownWhenRepointed ??= []).push(document.getElementById('app').innerText))`);
}

/** What a watched frame showed at the moments it was re-pointed, each text once. */
export async function shownWhenRepointed(iframe: ElementHandle<HTMLIFrameElement>): Promise<string[]> {
  return [...new Set((await evaluateInFrame(iframe, 'window.shownWhenRepointed ?? []')) as string[])];
}

/** Evaluates an expression in a target's document through a session of our own; throws what the page threw. */
async function evaluateIn(target: Target, expression: string): Promise<unknown> {
  const session = await target.createCDPSession();
  try {
    const { result, exceptionDetails } = await session.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (exceptionDetails) throw new Error(`evaluation threw: ${exceptionDetails.text}`);
    return result.value;
  } finally {
    await session.detach().catch(() => undefined);
  }
}

function targetIdOf(target: Target): string {
  const id = (target as unknown as { _targetId?: string })._targetId;
  if (typeof id !== 'string') throw new PuppeteerChanged('Target._targetId');
  return id;
}

/** Thrown through shownIn (other read failures are retried): without these, Chromium reads would quietly fall back. */
class PuppeteerChanged extends Error {
  constructor(internal: string) {
    super(`puppeteer no longer has ${internal}: update readThroughTarget (tests/e2e/content-flows.ts)`);
  }
}

/**
 * Which message: the n-th host message (1-based) of a fixture chat, or a selector of the message's element
 * (a real client's own markup).
 */
export type MessageAt = number | string;

/** What the message frame in a message of a page (or of a chat inside a frame) shows. */
export async function shownIn(page: Page | Frame, n: MessageAt, timeout = 20_000): Promise<Shown> {
  const deadline = Date.now() + timeout;
  const chromium = await isChromium(('page' in page ? page.page() : page).browser());
  for (;;) {
    // Frames are made only for messages on screen: scroll there, as a reader would. A host that re-renders
    // its list (or our pool, recycling) may replace the frame while we wait: each round finds the current one.
    const iframe = await frameElementIn(page, n, Math.max(1, deadline - Date.now()));
    const wait = Math.min(5_000, Math.max(1, deadline - Date.now()));
    // Chromium: through the frame's own target, else (no target of its own yet) through puppeteer's Frame.
    const throughTarget = () =>
      readThroughTarget(iframe).catch((e: unknown) => {
        if (e instanceof PuppeteerChanged) throw e;
        return null;
      });
    const shown = chromium ? ((await throughTarget()) ?? (await readInFrame(iframe, Math.min(wait, 2_000)))) : await readInFrame(iframe, wait);
    if (shown?.status) return shown;
    if (Date.now() >= deadline) {
      throw new Error(`message ${n}: no status shown within ${timeout} ms (last seen: ${JSON.stringify(shown)}; ${await describeFrame(iframe)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** For a failure: the frame element's state in the page, and what the frame's own document holds. */
async function describeFrame(iframe: ElementHandle<HTMLIFrameElement>): Promise<string> {
  const state = await iframe
    .evaluate((f) => ({ connected: f.isConnected, display: getComputedStyle(f).display, height: f.clientHeight, src: f.src }))
    .catch((e: unknown) => ({ unreadable: String(e) }));
  const src = 'src' in state ? state.src : '';
  const expression = `({ sameAddress: location.hash === ${JSON.stringify(src ? new URL(src).hash : '')}, ready: document.readyState, status: document.querySelector('[data-testid="message-status"]')?.outerHTML.slice(0, 120) ?? null, text: (document.body?.innerText ?? '').slice(0, 60) })`;
  const inside = await ownTarget(iframe)
    .then((target) => (target ? evaluateIn(target, expression) : 'no target of its own'))
    .catch((e: unknown) => `unreadable: ${String(e)}`);
  const sharing = iframe.frame.page().browser().targets().filter((t) => t.url() === src).length;
  return `frame ${JSON.stringify({ ...state, src: undefined })}, its document ${JSON.stringify(inside)}, targets with its address: ${sharing}`;
}

/** The frame's document through puppeteer's own Frame, once it shows a status (Firefox; Chromium without a target). */
async function readInFrame(iframe: ElementHandle<HTMLIFrameElement>, timeout: number): Promise<Shown | null> {
  try {
    return await (await frameOf(iframe, '[data-testid="message-status"][data-status]', timeout)).evaluate(readShown);
  } catch {
    return null;
  }
}

/**
 * Presses the compose overlay's own Close button from inside the frame: puppeteer's click into that
 * out-of-process frame can wait for ever once the frame removes itself, and Firefox's BiDi cannot click into
 * it. A task later, so the call returns before the overlay (and this frame's target) goes.
 */
export function pressClose(compose: Frame): Promise<void> {
  return compose.evaluate(() => void setTimeout(() => (document.querySelector('[data-testid="compose-close"]') as HTMLButtonElement).click()));
}

/**
 * Clicks our lock (not a look-alike the page drew) and returns the compose overlay once its contacts are listed.
 * An overlay puppeteer cannot reach (FrameUnreachable) is closed and opened again once, in the open: a new frame.
 */
export async function openOverlay(page: Page): Promise<Frame> {
  const lock = '[data-c2c="lock"]:not([data-fixture-fake])';
  const overlay = 'iframe[data-c2c="compose-frame"]:not([data-fixture-fake])';
  for (let attempt = 1; ; attempt++) {
    await (await page.waitForSelector(lock, { timeout: 10_000 }))!.click();
    try {
      return await frameOf((await page.waitForSelector(overlay))!, '[data-testid="compose-recipient"] input[data-handle]');
    } catch (e) {
      if (!(e instanceof FrameUnreachable) || attempt > 1) throw e;
      retried('openOverlay', e);
      // The lock toggles the overlay.
      await (await page.waitForSelector(lock))!.click();
      await page.waitForSelector(overlay, { hidden: true });
    }
  }
}

/** Makes sure `handle` is ticked (the overlay may have preselected it: last time's choice in this conversation). */
export async function chooseRecipient(compose: Frame, handle: string): Promise<void> {
  const box = `[data-testid="compose-recipient"] input[data-handle="${handle}"]`;
  if (!(await compose.$eval(box, (e) => (e as HTMLInputElement).checked))) await compose.click(box);
}

/** In the overlay: tick `to`, type the plaintext as a person would, press Send. */
export async function sendThroughOverlay(compose: Frame, to: string, plaintext: string): Promise<void> {
  await chooseRecipient(compose, to);
  await compose.type('[data-testid="compose-input"]', plaintext);
  await compose.click('[data-testid="compose-send"]');
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
      // As `c2c encrypt` seals: the full sender key.
      const sealed = await sealMessageV2({ identity: user.identity, recipients: [reader], plaintext: utf8(plaintext), senderKey: 'full' });
      return armor(sealed, maxPartLength ? { maxPartLength } : {});
    },
  };
}

/** The frame element in a message, once there (scrolled into view first). */
export async function frameElementIn(page: Page | Frame, n: MessageAt, timeout = 20_000): Promise<ElementHandle<HTMLIFrameElement>> {
  const message = typeof n === 'number' ? `[data-testid="host-message"]:nth-child(${n})` : n;
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

/** A reader (bob, Chromium unless told) with a fixture server, and `alice` writing from outside the browser, pinned and verified by bob. */
export interface Reader {
  server: FixtureServer;
  bob: ExtensionSession;
  popup: Page;
  alice: OutsideSender;
  close(): Promise<void>;
}

export async function startReader(kind: BrowserKind = 'chromium'): Promise<Reader> {
  const server = await startFixtureServer();
  const bob = await launchWithExtension(kind);
  const close = async () => {
    await bob.close();
    await server.close();
  };
  try {
    const popup = (await onboardInPopup(bob, 'bob')).page;
    const alice = await outsideSender('alice', popup);
    await pinVerified(popup, 'alice', alice.bundle);
    return { server, bob, popup, alice, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * On the 2,000-message bench page (a token in every fifth message), only tokens near the screen are watched:
 * a jump to the 1,800th message must still get its frame, and so must every token on screen as the view
 * reads down and then back up past far more tokens than are watched at once.
 */
export async function framesFollowTheView(session: ExtensionSession, server: FixtureServer): Promise<void> {
  const page = await session.browser.newPage();
  try {
    await page.goto(`${server.url}/bench?messages=2000&tokens=400`, { waitUntil: 'load' });
    await page.waitForSelector('iframe[data-c2c="message-frame"]', { timeout: 10_000 });
    await page.$eval('[data-testid="host-message"]:nth-child(1800)', (li) => li.scrollIntoView({ block: 'center' }));
    await page.waitForSelector('[data-testid="host-message"]:nth-child(1800) [data-c2c="message-holder"] iframe[data-c2c="message-frame"]', { timeout: 5_000 });
    // Each token message on screen (wholly or in part) has its frame, shown.
    const allFramed = () =>
      page.waitForFunction(() => {
        const onScreen = [...document.querySelectorAll('[data-testid="host-message"]')].filter((li, i) => {
          const r = li.getBoundingClientRect();
          return (i + 1) % 5 === 0 && r.top < window.innerHeight && r.bottom > 0;
        });
        return onScreen.length > 0 && onScreen.every((li) => {
          const frame = li.querySelector('iframe[data-c2c="message-frame"]');
          return frame !== null && getComputedStyle(frame).display === 'block';
        });
      }, { timeout: 5_000 });
    for (let step = 0; step < 8; step++) {
      await page.evaluate(() => window.scrollBy(0, window.innerHeight / 2));
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await allFramed();
    for (let step = 0; step < 40; step++) {
      await page.evaluate(() => window.scrollBy(0, -window.innerHeight / 2));
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (step % 10 === 9) await allFramed();
    }
  } finally {
    await page.close();
  }
}
