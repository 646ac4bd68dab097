// The peer-to-peer chat browser tests, for Chromium and Firefox (p2p-*.test.ts): two profiles with no relay
// pin each other by contact cards through the fixture chat (cards-flows.ts), then alice invites bob from the
// compose overlay (`compose-p2p-chat`), bob joins from the invitation's frame (`p2p-join`, the answer is
// written into his host box), alice's frame hands the answer to her waiting chat, and a WebRTC data channel
// opens over loopback between the two browsers: the relay-free chat shows `chat-transport` = `p2p`, messages
// go both ways, and ending on one side ends both. A replayed invitation is refused. A chat tab that leaves its
// chat (another address put into it) closes its channel, so the contact's chat ends as well.
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../relay/harness';
import { startFixtureServer, type FixtureServer } from '../fixtures/server';
import { byTestId, launchWithExtension, type BrowserKind, type ExtensionSession, type LaunchOptions } from './harness';
import { onboardInPopup, textOf } from './flows';
import { chooseRecipient, evaluateInFrame, frameElementIn, openChat, openOverlay } from './content-flows';
import { openOverlayForCard, pinCardIn } from './cards-flows';
import { messagesOn, say, stateReason, waitForMessages, waitForState } from './chat-flows';

/**
 * What the test browsers need for a data channel over loopback (docs/TESTING.md): host addresses rather than
 * mDNS names (neither profile can resolve the other's), and in Firefox loopback candidates at all.
 */
export const P2P_LAUNCH: LaunchOptions = {
  chromiumArgs: ['--disable-features=WebRtcHideLocalIpsWithMdns'],
  firefoxPrefs: { 'media.peerconnection.ice.obfuscate_host_addresses': false, 'media.peerconnection.ice.loopback': true },
};

const READ_P2P = `(() => {
  const q = (id) => document.querySelector('[data-testid="' + id + '"]');
  const p = q('p2p');
  if (!p && !q('message-status')) return null;
  return {
    kind: p?.getAttribute('data-kind') ?? null,
    state: p?.getAttribute('data-state') ?? null,
    join: q('p2p-join') !== null,
    joined: q('p2p-joined') !== null,
    error: q('p2p-error')?.getAttribute('data-code') ?? q('message-status')?.getAttribute('data-code') ?? null,
  };
})()`;

interface ShownP2P {
  kind: string | null;
  state: string | null;
  join: boolean;
  joined: boolean;
  error: string | null;
}

async function p2pIn(page: Page, n: number, until_: (s: ShownP2P) => boolean = () => true, timeout = 30_000): Promise<ShownP2P> {
  let last: ShownP2P | null = null;
  return until(async () => {
    last = (await evaluateInFrame(await frameElementIn(page, n, timeout), READ_P2P).catch(() => null)) as ShownP2P | null;
    return last && until_(last) ? last : undefined;
  }, timeout).catch(() => {
    throw new Error(`p2p token in message ${n}: last seen ${JSON.stringify(last)}`);
  });
}

async function pressJoin(page: Page, n: number): Promise<ShownP2P> {
  await p2pIn(page, n, (s) => s.join);
  const press = `(() => { const b = document.querySelector('[data-testid="p2p-join"]'); if (!b || b.disabled) return false; b.click(); return true; })()`;
  await until(async () => ((await evaluateInFrame(await frameElementIn(page, n), press)) === true ? true : undefined), 10_000);
  return p2pIn(page, n, (s) => s.joined || s.error !== null);
}

/** The chat page a background tab holds (the extension opened it), found by its address inside. */
async function chatTab(browser: Browser, known: Set<Page>): Promise<Page> {
  return until(async () => {
    for (const page of await browser.pages()) {
      if (known.has(page)) continue;
      const path = await page.evaluate(() => location.pathname).catch(() => '');
      if (path === '/chat.html') return page;
    }
    return undefined;
  }, 30_000);
}

