// Secure chat between two Chromium profiles through a real relay process: invitation and joining from the
// popup, equal safety numbers, messages both ways in order, a timer, a relay restart mid-session, ending on
// one side, and destruction: the frames the relay forwarded cannot be opened with anything left in either
// profile. Then hostile relays: one that substitutes keys in the handshake, one that swaps a key in its
// directory.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64Url } from '@/lib/bytes';
import { FRAME_TYPE, decodeFrame } from '@/lib/chat/frame';
import { DATA } from '@/lib/protocol/relay';
import { generateLegacyKey, legacyPublicKeyString } from '@/lib/legacy/legacy-key';
import { startRelay, type RunningRelay } from '../relay/harness';
import { startWsProxy, type WsProxy } from '../relay/ws-proxy';
import { byTestId, type ExtensionSession } from './harness';
import { startRelayAndProfiles } from './relay-profiles';
import { CANARY, api, contactItem, fill, pin, textOf, textMatching, clickWhenEnabled } from './flows';
import { inContact, swapKeyInDirectory } from './contacts-flows';
import { chatFrameTypesSent, filesContaining, identityFromBackup, identityKeyOf, isHandshake, messagesOpenedFromCapture, substituteKeys } from './chat-attacks';
import { meet, openChat, say, stateReason, waitForMessages, waitForRelay, waitForState, write, type ChatPerson } from './chat-flows';

const PASSPHRASE = 'lantern meadow copper violin';

