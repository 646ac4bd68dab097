// npm run screenshots: pictures of each screen for the README, from the test build in Debian's Chromium
// (built first when missing), with the fixture chat server and a relay on loopback. Viewport-sized PNGs
// in docs/screenshots/.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { generateIdentity } from '../lib/crypto/identity';
import { generatePrekey } from '../lib/crypto/prekey';
import { encodePublicBundle } from '../lib/crypto/public-bundle';
import { startFixtureServer } from '../tests/fixtures/server';
import { meet, openChat as openSecureChat, say, waitForState } from '../tests/e2e/chat-flows';
import { openChat, openOverlay, shownIn } from '../tests/e2e/content-flows';
import { clickWhenEnabled, fill, pin } from '../tests/e2e/flows';
import { byTestId, firstRunTab, launchWithExtension, sendFromPage, type ExtensionSession } from '../tests/e2e/harness';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'docs', 'screenshots');

if (!existsSync(join(ROOT, '.output', 'test', 'chrome-mv3', 'manifest.json'))) {
  execFileSync('npx', ['wxt', 'build'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, C2C_TEST_BUILD: '1' } });
}
mkdirSync(OUT, { recursive: true });

async function shoot(page: Page, name: string, width: number, height: number): Promise<void> {
  await page.bringToFront();
  const now = page.viewport();
  if (now?.width !== width || now.height !== height) await page.setViewport({ width, height });
  await new Promise((r) => setTimeout(r, 300)); // one more layout and paint at the new size
  await page.screenshot({ path: join(OUT, `${name}.png`) as `${string}.png` });
  console.log(`docs/screenshots/${name}.png`);
}

/** The popup in a background tab, so the page it talks about stays the active tab while it reads it. */
async function popupBehind(session: ExtensionSession): Promise<Page> {
  const url = `${session.baseUrl}popup.html`;
  const cdp = await session.browser.target().createCDPSession();
  await cdp.send('Target.createTarget', { url, background: true });
  await cdp.detach();
  const page = (await (await session.browser.waitForTarget((t) => t.url() === url)).page())!;
  await page.waitForFunction(() => document.querySelector('[data-testid="site-status"]') && document.querySelector('[data-testid="contact-item"]'), { polling: 100 });
  return page;
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
  // First run, in a profile just installed.
  const setup = (await firstRunTab(fresh.browser, fresh.baseUrl))!;
  await setup.waitForSelector(byTestId('onboard-handle'));
  await shoot(setup, 'first-run-identity', 800, 600);
  await fill(setup, 'onboard-handle', 'carol');
  await clickWhenEnabled(setup, byTestId('onboard-create'));
  await setup.waitForSelector(`${byTestId('first-run')}[data-step="security"]`);
  await setup.select(byTestId('security-image'), 'owl');
  await shoot(setup, 'first-run-security', 800, 600);

  const met = await meet({ session: alice, handle: 'alice' }, { session: bob, handle: 'bob' }, relay.url);
  for (const [session, colour, image] of [[alice, '#0f766e', 'compass'], [bob, '#9333ea', 'leaf']] as const) {
    const popup = session === alice ? met.a.popup : met.b.popup;
    await sendFromPage(popup, { type: 'saveSecurity', colour, image });
  }
  const dave = await generateIdentity(true);
  await pin(met.a.popup, 'dave', encodePublicBundle({ identityKey: dave.publicKey, prekey: await generatePrekey(dave), handle: 'dave' }));

  // A chat in the page: alice writes through the compose overlay, bob reads the message frame.
  const [aliceChat, bobChat] = await Promise.all([openChat(alice, server, 'plain', 'alice', 'shots'), openChat(bob, server, 'plain', 'bob', 'shots')]);
  await shoot(await popupBehind(alice), 'popup', 400, 600);
  await shoot(await alice.openOptions(), 'options', 800, 900);
  // Sized first: resizing under the open overlay would move it while it is used.
  await Promise.all([aliceChat.setViewport({ width: 900, height: 640 }), bobChat.setViewport({ width: 900, height: 640 })]);
  const compose = await openOverlay(aliceChat);
  await compose.type('[data-testid="compose-input"]', 'Dinner at eight? Привет!');
  await compose.click('[data-testid="compose-recipient"] input[data-handle="bob"]');
  await shoot(aliceChat, 'compose', 900, 640);
  await compose.click('[data-testid="compose-send"]');
  await bobChat.bringToFront(); // a background tab gets no animation frames, which puppeteer's waits use
  await shownIn(bobChat, 1);
  await shoot(bobChat, 'message-frame', 900, 640);


  // The secure chat page, open between alice and bob.
  const aliceSecure = await openSecureChat(met.a, 'bob');
  const bobSecure = await openSecureChat(met.b, 'alice');
  await Promise.all([waitForState(aliceSecure, 'open'), waitForState(bobSecure, 'open')]);
  await say(bobSecure, 'Only the two of us can read this.');
  await say(aliceSecure, 'And it is gone when we end the chat.');
  await new Promise((r) => setTimeout(r, 1000));
  await shoot(aliceSecure, 'chat', 800, 600);
} finally {
  await Promise.all([alice.close(), bob.close(), fresh.close()]);
  await server.close();
  relay.stop();
}