export function describeP2P(kind: BrowserKind, name: string): void {
  const ROOM = `p2p-${kind}`;
  describe(`peer-to-peer chat through the host chat, no relay (${name})`, () => {
    let server: FixtureServer;
    let alice: ExtensionSession;
    let bob: ExtensionSession;
    let alicePage: Page;
    let bobPage: Page;

    async function shareCard(page: Page, count: number): Promise<void> {
      const compose = await openOverlayForCard(page);
      await compose.click('[data-testid="compose-share-card"]');
      await until(async () => (server.messages(ROOM).length === count ? true : undefined), 30_000);
      await page.waitForSelector('iframe[data-c2c="compose-frame"]', { hidden: true });
    }

    beforeAll(async () => {
      server = await startFixtureServer();
      [alice, bob] = await Promise.all([launchWithExtension(kind, P2P_LAUNCH), launchWithExtension(kind, P2P_LAUNCH)]);
      await Promise.all([onboardInPopup(alice, 'alice'), onboardInPopup(bob, 'bob')]);
      [alicePage, bobPage] = await Promise.all([openChat(alice, server, 'plain', 'alice', ROOM), openChat(bob, server, 'plain', 'bob', ROOM)]);
      await shareCard(alicePage, 1);
      expect(await pinCardIn(bobPage, 1)).toMatchObject({ result: 'pinned' });
      await shareCard(bobPage, 2);
      expect(await pinCardIn(alicePage, 2)).toMatchObject({ result: 'pinned' });
    }, 120_000);

    afterAll(async () => {
      await Promise.all([alice, bob].filter(Boolean).map((s) => s.close()));
      await server?.close();
    });

    it('alice invites, bob joins, the answer goes back through the host chat, and the two chat directly', async () => {
      const aliceTabs = new Set(await alice.browser.pages());
      const compose = await openOverlay(alicePage);
      await chooseRecipient(compose, 'bob');
      await compose.click('[data-testid="compose-p2p-chat"]');
      // One host message: the invitation, one armor token within a 2,000-character message.
      await expect.poll(() => server.messages(ROOM).length, { timeout: 20_000 }).toBe(3);
      const invitation = server.messages(ROOM)[2]!;
      expect(invitation.sender).toBe('alice');
      expect(invitation.text).toMatch(/^c2c2[0-9a-z]+$/);
      expect(invitation.text.length).toBeLessThanOrEqual(2000);
      const aliceChat = await chatTab(alice.browser, aliceTabs);
      expect(await textOf(aliceChat, 'chat-transport')).toBe('p2p');
      expect(await p2pIn(alicePage, 3)).toMatchObject({ kind: 'offer', state: 'sent', join: false });

      const bobTabs = new Set(await bob.browser.pages());
      expect(await pressJoin(bobPage, 3)).toMatchObject({ joined: true, error: null });
      // Bob's answer went into his host box and out: one more host message, from bob.
      await expect.poll(() => server.messages(ROOM).length, { timeout: 20_000 }).toBe(4);
      const answer = server.messages(ROOM)[3]!;
      expect(answer.sender).toBe('bob');
      expect(answer.text.length).toBeLessThanOrEqual(2000);
      console.log(`p2p token sizes in the host chat (${name}): invitation ${invitation.text.length}, answer ${answer.text.length} characters`);
      const bobChat = await chatTab(bob.browser, bobTabs);
      // Alice's frame hands the answer to her waiting chat.
      expect(await p2pIn(alicePage, 4, (s) => s.state === 'accepted')).toMatchObject({ kind: 'answer' });

      await Promise.all([waitForState(aliceChat, 'open'), waitForState(bobChat, 'open')]).catch(async (e: unknown) => {
        const shown = async (p: Page) => p.evaluate(() => document.querySelector('.chat-status')?.textContent ?? '').catch(() => '?');
        throw new Error(`not open: alice shows "${await shown(aliceChat)}", bob shows "${await shown(bobChat)}" (${String(e)})`);
      });
      expect(await textOf(bobChat, 'chat-transport')).toBe('p2p');
      expect(await textOf(aliceChat, 'chat-peer')).toBe('bob');
      await say(aliceChat, 'hello over the data channel');
      expect(await waitForMessages(bobChat, 1)).toEqual([{ direction: 'in', text: 'hello over the data channel' }]);
      await say(bobChat, 'and back');
      expect(await waitForMessages(aliceChat, 2)).toEqual([
        { direction: 'out', text: 'hello over the data channel' },
        { direction: 'in', text: 'and back' },
      ]);

      // Ending on one side ends both; what was shown goes.
      // Pressed inside the page: a background tab gets no animation frames for a mouse click to wait on.
      await aliceChat.$eval(byTestId('chat-end'), (b) => (b as HTMLButtonElement).click());
      await Promise.all([waitForState(aliceChat, 'ended'), waitForState(bobChat, 'ended')]);
      expect(await messagesOn(bobChat)).toEqual([]);
      expect(await stateReason(bobChat)).toContain('alice');
      // The host chat carried only the two tokens and the cards: no chat message went through it.
      expect(server.messages(ROOM)).toHaveLength(4);
    });

    it('refuses a replayed invitation, and never hands a used answer to a chat again', async () => {
      // The host pages are behind the chat tabs now: a frame offers Join only while fully on show.
      await bobPage.bringToFront();
      server.post(ROOM, 'mallory', server.messages(ROOM)[2]!.text);
      expect(await pressJoin(bobPage, 5)).toMatchObject({ joined: false, error: 'replayed' });
      // Alice's chat has ended: the same answer again is accepted by no one.
      server.post(ROOM, 'mallory', server.messages(ROOM)[3]!.text);
      expect(await p2pIn(alicePage, 6)).toMatchObject({ kind: 'answer', state: 'accepted' });
    });

    it('a chat tab given another chat’s address lets go of its channel: the contact’s chat ends too', async () => {
      const aliceTabs = new Set(await alice.browser.pages());
      const compose = await openOverlay(alicePage);
      await chooseRecipient(compose, 'bob');
      await compose.click('[data-testid="compose-p2p-chat"]');
      await expect.poll(() => server.messages(ROOM).length, { timeout: 20_000 }).toBe(7);
      const aliceChat = await chatTab(alice.browser, aliceTabs);
      const bobTabs = new Set(await bob.browser.pages());
      expect(await pressJoin(bobPage, 7)).toMatchObject({ joined: true, error: null });
      await expect.poll(() => server.messages(ROOM).length, { timeout: 20_000 }).toBe(8);
      const bobChat = await chatTab(bob.browser, bobTabs);
      expect(await p2pIn(alicePage, 8, (s) => s.state === 'accepted')).toMatchObject({ kind: 'answer' });
      await Promise.all([waitForState(aliceChat, 'open'), waitForState(bobChat, 'open')]);
      // The page shows the chat its address names: alice's tab now names no chat.
      await aliceChat.evaluate(() => (location.hash = 'AAAAAAAAAAAAAAAAAAAAAA'));
      await waitForState(aliceChat, 'ended');
      await waitForState(bobChat, 'ended', 20_000);
      expect(await stateReason(bobChat)).toContain('alice');
    });
  });
}
