// The lock on any compose layout (entrypoints/content/compose-boxes.ts) and the ways to the overlay that do
// not need it (the open-compose command and the popup's compose-here button). Chromium.
//
// The keyboard command cannot be pressed from a test (browser accelerators are not reachable through
// DevTools input, and chrome.commands cannot be dispatched from script). Its listener only calls
// openComposeIn (entrypoints/background/open-compose.ts), which these tests drive through the popup's
// compose-here request to the background, from a popup page and by the real button.
import type { ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from '../fixtures/server';
import { frameOf, openChat, pressClose } from './content-flows';
import { onboardInPopup } from './flows';
import { beforeDeadline, launchWithExtension, sendFromPage, type ExtensionSession } from './harness';

const LOCK = '[data-c2c="lock"]';
const OVERLAY = 'iframe[data-c2c="compose-frame"]';

interface HitTest {
  lock: { x: number; y: number; width: number; height: number };
  box: { left: number; right: number; top: number; bottom: number };
  /** What `document.elementFromPoint` finds at the lock's centre. */
  hit: string;
  viewport: { width: number; height: number };
}

/** Where the lock and the box are, and whether the lock is what a click at its centre reaches. */
async function hitTest(page: Page): Promise<HitTest> {
  await page.waitForFunction((s) => document.querySelector<HTMLElement>(s)?.style.visibility === 'visible', { timeout: 10_000 }, LOCK);
  // Placed in an animation frame after the page changed: let one pass.
  await step('waiting two animation frames', 10_000, page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))));
  return page.$eval(LOCK, (lock) => {
    const r = lock.getBoundingClientRect();
    const b = document.querySelector('[data-testid="host-compose"]')!.getBoundingClientRect();
    const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return {
      lock: { x: r.x, y: r.y, width: r.width, height: r.height },
      box: { left: b.left, right: b.right, top: b.top, bottom: b.bottom },
      hit: at === lock || lock.contains(at) ? 'lock' : `${at?.tagName ?? 'nothing'}${at?.getAttribute('data-testid') ? `[${at.getAttribute('data-testid')}]` : ''}`,
      viewport: { width: document.documentElement.clientWidth, height: document.documentElement.clientHeight },
    };
  });
}

/** A step puppeteer may leave waiting for ever fails after `ms`, naming itself. */
const step = <T>(what: string, ms: number, action: Promise<T>) => beforeDeadline(action, ms, () => new Error(`${what}: no answer within ${ms} ms`));

/** A trusted click at the lock's centre opens the overlay. */
async function clickLockOpens(page: Page, t: HitTest): Promise<void> {
  await step('clicking the lock', 10_000, page.mouse.click(t.lock.x + t.lock.width / 2, t.lock.y + t.lock.height / 2));
  await page.waitForSelector(OVERLAY, { timeout: 10_000 });
  await closeOverlay(page);
}

/**
 * Closes the overlay with its own Close button (a scripted lock.click() is ignored: it is not trusted),
 * pressed from inside the frame: puppeteer's click into the out-of-process frame never returned under load.
 */
async function closeOverlay(page: Page): Promise<void> {
  const compose = await frameOf((await page.waitForSelector(OVERLAY))!, '[data-testid="compose-close"]');
  await step('pressing the overlay\'s Close', 10_000, pressClose(compose));
  await page.waitForSelector(OVERLAY, { hidden: true });
}

/** Fully inside the window and the box, at the box's inline-end side. */
function expectInsideAtEnd(t: HitTest, end: 'right' | 'left'): void {
  const { lock, box, viewport } = t;
  expect(t.hit).toBe('lock');
  expect(lock.x).toBeGreaterThanOrEqual(0);
  expect(lock.y).toBeGreaterThanOrEqual(0);
  expect(lock.x + lock.width).toBeLessThanOrEqual(viewport.width);
  expect(lock.y + lock.height).toBeLessThanOrEqual(viewport.height);
  const centre = lock.x + lock.width / 2;
  expect(centre).toBeGreaterThan(box.left);
  expect(centre).toBeLessThan(box.right);
  if (end === 'right') expect(centre).toBeGreaterThan((box.left + box.right) / 2);
  else expect(centre).toBeLessThan((box.left + box.right) / 2);
}

/** The popup in a background tab, so the host page stays the active tab it talks about (as in the site-enable test). */
async function backgroundPopup(session: ExtensionSession): Promise<Page> {
  const url = `${session.baseUrl}popup.html`;
  const cdp = await session.browser.target().createCDPSession();
  await cdp.send('Target.createTarget', { url, background: true });
  await cdp.detach();
  // The only open popup page (an earlier one has closed itself).
  return (await (await session.browser.waitForTarget((t) => t.url() === url)).page())!;
}

