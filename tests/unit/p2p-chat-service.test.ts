// Peer-to-peer chats through two real backgrounds (p2p-chat-service.ts wired by create-background.ts): real
// keyrings (fake-indexeddb), real crypto and sessions, pinned by contact cards, requests through the router
// as the compose and message frames make them. Node has no WebRTC: each chat page is played by the test
// (it reports browser SDP captured from Chromium and moves frames between the two as a data channel would).
// A foreign DTLS fingerprint, a replayed invitation and a sender who is not a pinned contact connect nothing.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { toHex } from '@/lib/bytes';
import { minimizeSdp } from '@/lib/chat/p2p-sdp';
import { KeyringDB } from '@/lib/keyring/db';
import type { BackgroundToPage, PageToBackground } from '@/lib/protocol/chat-port';
import { PANEL_BOX, PANEL_WRITE } from '@/lib/protocol/api/panel-messages';
import type { WebSocketConstructor } from '@/lib/relay-client/client';
import type { ChatPortLike } from '@/entrypoints/background/chat-service';
import { createBackground } from '@/entrypoints/background/create-background';
import type { P2PTiming } from '@/entrypoints/background/p2p-chat-service';
import { routeMessage } from '@/entrypoints/background/router';
import { CHROMIUM_ANSWER, CHROMIUM_OFFER } from './chat/p2p-sdp-samples';

const SITE = 'https://chat.example.org';
const FROM = {
  popup: { id: 'ext', url: 'chrome-extension://ext/popup.html' },
  compose: { id: 'ext', url: 'chrome-extension://ext/compose-frame.html', tab: { id: 1, url: `${SITE}/room` } },
  frame: { id: 'ext', url: 'chrome-extension://ext/message-frame.html', tab: { id: 1, url: `${SITE}/room` } },
};

/** A chat page as the test plays it: what the background told it, and a way to answer. */
interface FakePage {
  got: BackgroundToPage[];
  say(m: PageToBackground): void;
  /** Called for each message the background posts (after it is recorded). */
  onPost: (m: BackgroundToPage) => void;
}

async function person(handle: string, localSdp: string, p2pTiming: Partial<P2PTiming> = {}) {
  const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
  const registrations = { get: async () => undefined, set: async () => undefined };
  const pages: FakePage[] = [];
  const written: string[][] = [];
  // eslint-disable-next-line prefer-const -- set once the background exists
  let chats: ReturnType<typeof createBackground>['chats'];
  const bg = createBackground({
    db,
    registrations,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    p2pTiming,
    tabs: {
      sendToTab: async (_tab, message) => {
        const m = message as { type: string; parts?: string[] };
        if (m.type === PANEL_BOX) return { outcome: 'found' };
        if (m.type !== PANEL_WRITE) return undefined;
        written.push(m.parts!);
        return { sent: true };
      },
      tabUrl: async () => `${SITE}/room`,
      isEnabledSite: async (o) => o === SITE,
    },
    chatTabs: {
      openChatTab: async (chatId) => void openPage(chatId),
      showChatTab: async () => undefined,
    },
  });
  const chatIds: string[] = [];
  // The chat page opens, attaches, and reports its local description when asked for an offer or answer.
  const openPage = (chatId: string): FakePage => {
    const listeners: ((raw: unknown) => void)[] = [];
    const page: FakePage = { got: [], say: (m) => listeners.forEach((cb) => cb(m)), onPost: () => undefined };
    const port: ChatPortLike = {
      postMessage: (m) => {
        page.got.push(m);
        if (m.t === 'p2p-offer' || m.t === 'p2p-answer') queueMicrotask(() => page.say({ t: 'p2p-local', sdp: localSdp }));
        page.onPost(m);
      },
      onMessage: (cb) => void listeners.push(cb),
      onDisconnect: () => undefined,
      disconnect: () => undefined,
    };
    pages.push(page);
    chatIds.push(chatId);
    chats.acceptPort(port);
    page.say({ t: 'attach', chatId });
    return page;
  };
  chats = bg.chats;
  const ctx = { ownId: 'ext', ownBaseUrl: 'chrome-extension://ext/', service: bg.service, isEnabledSite: async (o: string) => o === SITE };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field below
  const call = (view: keyof typeof FROM, request: Record<string, unknown>): Promise<any> => routeMessage(request, FROM[view], ctx);
  expect(await call('popup', { type: 'createIdentity', handle })).toMatchObject({ ok: true });
  const card = (await call('compose', { type: 'getContactCard' })).parts[0] as string;
  return { call, card, pages, written, chatIds, openPage };
}

type Person = Awaited<ReturnType<typeof person>>;

async function pinEachOther(a: Person, b: Person): Promise<void> {
  expect(await a.call('frame', { type: 'pinCard', text: b.card })).toMatchObject({ ok: true, result: 'pinned' });
  expect(await b.call('frame', { type: 'pinCard', text: a.card })).toMatchObject({ ok: true, result: 'pinned' });
}

