// Launches a real Chromium or Firefox with the test build of the extension installed, in a fresh profile,
// following the recipe verified on this machine (docs/TESTING.md). Callers must always close the session.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { ProtocolError, type Browser, type Page } from 'puppeteer-core';
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
  close(): Promise<void>;
}

export async function launchWithExtension(kind: BrowserKind): Promise<ExtensionSession> {
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
      args: CHROMIUM_ARGS,
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
      },
    });
    await browser.installExtension(build).catch(async (e: unknown) => {
      await browser.close();
      throw e;
    });
    baseUrl = `moz-extension://${uuid}/`;
  }

  return {
    kind,
    browser,
    baseUrl,
    profileDir: profile,
    async openPopup() {
      const url = `${baseUrl}popup.html`;
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
          // and then keeps failing on that tab. That is the driver, not the page: open the popup in a new tab,
          // in the open (the test counts as flaky).
          await page.close().catch(() => undefined);
          if (attempt >= 3 || !causedByProtocolError(e)) throw e;
          retried(`openPopup (${kind}, attempt ${attempt + 1})`, e);
        }
      }
    },
    async close() {
      try {
        await browser.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
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
