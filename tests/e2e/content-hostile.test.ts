// The hostile fixture page against the reading side, in a real Chromium: a 10,000-token flood (the page
// stays responsive, live frames stay within the pool, a real token after the flood still opens), a page
// that adds and removes thousands of token messages before they are ever seen (nothing of them is kept),
// and a page that moves, removes, covers, hides, shrinks and re-points our frames while forging messages
// (it learns nothing, the content script carries on).
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureServer } from '../fixtures/server';
import type { ExtensionSession } from './harness';
import { CANARY } from './flows';
import { shownIn, startReader, type OutsideSender, type Reader } from './content-flows';

/** The content script's pool of live message frames (entrypoints/content/message-frames.ts). */
const MAX_LIVE = 24;

type HostileWindow = Window & {
  __hostileAttempts: Record<string, number>;
  __hostileLoot: { what: string; value: unknown }[];
  __hostileLag: { maxMs: number; blockedMs: number; ticks: number; done: boolean };
  __hostileFlush(): Promise<void>;
  __hostileFlood(n: number): void;
};

describe('the hostile page against the reading side (Chromium)', () => {
  let reader: Reader;
  let server: FixtureServer;
  let bob: ExtensionSession;
  let alice: OutsideSender;
  const errors: string[] = [];

  async function openHostile(room: string, flags: string): Promise<Page> {
    const page = await bob.browser.newPage();
    page.on('pageerror', (e) => errors.push(e instanceof Error ? e.message : String(e)));
    await page.goto(`${server.url}/hostile?user=bob&room=${room}&${flags}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="host-status"]')?.textContent === 'connected', { timeout: 60_000 });
    return page;
  }

  const attempts = (page: Page) => page.evaluate(() => (window as unknown as HostileWindow).__hostileAttempts);
  const liveFrames = (page: Page) => page.$$eval('iframe[data-c2c="message-frame"]', (all) => all.filter((f) => f.src.startsWith('chrome-extension:')).length);

  beforeAll(async () => {
    reader = await startReader();
    ({ server, bob, alice } = reader);
  }, 60_000);

  afterAll(() => reader?.close());

  it('a 10,000-token flood: the page stays responsive, frames stay within the pool, a real token still opens', async () => {
    const FLOOD = 10_000;
    const startFlood = (n: number) => (window as unknown as HostileWindow).__hostileFlood(n);
    const lagDone = () => (window as unknown as HostileWindow).__hostileLag?.done === true;
    // Baseline, same browser and run: the same page as a subframe, where the content script does not run.
    const host = await bob.browser.newPage();
    await host.evaluate((url) => {
      const f = document.createElement('iframe');
      f.style.cssText = 'border:0;width:100vw;height:100vh';
      f.src = url;
      document.body.style.margin = '0';
      document.body.append(f);
    }, `${server.url}/hostile?user=carol&room=flood-baseline&lag=6000`);
    const sub = (await (await host.waitForSelector('iframe'))!.contentFrame())!;
    await sub.waitForFunction(() => document.querySelector('[data-testid="host-status"]')?.textContent === 'connected', { timeout: 60_000 });
    await sub.evaluate(startFlood, FLOOD);
    await sub.waitForFunction(lagDone, { timeout: 60_000, polling: 200 });
    const baseline = await sub.evaluate(() => (window as unknown as HostileWindow).__hostileLag);
    await host.close();

    const page = await openHostile('flood', 'lag=6000');
    await page.waitForSelector('[data-c2c="lock"]'); // the content script runs
    const started = Date.now();
    await page.evaluate(startFlood, FLOOD);
    expect((await attempts(page)).flood).toBe(FLOOD);
    server.post('flood', 'alice', (await alice.write(CANARY)).join('\n'));
    // The scan reaches it after the 10,000 tokens before it: allow for a heavily loaded machine.
    expect(await shownIn(page, FLOOD + 1, 90_000)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: CANARY });
    const shownAfter = Date.now() - started;
    await page.waitForFunction(lagDone, { timeout: 60_000, polling: 200 });
    const lag = await page.evaluate(() => (window as unknown as HostileWindow).__hostileLag);
    const ms = (x: number) => Math.round(x);
    console.log(
      `flood: a real token after 10,000 fake ones shown ${shownAfter} ms after the flood; for 6 s after the flood was drawn, ` +
        `longest wait of a 10 ms timer ${ms(lag.maxMs)} ms (page alone ${ms(baseline.maxMs)}), blocked ${ms(lag.blockedMs)} ms (page alone ${ms(baseline.blockedMs)})`,
    );
    // Scanning runs in slices of ~8 ms of work and frames are made only for what is on screen, so no task
    // of ours is long; on a loaded machine the OS still stretches slices in wall time (blocked time then
    // grows with load: it is printed, not bounded). One task for the whole flood, or a layout forced per
    // token, waits seconds.
    expect(lag.maxMs).toBeLessThan(baseline.maxMs + 1_500);

    // Jumping around the flood: frames come and go, never more than the pool.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    let most = 0;
    for (let i = 0; i < 12; i++) {
      await page.evaluate((y) => window.scrollTo(0, y), Math.floor((height * ((i * 7) % 12)) / 12));
      await new Promise((resolve) => setTimeout(resolve, 150));
      most = Math.max(most, await liveFrames(page));
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(MAX_LIVE);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('thousands of token messages added and removed before they are seen: the page keeps none of them', async () => {
    const page = await openHostile('churn', 'churn=1000&rounds=8&interval=300');
    await page.waitForFunction(() => (window as unknown as HostileWindow).__hostileAttempts['churn-done'] === 1, { timeout: 60_000, polling: 200 });
    expect((await attempts(page)).churn).toBe(8_000);
    // Counted by the browser, after garbage collection: nothing is exposed to the page for this.
    const cdp = await page.createCDPSession();
    await cdp.send('HeapProfiler.enable');
    await new Promise((resolve) => setTimeout(resolve, 500)); // the content script forgets removals in bursts
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    const { nodes } = await cdp.send('Memory.getDOMCounters');
    console.log(`churn: ${nodes} DOM nodes alive after 8,000 token messages came and went`);
    // Measured: ~30 nodes; ~5,000 when removed host elements stay observed (the leak this guards against).
    expect(nodes).toBeLessThan(1_000);
    // Still working: a real token posted now opens.
    server.post('churn', 'alice', (await alice.write('after the churn')).join('\n'));
    expect(await shownIn(page, 1)).toMatchObject({ status: 'verified', plaintext: 'after the churn' });
    await cdp.detach();
    await page.close();
  });

  it('a page that moves, removes, covers, hides, shrinks and re-points our frames learns nothing; new tokens still open', async () => {
    const ROOM = 'tamper';
    for (let i = 0; i < 3; i++) server.post(ROOM, 'alice', (await alice.write(`${CANARY} #${i}`)).join('\n'));
    const page = await openHostile(ROOM, 'tamper=all&tamperRounds=12&forge&probe&observe&interval=150');
    await page.waitForFunction(() => (window as unknown as HostileWindow).__hostileAttempts['tamper-done'] === 1, { timeout: 60_000, polling: 200 });
    const tried = await attempts(page);
    for (const action of ['move', 'remove', 'cover', 'hide', 'resize', 'resrc']) expect(tried[`tamper:${action}`], action).toBeGreaterThan(0);

    // The content script carries on: a message posted after the attacks opens in a fresh frame. The page's
    // white covers (one fills the window) would keep its status line hidden, as they should (frame-crop):
    // the page takes them away.
    await page.$$eval('[data-fixture-fake="cover"]', (covers) => covers.forEach((c) => c.remove()));
    server.post(ROOM, 'alice', (await alice.write('after the tampering')).join('\n'));
    expect(await shownIn(page, 4)).toMatchObject({ status: 'verified', sender: 'alice', plaintext: 'after the tampering' });
    expect(await liveFrames(page)).toBeLessThanOrEqual(MAX_LIVE);

    const loot = await page.evaluate(async () => {
      const w = window as unknown as HostileWindow;
      await w.__hostileFlush();
      return w.__hostileLoot;
    });
    const text = JSON.stringify(loot) + (await page.evaluate(() => document.documentElement.outerHTML)) + JSON.stringify(server.allFrames());
    for (const secret of ['Canary', 'Привет', 'after the tampering']) expect(text).not.toContain(secret);
    // Our content script posts nothing to the page's window (WXT's own context would announce itself there).
    expect(loot.filter((l) => l.what === 'own-window-message')).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
