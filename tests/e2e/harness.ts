// Launches a real Chromium or Firefox with the test build of the extension installed, in a fresh profile,
// following the recipe in docs/TESTING.md. Callers must always close the session.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { ProtocolError, type Browser, type ElementHandle, type Frame, type Page } from 'puppeteer-core';
import { retried } from './retried';

export type BrowserKind = 'chromium' | 'firefox';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BUILDS: Record<BrowserKind, string> = {
  chromium: join(ROOT, '.output', 'test', 'chrome-mv3'),
  firefox: join(ROOT, '.output', 'test', 'firefox-mv3'),
};
const GECKO_ID = 'crypt2chat@crypt2chat.org';

export const CHROMIUM_ARGS = [
  '--no-sandbox', // required as root; without it the only error is "Target.setDiscoverTargets: Target closed"
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  // Loopback only: otherwise Chromium keeps looking up Google hosts. (127.0.0.2: a loopback host the test
  // build's content script does not run on, the content benchmark's baseline.)
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE 127.0.0.2 , EXCLUDE localhost',
];

export interface ExtensionSession {
  kind: BrowserKind;
  browser: Browser;
  /** e.g. `chrome-extension://<id>/` or `moz-extension://<uuid>/`. */
  baseUrl: string;
  /** The browser profile's folder (deleted on close): what the browser keeps on disk. */
  profileDir: string;
  /** Opens the popup page in a tab and waits until it has rendered something. */
  openPopup(): Promise<Page>;
  /** Opens the options page (at `#place` if given) in a tab and waits until it has rendered something. */
  openOptions(place?: string): Promise<Page>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /**
   * The extension opens its first-run flow in a tab when installed. The harness waits for that tab and
   * closes it (so it never becomes the active tab under a test), unless this is true: then it is left open.
   */
  keepFirstRunTab?: boolean;
  /** More Chromium switches; a switch given again here wins over the harness's own. */
  chromiumArgs?: string[];
  /** More Firefox preferences. */
  firefoxPrefs?: Record<string, unknown>;
}

/** The first-run tab the extension opened on install, once it is there (null: none within the time). */
export async function firstRunTab(browser: Browser, baseUrl: string, timeout = 20_000): Promise<Page | null> {
  const url = `${baseUrl}options.html#setup`;
  for (const end = Date.now() + timeout; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    for (const page of await browser.pages()) {
      // Firefox's WebDriver BiDi reports moz-extension:// tabs as about:blank: their address is read inside.
      const address = page.url() === 'about:blank' ? await addressInside(page) : page.url();
      if (address === url) return page;
    }
  }
  return null;
}

async function addressInside(page: Page): Promise<string> {
  const timeout = new Promise<string>((resolve) => setTimeout(resolve, 2_000, ''));
  return Promise.race([page.evaluate(() => location.href).catch(() => ''), timeout]);
}

