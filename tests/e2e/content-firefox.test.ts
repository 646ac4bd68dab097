// The content script in a real Firefox: round trips through the compose overlay and a message frame on the
// plain chat, the React chat (controlled textarea, list re-rendered per message), the Vue chat (v-model) and
// the Lexical editor, as in content-chats.test.ts (Chromium).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from '../fixtures/server';
import { launchWithExtension, type ExtensionSession } from './harness';
import { CANARY, bundleOf, onboardInPopup, pin } from './flows';
import { frameOf, openChat } from './content-flows';

describe('content script in the fixture chats (Firefox)', () => {
  let server: FixtureServer;
  let alice: ExtensionSession;
  let bob: ExtensionSession;

  beforeAll(async () => {
    server = await startFixtureServer();
    [alice, bob] = await Promise.all([launchWithExtension('firefox'), launchWithExtension('firefox')]);
    const [a, b] = await Promise.all([onboardInPopup(alice, 'alice'), onboardInPopup(bob, 'bob')]);
    await pin(a.page, 'bob', await bundleOf(b.page));
    await pin(b.page, 'alice', await bundleOf(a.page));
  }, 90_000);

  afterAll(async () => {
    await Promise.all([alice, bob].filter(Boolean).map((s) => s.close()));
    await server?.close();
  });

  it.each(['plain', 'react', 'vue', 'rich'])('%s: alice sends through the overlay; bob reads it verified; the canary stays out of pages and host', async (app) => {
    const ROOM = `firefox-${app}`;
    const [alicePage, bobPage] = await Promise.all([openChat(alice, server, app, 'alice', ROOM), openChat(bob, server, app, 'bob', ROOM)]);

    await (await alicePage.waitForSelector('[data-c2c="lock"]', { timeout: 10_000 }))!.click();
    const compose = await frameOf((await alicePage.waitForSelector('iframe[data-c2c="compose-frame"]'))!, '[data-testid="compose-recipient"] input[data-handle="bob"]');
    await compose.click('[data-testid="compose-recipient"] input[data-handle="bob"]');
    await compose.type('[data-testid="compose-input"]', CANARY);
    await compose.click('[data-testid="compose-send"]');
    await expect.poll(() => server.messages(ROOM).length, { timeout: 15_000 }).toBe(1);
    expect(server.messages(ROOM)[0]).toMatchObject({ sender: 'alice', text: expect.stringMatching(/^c2c1[0-9a-z]+$/) });

    const shown = await frameOf((await bobPage.waitForSelector('iframe[data-c2c="message-frame"]', { timeout: 20_000 }))!, '[data-testid="message-status"][data-status]');
    expect(
      await shown.evaluate(() => ({
        status: document.querySelector('[data-testid="message-status"]')!.getAttribute('data-status'),
        sender: document.querySelector('[data-testid="message-sender"]')?.textContent,
        plaintext: document.querySelector('[data-testid="message-plaintext"]')?.textContent,
      })),
    ).toEqual({ status: 'verified', sender: 'alice', plaintext: CANARY });
    for (const page of [alicePage, bobPage]) expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toContain('Canary');
    expect(JSON.stringify(server.allFrames())).not.toContain('Canary');
    await Promise.all([alicePage.close(), bobPage.close()]);
  });
});