const until = async (what: string, ok: () => boolean) => {
  for (const end = Date.now() + 10_000; !ok(); await new Promise((r) => setTimeout(r, 10))) if (Date.now() > end) throw new Error(what);
};
const states = (page: FakePage) => page.got.filter((m) => m.t === 'state').map((m) => `${m.state}${m.t === 'state' && m.reason ? `:${m.reason}` : ''}`);
const fingerprintOf = (sdp: string) => toHex(minimizeSdp(sdp).fingerprint);

/** Alice invites bob; bob joins from his frame; alice's frame hands over the answer. Returns both pages. */
async function inviteAndJoin(alice: Person, bob: Person) {
  const invite = await alice.call('compose', { type: 'startP2PChat', handle: 'bob' });
  expect(invite).toMatchObject({ ok: true, parts: [expect.stringMatching(/^c2c2[0-9a-z]+$/)] });
  const [offer] = invite.parts as string[];
  expect(await bob.call('frame', { type: 'decrypt', text: offer })).toEqual({ ok: true, result: { status: 'p2p', p2p: { kind: 'offer', handle: 'alice', own: false, state: 'join' } } });
  expect(await alice.call('frame', { type: 'decrypt', text: offer })).toMatchObject({ ok: true, result: { status: 'p2p', p2p: { own: true, state: 'sent' } } });
  const joined = await bob.call('frame', { type: 'joinP2PChat', text: offer });
  expect(joined).toMatchObject({ ok: true, written: true });
  expect(bob.written).toEqual([joined.parts]);
  const alicePage = alice.pages.at(-1)!;
  const bobPage = bob.pages.at(-1)!;
  expect(alicePage.got[0]).toMatchObject({ t: 'contact', handle: 'bob', transport: 'p2p' });
  expect(bobPage.got.find((m) => m.t === 'p2p-answer')).toMatchObject({ remote: expect.stringContaining('a=ice-ufrag:XJlv') });
  return { offer, answer: joined.parts[0] as string, alicePage, bobPage };
}

/** The data channel: each page's frames go to the other page. */
function connect(a: FakePage, b: FakePage): void {
  const forward = (to: FakePage) => (m: BackgroundToPage) => {
    if (m.t === 'p2p-send') setTimeout(() => to.say({ t: 'p2p-frame', frame: m.frame }));
  };
  a.onPost = forward(b);
  b.onPost = forward(a);
}

