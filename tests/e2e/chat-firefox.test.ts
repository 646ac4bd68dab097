// Secure chat between two Firefox profiles through a real relay process: register, look up and pin each
// other, equal safety numbers in the popup and on the chat page, messages both ways in order, and ending
// on one side ends it on both and clears both pages.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byTestId } from './harness';
import { startRelayAndProfiles, type RelayAndProfiles } from './relay-profiles';
import { CANARY, contactItem, textOf } from './flows';
import { meet, openChat, say, stateReason, waitForMessages, waitForState, type ChatPerson } from './chat-flows';

describe('Firefox ↔ Firefox secure chat through a real relay', () => {
  let started: RelayAndProfiles | undefined;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let safety = '';
  let alicePage: Page;
  let bobPage: Page;

  beforeAll(async () => {
    started = await startRelayAndProfiles('firefox');
    const { relay, a, b } = started;
    ({ a: alice, b: bob, safetyNumber: safety } = await meet({ session: a, handle: 'alice' }, { session: b, handle: 'bob' }, relay.url));
  });

  afterAll(() => started?.close());

  it('alice invites, bob joins from the invitation; both pages open with the popup’s safety number', async () => {
    alicePage = await openChat(alice, 'bob');
    await bob.popup.waitForSelector(`${contactItem('alice')}[data-chat-invite="true"]`, { timeout: 30_000 });
    bobPage = await openChat(bob, 'alice');
    await Promise.all([waitForState(alicePage, 'open'), waitForState(bobPage, 'open')]);
    expect(await textOf(alicePage, 'chat-safety-number')).toBe(safety);
    expect(await textOf(bobPage, 'chat-safety-number')).toBe(safety);
    // Both run the current protocol: each page says the session is post-quantum.
    expect([await textOf(alicePage, 'chat-pq'), await textOf(bobPage, 'chat-pq')]).toEqual(['post-quantum', 'post-quantum']);
  });

  it('chats both ways in order with the right directions, then bob ends it on both sides', async () => {
    await say(alicePage, CANARY);
    await say(bobPage, 'ответ от bob 🦊');
    await say(alicePage, 'third');
    const expected = [CANARY, 'ответ от bob 🦊', 'third'];
    expect(await waitForMessages(bobPage, 3)).toEqual(expected.map((text, i) => ({ direction: i === 1 ? 'out' : 'in', text })));
    expect(await waitForMessages(alicePage, 3)).toEqual(expected.map((text, i) => ({ direction: i === 1 ? 'in' : 'out', text })));

    await bobPage.click(byTestId('chat-end'));
    await Promise.all([waitForState(alicePage, 'ended'), waitForState(bobPage, 'ended')]);
    expect(await stateReason(alicePage)).toMatch(/bob ended the chat/);
    expect(await alicePage.$$(byTestId('chat-message'))).toHaveLength(0);
    expect(await bobPage.$$(byTestId('chat-message'))).toHaveLength(0);
  });
});
