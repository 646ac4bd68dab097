// npm run screenshots: pictures of each screen, from the test build (built first) in Debian's Chromium,
// with the fixture chat server and a relay on loopback. The README's pictures go to docs/screenshots/
// (each at the size of its screen); the store listing's, 1280×800 as both stores ask, to
// store/screenshots/ (a popup or side panel is shown over or beside the page it belongs to).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { generateIdentity } from '../lib/crypto/identity';
import { generatePrekey } from '../lib/crypto/prekey';
import { encodePublicBundle } from '../lib/crypto/public-bundle';
import { startFixtureServer } from '../tests/fixtures/server';
import { meet, openChat as openSecureChat, say, waitForState } from '../tests/e2e/chat-flows';
import { chooseRecipient, openChat, openOverlay } from '../tests/e2e/content-flows';
import { clickWhenEnabled, fill, pin } from '../tests/e2e/flows';
import { byTestId, firstRunTab, launchWithExtension, sendFromPage, type ExtensionSession } from '../tests/e2e/harness';
import { openPanel, panelSettled } from '../tests/e2e/panel-flows';

const ROOT = resolve(import.meta.dirname, '..');
const DOCS = join(ROOT, 'docs', 'screenshots');
const STORE = join(ROOT, 'store', 'screenshots');
/** The size both the Chrome Web Store and addons.mozilla.org show best. */
const STORE_SIZE = { width: 1280, height: 800 };

// Built every time (a few seconds): pictures of an older build would not show the code as it is.
execFileSync('npx', ['wxt', 'build'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, C2C_TEST_BUILD: '1' } });
mkdirSync(DOCS, { recursive: true });
mkdirSync(STORE, { recursive: true });

/** Screenshots `page` at width×height into each folder given (a path relative to the repository). */
async function shoot(page: Page, width: number, height: number, ...paths: string[]): Promise<Buffer> {
  await page.bringToFront();
  const now = page.viewport();
  if (now?.width !== width || now.height !== height) await page.setViewport({ width, height });
  await new Promise((r) => setTimeout(r, 300)); // one more layout and paint at the new size
  const png = Buffer.from(await page.screenshot());
  for (const path of paths) {
    await page.screenshot({ path: join(ROOT, path) as `${string}.png` });
    console.log(path);
  }
  return png;
}

const dataUrl = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;

/** A store picture made of screenshots placed on one 1280×800 page (`html` places the images). */
async function compose(session: ExtensionSession, name: string, html: string): Promise<void> {
  const page = await session.browser.newPage();
  await page.setViewport(STORE_SIZE);
  await page.setContent(`<style>html,body{margin:0;width:1280px;height:800px;overflow:hidden;background:#e5e7eb}</style>${html}`);
  await page.waitForFunction(() => [...document.images].every((i) => i.complete));
  await shoot(page, STORE_SIZE.width, STORE_SIZE.height, `store/screenshots/${name}.png`);
  await page.close();
}

/** The popup in a background tab, so the page it talks about stays the active tab while it reads it. */
async function popupBehind(session: ExtensionSession): Promise<Page> {
  const url = `${session.baseUrl}popup.html`;
  const cdp = await session.browser.target().createCDPSession();
  await cdp.send('Target.createTarget', { url, background: true });
  await cdp.detach();
  const page = (await (await session.browser.waitForTarget((t) => t.url() === url)).page())!;
  // Loaded again: on its first load in a tab made this way the popup can miss the active tab (seen: no
  // site section), as if the new tab did not belong to the window yet.
  await page.reload();
  await page.waitForFunction(() => document.querySelector('[data-testid="site-status"]') && document.querySelector('[data-testid="contact-item"]'), { polling: 100 });
  return page;
}

/** Waits until the page's message frame shows a decrypted message (read in the frame, as puppeteer sees it). */
async function shownDecrypted(page: Page): Promise<void> {
  for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    for (const frame of page.frames().filter((f) => f.url().includes('message-frame.html'))) {
      const status = await frame.evaluate(() => document.querySelector('[data-testid="message-status"]')?.getAttribute('data-status')).catch(() => null);
      if (status === 'error') throw new Error('the message frame could not open the message');
      if (status) return;
    }
  }
  throw new Error('no message frame showed a decrypted message within 30 s');
}