describe('Chromium ↔ Chromium secure chat through a real relay', () => {
  let relay: RunningRelay;
  /** Both browsers reach the relay through it: it sees (and records) every frame the relay forwards. */
  let proxy: WsProxy;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let sessions: ExtensionSession[] = [];
  let safety = '';
  let alicePage: Page;
  let bobPage: Page;

  let stop: () => Promise<void>;

  beforeAll(async () => {
    proxy = await startWsProxy();
    // The relay checks the URL clients signed: the proxy's.
    const started = await startRelayAndProfiles('chromium', ['--public-url', proxy.url]);
    ({ relay, close: stop } = started);
    proxy.target = relay.url;
    sessions = [started.a, started.b];
    ({ a: alice, b: bob, safetyNumber: safety } = await meet({ session: started.a, handle: 'alice' }, { session: started.b, handle: 'bob' }, proxy.url));
  });

  afterAll(async () => {
    await stop?.();
    await proxy?.close();
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
    // Both run the current protocol: each page says the session is post-quantum.
    for (const page of [alicePage, bobPage]) {
      expect(await page.$eval(byTestId('chat-pq'), (e) => (e as HTMLElement).dataset.pq)).toBe('true');
      expect(await textOf(page, 'chat-pq')).toBe('post-quantum');
    }
    // The URL names no one: only an opaque random id.
    expect(await alicePage.evaluate(() => location.hash)).toMatch(/^#[A-Za-z0-9_-]{22}$/);
  });

  it('chats both ways: Latin, Cyrillic and emoji arrive byte for byte, in order, with the right directions', async () => {
    await say(alicePage, CANARY);
    await say(alicePage, 'second from alice');
    await say(bobPage, 'hi alice — привет 👋');
    // Typed key by key: Shift+Enter starts a new line, Enter sends.
    await bobPage.type(byTestId('chat-input'), 'line one');
    await bobPage.keyboard.down('Shift');
    await bobPage.keyboard.press('Enter');
    await bobPage.keyboard.up('Shift');
    await bobPage.type(byTestId('chat-input'), 'line two');
    await bobPage.keyboard.press('Enter');
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

    relay = await startRelay(['--port', String(port), '--public-url', proxy.url], dataDir);
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
    // A background tab gets no animation frames, which puppeteer's click waits for.
    await bobPage.bringToFront();
    await bobPage.click(byTestId('chat-end'));
    await Promise.all([waitForState(alicePage, 'ended'), waitForState(bobPage, 'ended')]);
    expect(await stateReason(alicePage)).toMatch(/bob ended the chat/);
    expect(await stateReason(bobPage)).toMatch(/You ended the chat/);
    expect(await alicePage.$$(byTestId('chat-message'))).toHaveLength(0);
    expect(await bobPage.$$(byTestId('chat-message'))).toHaveLength(0);
    expect(await alicePage.$(byTestId('chat-end'))).toBeNull();
    expect(await alicePage.$eval(byTestId('chat-input'), (e) => (e as HTMLTextAreaElement).disabled)).toBe(true);
  });

  it('a chat tab shows the chat its address names: another chat’s address put into it (as from the history) is not shown as this one', async () => {
    // (It says bob ended the chat: the test before.)
    await alicePage.evaluate(() => (location.hash = `#${'A'.repeat(22)}`));
    await textMatching(alicePage, 'chat-state-reason', /does not exist any more/);
  });

  it('after the end, the frames the relay forwarded cannot be opened with anything left in either profile', async () => {
    const frames = proxy.roomFrames();
    const types = frames.filter((f) => f.direction === 'up').map((f) => decodeFrame(f.frame.payload).type);
    expect(types.filter((t) => t === FRAME_TYPE.message).length).toBeGreaterThanOrEqual(8); // 8 texts and the end
    for (const f of frames) expect(Buffer.from(f.frame.payload).includes(Buffer.from('Canary 42'))).toBe(false);

    // Everything long-term each profile holds: its backup (identity key, prekeys, contacts).
    await alice.popup.bringToFront();
    const aliceIdentity = await identityFromBackup(alice.popup, PASSPHRASE);
    await bob.popup.bringToFront();
    const bobIdentity = await identityFromBackup(bob.popup, PASSPHRASE);
    const [aliceKey, bobKey] = [await identityKeyOf(alice.popup), await identityKeyOf(bob.popup)];
    expect(aliceIdentity.publicKey).toEqual(aliceKey);
    expect(bobIdentity.publicKey).toEqual(bobKey);
    const opened = await messagesOpenedFromCapture(frames, [
      { identity: aliceIdentity, peer: bobKey },
      { identity: bobIdentity, peer: aliceKey },
    ]);
    expect(opened).toBe(0);

    // Nor is any text of the chat anywhere in either profile's files (IndexedDB, extension storage, session state).
    for (const session of sessions) {
      for (const text of [CANARY, 'second from alice', 'hi alice — привет', 'after the restart']) {
        expect(filesContaining(session.profileDir, text), text).toEqual([]);
      }
    }
  });

  it('a relay that substitutes bob’s keys in the handshake: alice’s chat ends saying so, and nothing was sent', async () => {
    const [aliceKey, bobKey] = [await identityKeyOf(alice.popup), await identityKeyOf(bob.popup)];
    const connection = proxy.connectionOf(toBase64Url(aliceKey));
    expect(connection).toBeDefined();
    const since = proxy.frames.length;
    const stop = await substituteKeys(proxy, { connection: connection!, identityKey: aliceKey, contactKey: bobKey });
    try {
      await alice.popup.bringToFront();
      const attacked = await openChat(alice, 'bob');
      await bob.popup.bringToFront();
      await bob.popup.waitForSelector(`${contactItem('alice')}[data-chat-invite="true"]`, { timeout: 30_000 });
      const bobSide = await openChat(bob, 'alice');
      await waitForState(attacked, 'ended');
      expect(await stateReason(attacked)).toMatch(/certificate did not verify — someone may be intercepting. Nothing was sent/);
      expect(await attacked.$$(byTestId('chat-message'))).toHaveLength(0);
      // Only handshake frames ever left alice in this chat (the handshake failed before any message key existed).
      const sent = chatFrameTypesSent(proxy, connection!, since);
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.filter((t) => !isHandshake(t))).toEqual([]);
      expect(await bobSide.$$(byTestId('chat-message'))).toHaveLength(0);
      await bobSide.click(byTestId('chat-end'));
      await waitForState(bobSide, 'ended');
    } finally {
      stop();
    }
  });

  it('a key swapped in the relay’s directory: chat-open is disabled with the reason, and refused by the background', async () => {
    const impostor = await swapKeyInDirectory(relay.dataDir, 'bob');
    await alice.popup.bringToFront();
    await fill(alice.popup, 'contact-lookup-handle', 'bob');
    await clickWhenEnabled(alice.popup, byTestId('contact-lookup'));
    // The key log refuses the swapped key; the same key reaching alice another way is a key change.
    await textMatching(alice.popup, 'contact-lookup-error', /key log is inconsistent/);
    expect(await pin(alice.popup, 'bob', impostor.bundle)).toBe('key-changed');
    expect(await textOf(alice.popup, 'contact-key-changed')).toMatch(/changed/);
    await alice.popup.waitForSelector(`${inContact('bob', 'chat-open')}[disabled]`);
    expect(await textOf(alice.popup, 'chat-open-blocked')).toMatch(/key changed/);
    const refused = await api<{ ok: boolean; error?: { code: string } }>(alice.popup, { type: 'openChat', handle: 'bob' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'key-changed' } });

    // Nor is an invitation from that contact taken: bob invites, alice's popup never shows it.
    await bob.popup.bringToFront();
    const seen = proxy.frames.length;
    const inviting = await openChat(bob, 'alice');
    await waitForState(inviting, 'connecting');
    // The invitation and two re-sends reach alice's browser (the relay forwards mailbox frames from bob).
    const fromBob = () =>
      proxy.frames.slice(seen).filter((f) => f.direction === 'down' && f.frame.type === DATA.fromHandle && new TextDecoder().decode(f.frame.target) === 'bob').length;
    await expect.poll(fromBob, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    // Then a message from bob on the same connection: once alice's popup lists it, her background has taken
    // in the invitations that came before it.
    const after = 'after the invitations';
    expect(await api(bob.popup, { type: 'sendToContact', handle: 'alice', plaintext: after })).toMatchObject({ ok: true });
    await alice.popup.waitForFunction(
      (text) => [...document.querySelectorAll('[data-testid="inbox-text"]')].some((e) => e.textContent === text),
      { polling: 250, timeout: 30_000 },
      after,
    );
    expect(await alice.popup.$eval(contactItem('bob'), (e) => e.getAttribute('data-chat-invite'))).toBe('false');
    const listed = await api<{ contacts: { handle: string; chatInvite: boolean }[] }>(alice.popup, { type: 'listContacts' });
    expect(listed.contacts.find((c) => c.handle === 'bob')?.chatInvite).toBe(false);
  });

  it('a legacy-only contact (no modern key): chat-open is disabled with the reason, and refused by the background', async () => {
    const publicKey = legacyPublicKeyString(await generateLegacyKey());
    expect(await api(alice.popup, { type: 'pinLegacyContact', handle: 'carol', publicKey })).toMatchObject({ ok: true });
    // The popup re-reads its contacts with the relay state.
    await alice.popup.waitForSelector(`${inContact('carol', 'chat-open')}[disabled]`, { timeout: 30_000 });
    expect(await alice.popup.$eval(inContact('carol', 'chat-open-blocked'), (e) => e.textContent)).toMatch(/only a legacy key/);
    const refused = await api<{ ok: boolean; error?: { code: string } }>(alice.popup, { type: 'openChat', handle: 'carol' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });

  it('a stopped service worker takes its sessions along: the chat page says so and is no longer open', async () => {
    const inviting = (await bob.session.browser.pages()).at(-1)!;
    expect(await inviting.evaluate(() => location.pathname)).toBe('/chat.html');
    await waitForState(inviting, 'connecting');
    const cdp = await inviting.createCDPSession();
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await cdp.detach();
    await waitForState(inviting, 'ended');
    expect(await stateReason(inviting)).toMatch(/background stopped/);
    expect(await inviting.$eval(byTestId('chat-input'), (e) => (e as HTMLTextAreaElement).disabled)).toBe(true);
  });
});