describe('peer-to-peer chats (background)', () => {
  it('invites, joins, accepts the answer shown in the host chat, and chats over the channel after the fingerprint check', async () => {
    const [alice, bob] = await Promise.all([person('alice', CHROMIUM_OFFER), person('bob', CHROMIUM_ANSWER)]);
    await pinEachOther(alice, bob);
    const { answer, alicePage, bobPage } = await inviteAndJoin(alice, bob);
    expect(states(alicePage)).toEqual(['connecting:waiting-answer']);
    expect(await alice.call('frame', { type: 'decrypt', text: answer })).toEqual({ ok: true, result: { status: 'p2p', p2p: { kind: 'answer', handle: 'bob', own: false, state: 'accepted' } } });
    expect(alicePage.got.find((m) => m.t === 'p2p-remote')).toMatchObject({ remote: expect.stringContaining('a=ice-ufrag:eZkt') });
    // Shown again (a reload of the host page): nothing more is handed over.
    expect(await alice.call('frame', { type: 'decrypt', text: answer })).toMatchObject({ result: { p2p: { state: 'accepted' } } });
    expect(alicePage.got.filter((m) => m.t === 'p2p-remote')).toHaveLength(1);

    connect(alicePage, bobPage);
    alicePage.say({ t: 'p2p-open', fingerprint: fingerprintOf(CHROMIUM_ANSWER) });
    bobPage.say({ t: 'p2p-open', fingerprint: fingerprintOf(CHROMIUM_OFFER) });
    await until('both open', () => states(alicePage).at(-1) === 'open' && states(bobPage).at(-1) === 'open');
    alicePage.say({ t: 'send', text: 'hello directly' });
    await until('bob reads it', () => bobPage.got.some((m) => m.t === 'message' && m.direction === 'in' && m.text === 'hello directly'));
    bobPage.say({ t: 'end' });
    await until('both ended', () => states(alicePage).at(-1) === 'ended:peer-ended' && states(bobPage).at(-1) === 'ended:you-ended');
  });

  it('ends with foreign-fingerprint when the channel’s certificate is not the signed one; no chat frame is sent', async () => {
    const [alice, bob] = await Promise.all([person('alice', CHROMIUM_OFFER), person('bob', CHROMIUM_ANSWER)]);
    await pinEachOther(alice, bob);
    const { answer, alicePage } = await inviteAndJoin(alice, bob);
    await alice.call('frame', { type: 'decrypt', text: answer });
    // The DTLS peer presented the offer's own certificate, not the one bob signed.
    alicePage.say({ t: 'p2p-open', fingerprint: fingerprintOf(CHROMIUM_OFFER) });
    await until('ended', () => states(alicePage).at(-1) === 'ended:foreign-fingerprint');
    expect(alicePage.got.some((m) => m.t === 'p2p-send')).toBe(false);
  });

  it('says when no direct path exists (ICE failed before the channel opened): the chat ends with no-direct-path', async () => {
    const [alice, bob] = await Promise.all([person('alice', CHROMIUM_OFFER), person('bob', CHROMIUM_ANSWER)]);
    await pinEachOther(alice, bob);
    const { bobPage } = await inviteAndJoin(alice, bob);
    bobPage.say({ t: 'p2p-failed' });
    await until('ended', () => states(bobPage).at(-1) === 'ended:no-direct-path');
    expect(bobPage.got.some((m) => m.t === 'p2p-send')).toBe(false);
  });

  it('starts one session however often the page reports the channel open', async () => {
    const quick = { handshakeTimeoutMs: 1_500 };
    const [alice, bob] = await Promise.all([person('alice', CHROMIUM_OFFER, quick), person('bob', CHROMIUM_ANSWER, quick)]);
    await pinEachOther(alice, bob);
    const { answer, alicePage, bobPage } = await inviteAndJoin(alice, bob);
    await alice.call('frame', { type: 'decrypt', text: answer });
    connect(alicePage, bobPage);
    // Reported twice before the first report's session exists (it waits for the keyring).
    alicePage.say({ t: 'p2p-open', fingerprint: fingerprintOf(CHROMIUM_ANSWER) });
    alicePage.say({ t: 'p2p-open', fingerprint: fingerprintOf(CHROMIUM_ANSWER) });
    bobPage.say({ t: 'p2p-open', fingerprint: fingerprintOf(CHROMIUM_OFFER) });
    await until('both open', () => states(alicePage).at(-1) === 'open' && states(bobPage).at(-1) === 'open');
    alicePage.say({ t: 'send', text: 'once' });
    await until('bob reads it', () => bobPage.got.some((m) => m.t === 'message' && m.text === 'once'));
    // Past the handshake timeout: no second session is left waiting to end the chat.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(states(alicePage).at(-1)).toBe('open');
    expect(states(bobPage).at(-1)).toBe('open');
    expect(alicePage.got.filter((m) => m.t === 'error')).toEqual([]);
    expect(bobPage.got.filter((m) => m.t === 'error')).toEqual([]);
  });

  it('tells a page that attaches while the chat ends why it ended', async () => {
    const [alice, bob] = await Promise.all([person('alice', CHROMIUM_OFFER), person('bob', CHROMIUM_ANSWER)]);
    await pinEachOther(alice, bob);
    const { alicePage } = await inviteAndJoin(alice, bob);
    // A second tab of alice's chat attaches; alice ends the chat before its attach is done.
    const late = alice.openPage(alice.chatIds[0]!);
    alicePage.say({ t: 'end' });
    await until('ended', () => states(alicePage).at(-1) === 'ended:you-ended');
    await until('told', () => late.got.length > 0);
    expect(states(late)).toEqual(['ended:you-ended']);
  });

  it('joins an invitation once: a replayed one is refused and opens no chat page', async () => {
    const [alice, bob] = await Promise.all([person('alice', CHROMIUM_OFFER), person('bob', CHROMIUM_ANSWER)]);
    await pinEachOther(alice, bob);
    const { offer } = await inviteAndJoin(alice, bob);
    expect(await bob.call('frame', { type: 'joinP2PChat', text: offer })).toMatchObject({ ok: false, error: { code: 'replayed' } });
    expect(bob.pages).toHaveLength(1);
    expect(bob.written).toHaveLength(1);
  });

  it('refuses an invitation from someone who is not a pinned contact: shown as an error, never joined', async () => {
    const [alice, bob, carol] = await Promise.all([person('alice', CHROMIUM_OFFER), person('bob', CHROMIUM_ANSWER), person('carol', CHROMIUM_ANSWER)]);
    await pinEachOther(alice, bob);
    // Carol pinned bob, bob never pinned carol.
    expect(await carol.call('frame', { type: 'pinCard', text: bob.card })).toMatchObject({ ok: true });
    const fromCarol = (await carol.call('compose', { type: 'startP2PChat', handle: 'bob' })).parts[0] as string;
    expect(await bob.call('frame', { type: 'decrypt', text: fromCarol })).toMatchObject({ ok: true, result: { status: 'error', reason: { code: 'key-mismatch' } } });
    expect(await bob.call('frame', { type: 'joinP2PChat', text: fromCarol })).toMatchObject({ ok: false, error: { code: 'key-mismatch' } });
    expect(bob.pages).toHaveLength(0);
  });

  it('only the compose frame starts one and only a message frame joins', async () => {
    const [alice, bob] = await Promise.all([person('alice', CHROMIUM_OFFER), person('bob', CHROMIUM_ANSWER)]);
    await pinEachOther(alice, bob);
    expect(await alice.call('frame', { type: 'startP2PChat', handle: 'bob' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await alice.call('compose', { type: 'joinP2PChat', text: 'c2c2abc' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(alice.pages).toHaveLength(0);
  });
});