/** A background tab gets no animation frames: wait by polling, click by coordinates (a real click). */
async function clickComposeHere(popup: Page): Promise<void> {
  const button = (await popup.waitForFunction(() => document.querySelector('[data-testid="compose-here"]'), { polling: 100, timeout: 20_000 })) as ElementHandle<Element>;
  await button.evaluate((b) => b.scrollIntoView());
  const box = (await button.boundingBox())!;
  await popup.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

describe('the lock on any layout, and the overlay without it (Chromium)', () => {
  let server: FixtureServer;
  let session: ExtensionSession;

  beforeAll(async () => {
    server = await startFixtureServer();
    session = await launchWithExtension('chromium');
    await (await onboardInPopup(session, 'alice')).page.close();
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  it('in a fixed, overflow-hidden footer at the window edge, left to right and right to left', async () => {
    for (const [query, end] of [['', 'right'], ['&dir=rtl', 'left']] as const) {
      const page = await openChat(session, server, 'footer', 'alice', 'footer', query);
      const t = await hitTest(page);
      expectInsideAtEnd(t, end);
      // The page's own layout is as the fixture makes it: the box still 3 px above the window's bottom.
      expect(t.viewport.height - t.box.bottom).toBeCloseTo(3, 0);
      expect(await page.$eval(LOCK, (lock) => lock.parentElement === document.documentElement)).toBe(true);
      await clickLockOpens(page, t);
      await page.close();
    }
  });

  it('at 200% zoom (device scale 2, half the CSS width), after the window is resized, and hidden while the box is', async () => {
    const page = await session.browser.newPage();
    await page.setViewport({ width: 640, height: 400, deviceScaleFactor: 2 });
    await page.goto(`${server.url}/footer?user=alice&room=zoom`);
    let t = await hitTest(page);
    expectInsideAtEnd(t, 'right');
    await clickLockOpens(page, t);

    await page.setViewport({ width: 420, height: 300, deviceScaleFactor: 2 });
    t = await hitTest(page);
    expectInsideAtEnd(t, 'right');
    expect(t.viewport.width).toBe(420);

    await page.$eval('[data-testid="host-compose"]', (box) => ((box as HTMLElement).style.display = 'none'));
    await page.waitForFunction((s) => document.querySelector<HTMLElement>(s)?.style.visibility === 'hidden', { timeout: 10_000 }, LOCK);
    await page.close();
  });

  it('on a plain page, the lock stays clear of the Send button and the box keeps its size', async () => {
    const page = await openChat(session, server, 'plain', 'alice', 'plain-lock');
    const t = await hitTest(page);
    expectInsideAtEnd(t, 'right');
    const send = await page.$eval('[data-testid="host-send"]', (b) => {
      const r = b.getBoundingClientRect();
      return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === b;
    });
    expect(send).toBe(true);
    await page.close();
  });

  it('compose-here and the command path open the overlay for the focused or only box, and say when there is none', async () => {
    const host = await openChat(session, server, 'plain', 'alice', 'here'); // the active tab the popup talks about
    let popup = await backgroundPopup(session);
    await clickComposeHere(popup);
    await host.waitForSelector(OVERLAY, { timeout: 10_000 });
    // Its work done, the popup closes itself, as a toolbar popup does when a person goes back to the page.
    await expect.poll(() => popup.isClosed(), { timeout: 5_000 }).toBe(true);
    await closeOverlay(host);
    popup = await backgroundPopup(session);

    // The command's path (openComposeIn) through the background, asked from an extension page.
    const tabId = await popup.evaluate(async () => {
      type Tabs = { tabs: { query(q: object): Promise<{ id: number; url?: string }[]> } };
      const tabs = await (globalThis as unknown as { chrome: Tabs }).chrome.tabs.query({});
      return tabs.find((t) => t.url?.includes('room=here'))!.id;
    });
    const ask = () => sendFromPage(popup, { type: 'c2c-compose-here', tabId });
    // A second box, none focused: which one is not guessed.
    await host.evaluate(() => {
      const second = document.createElement('textarea');
      second.id = 'second';
      document.body.prepend(second);
    });
    await host.waitForFunction((s) => document.querySelectorAll(s).length === 2, {}, LOCK);
    await host.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    expect(await ask()).toEqual({ ok: true, outcome: 'several' });
    expect(await host.$(OVERLAY)).toBeNull();
    // Focused: that one.
    await host.focus('#second');
    expect(await ask()).toEqual({ ok: true, outcome: 'opened' });
    await host.waitForSelector(OVERLAY, { timeout: 10_000 });
    // Asked again for the same box, the overlay stays open (it does not toggle).
    expect(await ask()).toEqual({ ok: true, outcome: 'opened' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await host.$$(OVERLAY)).toHaveLength(1);

    // A page without a compose box: the popup says so plainly.
    await host.goto(`${server.url}/`);
    await host.waitForFunction(() => document.readyState === 'complete');
    expect(await host.$(LOCK)).toBeNull();
    await clickComposeHere(popup);
    const error = await popup.waitForFunction(() => document.querySelector('[data-testid="compose-here-error"]')?.textContent, { polling: 100, timeout: 10_000 });
    expect(await error.jsonValue()).toMatch(/no message field/);

    // Forged requests: from a web page (not the extension), and a malformed one.
    expect(await host.evaluate(() => typeof (globalThis as { chrome?: { runtime?: { sendMessage?: unknown } } }).chrome?.runtime?.sendMessage)).not.toBe('function');
    expect(await sendFromPage(popup, { type: 'c2c-compose-here', tabId: 'all' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await sendFromPage(popup, { type: 'c2c-compose-here', tabId, extra: 1 })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    await Promise.all([host.close(), popup.close()]);
  });
});