/** The relay as `npm run relay` starts it, on a free loopback port, with a throw-away data folder. */
async function startRelay(): Promise<{ url: string; stop(): void }> {
  const port = await new Promise<number>((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
  const data = mkdtempSync(join(tmpdir(), 'c2c-shots-relay-'));
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['relay/main.ts', '--port', String(port), '--data', data], { cwd: ROOT, stdio: 'ignore' });
  for (const end = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 200))) {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false))) break;
    if (Date.now() > end) throw new Error('the relay did not start within 30 s');
  }
  return {
    url: `ws://127.0.0.1:${port}`,
    stop: () => {
      child.kill();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

const server = await startFixtureServer();
const relay = await startRelay();
const [alice, bob, fresh] = await Promise.all([
  launchWithExtension('chromium'),
  launchWithExtension('chromium'),
  launchWithExtension('chromium', { keepFirstRunTab: true }),
]);
try {
  // First run, in a profile just installed: identity, security mark, relay, backup.
  const setup = (await firstRunTab(fresh.browser, fresh.baseUrl))!;
  await setup.waitForSelector(byTestId('onboard-handle'));
  await shoot(setup, 800, 600, 'docs/screenshots/first-run-identity.png');
  await fill(setup, 'onboard-handle', 'carol');
  await clickWhenEnabled(setup, byTestId('onboard-create'));
  await setup.waitForSelector(`${byTestId('first-run')}[data-step="security"]`);
  await setup.select(byTestId('security-image'), 'owl');
  await shoot(setup, 800, 600, 'docs/screenshots/first-run-security.png');
  await clickWhenEnabled(setup, byTestId('security-save'));
  await setup.waitForSelector(`${byTestId('first-run')}[data-step="relay"]`);
  await fill(setup, 'settings-relay-url', relay.url);
  await shoot(setup, 800, 600, 'docs/screenshots/first-run-relay.png');
  await clickWhenEnabled(setup, byTestId('first-run-next'));
  await setup.waitForSelector(`${byTestId('first-run')}[data-step="backup"]`);
  await shoot(setup, 800, 600, 'docs/screenshots/first-run-backup.png');

  const met = await meet({ session: alice, handle: 'alice' }, { session: bob, handle: 'bob' }, relay.url);
  for (const [popup, colour, image] of [[met.a.popup, '#0f766e', 'compass'], [met.b.popup, '#9333ea', 'leaf']] as const) {
    const saved = await sendFromPage(popup, { type: 'saveSecurity', colour, image });
    if (saved.ok !== true) throw new Error(`saveSecurity: ${JSON.stringify(saved)}`);
  }
  const dave = await generateIdentity(true);
  await pin(met.a.popup, 'dave', encodePublicBundle({ identityKey: dave.publicKey, prekey: await generatePrekey(dave), handle: 'dave' }));

  // A chat in the page, at the store's size from the start: resizing under the open overlay would move it.
  const [aliceChat, bobChat] = await Promise.all([openChat(alice, server, 'plain', 'alice', 'shots'), openChat(bob, server, 'plain', 'bob', 'shots')]);
  await Promise.all([aliceChat.setViewport(STORE_SIZE), bobChat.setViewport(STORE_SIZE)]);

  // The popup, over the page it is about.
  const popup = await shoot(await popupBehind(alice), 400, 600, 'docs/screenshots/popup.png');
  const page = await shoot(aliceChat, STORE_SIZE.width, STORE_SIZE.height);
  await compose(
    alice,
    'popup',
    `<img src="${dataUrl(page)}" style="position:absolute;inset:0"><img src="${dataUrl(popup)}" style="position:absolute;top:8px;right:24px;border:1px solid #9ca3af;box-shadow:0 8px 24px rgb(0 0 0 / 35%)">`,
  );
  await shoot(await alice.openOptions(), 800, 900, 'docs/screenshots/options.png');

  // alice writes through the compose overlay, bob reads the message frame.
  await aliceChat.bringToFront(); // a background tab gets no animation frames, which puppeteer's clicks use
  const overlay = await openOverlay(aliceChat);
  await overlay.type('[data-testid="compose-input"]', 'Dinner at eight? Привет!');
  await chooseRecipient(overlay, 'bob');
  await shoot(aliceChat, STORE_SIZE.width, STORE_SIZE.height, 'docs/screenshots/compose.png', 'store/screenshots/compose.png');
  await overlay.click('[data-testid="compose-send"]');
  await bobChat.bringToFront();
  await shownDecrypted(bobChat);
  await shoot(bobChat, STORE_SIZE.width, STORE_SIZE.height, 'docs/screenshots/message-frame.png', 'store/screenshots/message-frame.png');

  // The side panel, beside the chat it reads (here a tab bound to the chat's tab, as in the browser tests).
  const panel = await openPanel(bob, met.b.popup, bobChat);
  await panel.setViewport({ width: 400, height: 800 });
  await panelSettled(panel, 1);
  const panelPng = await shoot(panel, 400, 800, 'docs/screenshots/side-panel.png');
  // The frame hides sender and status while it is not fully in view (resizing, a tab in the background).
  await bobChat.bringToFront();
  await bobChat.setViewport({ width: 880, height: 800 });
  await shownDecrypted(bobChat);
  const narrowChat = await shoot(bobChat, 880, 800);
  await compose(
    bob,
    'side-panel',
    `<img src="${dataUrl(narrowChat)}" style="position:absolute;left:0;top:0"><img src="${dataUrl(panelPng)}" style="position:absolute;left:880px;top:0;border-left:1px solid #9ca3af">`,
  );

  // The secure chat page, open between alice and bob.
  const aliceSecure = await openSecureChat(met.a, 'bob');
  const bobSecure = await openSecureChat(met.b, 'alice');
  await Promise.all([waitForState(aliceSecure, 'open'), waitForState(bobSecure, 'open')]);
  await say(bobSecure, 'Only the two of us can read this.');
  await say(aliceSecure, 'And it is gone when we end the chat.');
  await new Promise((r) => setTimeout(r, 1000));
  await shoot(aliceSecure, 800, 600, 'docs/screenshots/chat.png');
  await shoot(aliceSecure, STORE_SIZE.width, STORE_SIZE.height, 'store/screenshots/chat.png');
} finally {
  await Promise.all([alice.close(), bob.close(), fresh.close()]);
  await server.close();
  relay.stop();
}