export async function launchWithExtension(kind: BrowserKind, options: LaunchOptions = {}): Promise<ExtensionSession> {
  const build = BUILDS[kind];
  if (!existsSync(join(build, 'manifest.json'))) {
    throw new Error(`no test build at ${build}: run "npm run build:test" first`);
  }
  const profile = mkdtempSync(join(tmpdir(), `c2c-e2e-${kind}-`));
  let browser: Browser;
  let baseUrl: string;
  if (kind === 'chromium') {
    browser = await puppeteer.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      pipe: true,
      enableExtensions: true,
      userDataDir: profile,
      args: [...CHROMIUM_ARGS, ...(options.chromiumArgs ?? [])],
    });
    // installExtension (not enableExtensions: [dir]) waits for the install and reports its errors.
    const id = await browser.installExtension(build).catch(async (e: unknown) => {
      await browser.close();
      throw e;
    });
    baseUrl = `chrome-extension://${id}/`;
  } else {
    const uuid = randomUUID();
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: '/usr/bin/firefox-esr',
      headless: true,
      userDataDir: profile,
      args: ['--remote-allow-system-access'], // else moz-extension:// pages are refused
      extraPrefsFirefox: {
        // Pins the extension's internal UUID so the test knows its page URLs.
        'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: uuid }),
        'network.dns.disabled': true, // loopback literals only; no lookups of Mozilla hosts
        ...options.firefoxPrefs,
      },
    });
    await browser.installExtension(build).catch(async (e: unknown) => {
      await browser.close();
      throw e;
    });
    baseUrl = `moz-extension://${uuid}/`;
    findFrameElementsBySearch((await browser.pages())[0]!.mainFrame());
  }
  if (!options.keepFirstRunTab) {
    const tab = await firstRunTab(browser, baseUrl);
    if (!tab) {
      await browser.close();
      throw new Error(`${kind}: the extension did not open its first-run tab on install`);
    }
    await tab.close();
  }

  const session: ExtensionSession = {
    kind,
    browser,
    baseUrl,
    profileDir: profile,
    openPopup: () => openExtensionPage(browser, kind, `${baseUrl}popup.html`),
    openOptions: (place?: string) => openExtensionPage(browser, kind, `${baseUrl}options.html${place ? `#${place}` : ''}`),
    async close() {
      try {
        await browser.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
  SESSIONS.set(browser, session);
  return session;
}

/** Each launched browser's session, for helpers that are handed only a page. */
const SESSIONS = new WeakMap<Browser, ExtensionSession>();

/** Opens one of the extension's pages in a new tab and waits until it has rendered something. */
export async function openExtensionPage(browser: Browser, kind: BrowserKind, url: string): Promise<Page> {
  for (let attempt = 1; ; attempt++) {
    const page = await browser.newPage();
    // Firefox: goto on a moz-extension:// page never resolves although the page loads.
    if (kind === 'firefox') void page.goto(url).catch(() => undefined);
    else await page.goto(url);
    try {
      await page.waitForSelector('#app > *', { timeout: 30_000 });
      return page;
    } catch (e) {
      // Under load, Firefox's WebDriver BiDi can fail an evaluation that raced the page's own navigation,
      // and then keeps failing on that tab. That is the driver, not the page: open the page in a new tab,
      // in the open (the test counts as flaky).
      await page.close().catch(() => undefined);
      if (attempt >= 3 || !causedByProtocolError(e)) throw e;
      retried(`openPopup (${kind}, attempt ${attempt + 1})`, e);
    }
  }
}

/** Opens the options page in the browser of an extension page (the popup), beside it. */
export async function openOptionsBeside(page: Page, place?: string): Promise<Page> {
  // Known from the launch: Firefox's WebDriver BiDi reports extension pages as about:blank.
  const session = SESSIONS.get(page.browser());
  if (!session) throw new Error('openOptionsBeside: the page is not in a browser launched by launchWithExtension');
  return session.openOptions(place);
}

function causedByProtocolError(e: unknown): boolean {
  for (let c: unknown = e; c instanceof Error; c = c.cause) if (c instanceof ProtocolError) return true;
  return false;
}

export const byTestId = (id: string) => `[data-testid="${id}"]`;

/** Sends one request to the background from an extension page, as the popup does. */
export async function sendFromPage(page: Page, request: Record<string, unknown>): Promise<Record<string, unknown>> {
  return page.evaluate(async (req) => {
    type Runtime = { runtime: { sendMessage(message: unknown): Promise<unknown> } };
    const g = globalThis as unknown as { browser?: Runtime; chrome?: Runtime };
    return (await (g.browser ?? g.chrome)!.runtime.sendMessage(req)) as Record<string, unknown>;
  }, request);
}

/**
 * Sets a page's viewport size. Firefox ESR 140's WebDriver BiDi lacks the screen-orientation command
 * puppeteer's setViewport sends with the size: there the size alone is set, on the page's browsing context.
 */
export async function setViewportSize(page: Page, width: number, height: number): Promise<void> {
  if ((await page.browser().version()).startsWith('Chrome/')) return void (await page.setViewport({ width, height }));
  const context = (page.mainFrame() as unknown as { browsingContext?: { setViewport(o: object): Promise<void> } }).browsingContext;
  if (!context) throw new Error('puppeteer no longer exposes the BiDi browsing context: update setViewportSize (tests/e2e/harness.ts)');
  await context.setViewport({ viewport: { width, height }, devicePixelRatio: null });
}

/**
 * Firefox ESR 140's WebDriver BiDi lacks the "context" locator puppeteer's Frame.frameElement() asks for,
 * which every click inside a frame uses to find where the frame is. There the element is found by search
 * instead: the parent's iframe whose address is the frame document's, or (a same-origin frame: about:blank,
 * srcdoc) the one the frame itself marks. Patched once, on the BiDi frame class.
 */
function findFrameElementsBySearch(sample: Frame): void {
  const proto = Object.getPrototypeOf(sample) as { frameElement(this: Frame): Promise<ElementHandle<HTMLIFrameElement> | null>; bySearch?: true };
  if (proto.bySearch) return;
  const original = proto.frameElement;
  proto.bySearch = true;
  proto.frameElement = async function (this: Frame) {
    try {
      return await original.call(this);
    } catch (e) {
      if (!String(e).includes('locator.type')) throw e;
    }
    const parent = this.parentFrame();
    if (!parent) return null;
    const mark = `f${randomUUID()}`;
    // Its address as the document knows it (puppeteer's url() stays about:blank for extension frames).
    const url = await this.evaluate((m) => {
      try {
        window.frameElement?.setAttribute('data-pptr-frame', m);
      } catch {
        // cross-origin: found by its address below
      }
      return location.href;
    }, mark);
    for (const handle of await parent.$$('iframe, frame')) {
      const found = await handle.evaluate((el, m, u) => el.getAttribute('data-pptr-frame') === m || (el as HTMLIFrameElement).src === u, mark, url);
      if (found) return handle as ElementHandle<HTMLIFrameElement>;
      await handle.dispose();
    }
    return null;
  };
}

/**
 * Waits until `predicate(...args)` returns something truthy in the page, asking every 100 ms, and returns
 * it. Puppeteer's waitForFunction builds its predicate with Function(), which the CSP of Firefox's
 * extension pages refuses; its default polling waits for animation frames, which background tabs never get.
 */
export async function pollIn<Args extends unknown[], R>(page: Page | Frame, timeout: number, predicate: (...args: Args) => R, ...args: Args): Promise<R> {
  const ask = predicate as unknown as (...a: unknown[]) => R;
  for (const until = Date.now() + timeout; ; await new Promise((r) => setTimeout(r, 100))) {
    const answer = (await page.evaluate(ask, ...args)) as R;
    if (answer) return answer;
    if (Date.now() > until) throw new Error(`not true within ${timeout} ms: ${predicate.toString().slice(0, 160)}`);
  }
}

/**
 * `action`, or `late()` thrown once `ms` have passed without an answer: for puppeteer calls that can wait
 * for ever (a click or a wait in an out-of-process frame, puppeteer issue 10715), so a test fails naming
 * the step instead of running into its own timeout.
 */
export async function beforeDeadline<T>(action: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  try {
    return await Promise.race([action, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
