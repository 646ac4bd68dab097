// Secure chat between two extension backgrounds in Node (the real wiring, keyrings on fake-indexeddb)
// through a real relay process behind a loopback proxy: rendezvous by sealed invitation, the chat-port
// protocol, refusals, converging when both open at once, a relay restart, ending from either side, and a
// relay that substitutes the handshake.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '@/lib/bytes';
import { createChatSession, chooseRole } from '@/lib/chat/session';
import { CHAT_VERSION, FRAME_TYPE } from '@/lib/chat/frame';
import { decodePublicBundle } from '@/lib/crypto/public-bundle';
import { DATA, encodeDataFrame } from '@/lib/protocol/relay';
import { getContact } from '@/lib/keyring/contacts';
import { sealInviteFor } from '@/entrypoints/background/chat-invites';
import { cleanup, makeIdentity, startRelay, until, type RunningRelay } from './harness';
import { chatLeftovers, invited, makePerson, openChat, openPage, pinEachOther, stateIs, type Person } from './chat-harness';
import { roomFrameDown, startWsProxy, type WsProxy } from './ws-proxy';

let proxy: WsProxy;
let relay: RunningRelay;
const people: Person[] = [];

async function person(handle: string): Promise<Person> {
  const p = await makePerson(handle, proxy.url);
  people.push(p);
  return p;
}

async function identityKey(p: Person): Promise<Uint8Array> {
  return (await decodePublicBundle(p.bundle)).identityKey;
}

/** The mailbox frames from `sender` that the proxy has forwarded to `p` (invitations, in these tests). */
async function invitationsTo(p: Person, sender: string) {
  const connection = proxy.connectionOf(toBase64Url(await identityKey(p)));
  return proxy.frames.filter(
    (f) => f.direction === 'down' && f.frame.type === DATA.fromHandle && f.connection === connection && new TextDecoder().decode(f.frame.target) === sender,
  );
}

beforeAll(async () => {
  proxy = await startWsProxy();
  relay = await startRelay(['--public-url', proxy.url]);
  proxy.target = relay.url;
});

afterEach(() => {
  proxy.rule = null;
  for (const p of people.splice(0)) p.bg.connection.stop();
});

afterAll(async () => {
  await proxy.close();
  await cleanup();
});

describe('secure chat through a real relay', () => {
  it('invites, opens with equal safety numbers, chats both ways in order, and ends on both sides', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await pinEachOther(alice, bob);
    const { chatId } = await alice.call('openChat', { handle: 'bob' });
    expect(chatId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const pageA = openPage(alice, chatId);
    await until(() => invited(bob, 'alice'), 10_000);
    expect(bob.badge.at(-1)).toBe(1);
    // Alice waits: the invitation reached Bob, who has not joined.
    await stateIs(pageA, 'connecting', 'invited');
    const { chatId: chatB } = await bob.call('openChat', { handle: 'alice' });
    expect(await invited(bob, 'alice')).toBe(false);
    expect(bob.badge.at(-1)).toBe(0);
    const pageB = openPage(bob, chatB);
    await stateIs(pageA, 'open');
    await stateIs(pageB, 'open');
    // Both run the current protocol: the page says the session keys are post-quantum.
    expect([pageA.state(), pageB.state()]).toEqual([{ t: 'state', state: 'open', postQuantum: true }, { t: 'state', state: 'open', postQuantum: true }]);

    const contactA = pageA.received.find((m) => m.t === 'contact');
    const contactB = pageB.received.find((m) => m.t === 'contact');
    expect(contactA).toMatchObject({ handle: 'bob', verified: false });
    expect(contactB).toMatchObject({ handle: 'alice' });
    expect(contactA?.t === 'contact' && contactA.safetyNumber).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(contactA?.t === 'contact' && contactB?.t === 'contact' && contactA.safetyNumber === contactB.safetyNumber).toBe(true);

    for (const text of ['one', 'two', 'три 🔐']) pageA.send({ t: 'send', text });
    pageB.send({ t: 'send', text: 'back', ttlMs: 60_000 });
    await until(() => pageB.texts('in').length === 3 && pageA.texts('in').length === 1, 10_000);
    expect(pageB.texts('in')).toEqual(['one', 'two', 'три 🔐']);
    expect(pageA.texts('out')).toEqual(['one', 'two', 'три 🔐']);
    expect(pageA.texts('in')).toEqual(['back']);
    const timed = pageA.received.find((m) => m.t === 'message' && m.direction === 'in');
    expect(timed?.t === 'message' && timed.expiresAt).toBeGreaterThan(Date.now());

    // A second tab of the same chat sees the transcript so far.
    const again = await alice.call('openChat', { handle: 'bob' });
    expect(again.chatId).toBe(chatId);
    const secondTab = openPage(alice, chatId);
    await until(() => secondTab.texts('out').length === 3 && secondTab.texts('in').length === 1);

    // Control for the check after the end: the walk does see a live chat's session and keys.
    expect(chatLeftovers(alice)).toMatchObject({ sessions: 1, cryptoKeys: expect.any(Number) });
    expect(chatLeftovers(alice).cryptoKeys).toBeGreaterThan(0);
    pageB.send({ t: 'end' });
    await stateIs(pageB, 'ended', 'you-ended');
    await stateIs(pageA, 'ended', 'peer-ended');
    await stateIs(secondTab, 'ended', 'peer-ended');
    // The chat is gone: attaching again says so, and nothing can be sent.
    const late = openPage(alice, chatId);
    expect(late.state()).toEqual({ t: 'state', state: 'ended', reason: 'peer-ended' });
    expect(late.disconnected).toBe(true);
    // Once the end frame's short linger is over, neither background holds anything of the chat.
    await until(() => [alice, bob].every((p) => JSON.stringify(chatLeftovers(p)) === JSON.stringify({ sessions: 0, cryptoKeys: 0, byteArrays: 0 })), 10_000);
  });

  it('closing the chat tab ends the chat on both sides; closing it before the contact came withdraws the invitation', async () => {
    const [alice, bob] = await Promise.all([person('alice2'), person('bob2')]);
    await pinEachOther(alice, bob);
    const { pageA, pageB } = await openChat(alice, bob);
    pageA.close();
    await stateIs(pageB, 'ended', 'peer-ended');

    const waiting = openPage(alice, (await alice.call('openChat', { handle: 'bob2' })).chatId);
    await until(() => invited(bob, 'alice2'), 10_000);
    waiting.close();
    // Gone well before the invitation would expire by itself (5 s after its last copy in these tests).
    await until(async () => !(await invited(bob, 'alice2')), 2500);
    expect(bob.badge.at(-1)).toBe(0);
  });

  it('refuses a chat with a contact whose key changed, an unknown one or a legacy-only one, and drops the changed one’s invitations', async () => {
    const [alice, bob, carol] = await Promise.all([person('alice3'), person('bob3'), person('carol3')]);
    await pinEachOther(alice, bob);
    await pinEachOther(carol, bob);
    // Bob sees another key for alice (a relay swapping keys): chat with her is blocked until re-verified.
    const impostor = await makeIdentity('alice3');
    expect((await bob.call('pinContact', { handle: 'alice3', bundle: impostor.bundle })).result).toBe('key-changed');
    await expect(bob.call('openChat', { handle: 'alice3' })).rejects.toMatchObject({ code: 'key-changed' });
    const { chatId } = await alice.call('openChat', { handle: 'bob3' });
    const pageA = openPage(alice, chatId);
    // Alice's invitation reaches Bob's background (delivered) but is not shown.
    await stateIs(pageA, 'connecting', 'invited');
    await until(async () => (await invitationsTo(bob, 'alice3')).length >= 2, 10_000); // and a re-send
    // Carol's invitation comes after them and is shown: Bob's background has handled Alice's by then.
    const fromCarol = openPage(carol, (await carol.call('openChat', { handle: 'bob3' })).chatId);
    await until(() => invited(bob, 'carol3'), 10_000);
    expect(await invited(bob, 'alice3')).toBe(false);
    expect((await bob.call('getInbox')).items).toEqual([]);
    fromCarol.send({ t: 'end' });
    await expect(alice.call('openChat', { handle: 'nobody' })).rejects.toMatchObject({ code: 'not-found' });
    // A legacy-only contact (no modern key) cannot chat: no forward secrecy, weak authentication.
    const { key } = await bob.call('createLegacyKey');
    await alice.call('pinLegacyContact', { handle: 'legacy-bob', publicKey: key.publicKey });
    await expect(alice.call('openChat', { handle: 'legacy-bob' })).rejects.toMatchObject({ code: 'unsupported' });
    pageA.send({ t: 'end' });
    await stateIs(pageA, 'ended', 'you-ended');
  });

  it('ignores invitations from someone not pinned, and replays of a real one', async () => {
    const [alice, bob, carol, dave] = await Promise.all([person('alice4'), person('bob4'), person('carol4'), person('dave4')]);
    await pinEachOther(alice, bob);
    await pinEachOther(dave, bob);
    await carol.call('pinContact', { handle: 'bob4', bundle: bob.bundle }); // Bob never pinned Carol
    const fromCarol = openPage(carol, (await carol.call('openChat', { handle: 'bob4' })).chatId);
    await stateIs(fromCarol, 'connecting', 'invited');

    const { pageA, pageB } = await openChat(alice, bob);
    expect(bob.bg.chats.hasInvite('carol4')).toBe(false);
    expect((await bob.call('getInbox')).items).toEqual([]);
    pageA.send({ t: 'end' });
    await stateIs(pageB, 'ended', 'peer-ended');

    // The relay replays Alice's last invitation to Bob: it is not shown again.
    const bobConnection = proxy.connectionOf(toBase64Url(await identityKey(bob)))!;
    const last = (await invitationsTo(bob, 'alice4')).at(-1)!;
    expect(last.frame.payload[0]).toBe(0x03);
    proxy.inject(bobConnection, 'down', encodeDataFrame(DATA.fromHandle, 0, last.frame.target, last.frame.payload));
    // Dave's invitation comes after the replay and is shown: Bob's background has handled the replay by then.
    const fromDave = openPage(dave, (await dave.call('openChat', { handle: 'bob4' })).chatId);
    await until(() => invited(bob, 'dave4'), 10_000);
    expect(await invited(bob, 'alice4')).toBe(false);
    expect((await bob.call('getInbox')).items).toEqual([]);

    // A genuine copy Alice sealed while the handshake was under way, arriving after the chat ended: stale too.
    const room = proxy.frames.filter((f) => f.connection === bobConnection && f.frame.type === DATA.fromRoom).at(-1)!.frame.target;
    const lateCopy = await sealInviteFor(alice.db, (await getContact(alice.db, 'bob4'))!, { kind: 'invite', roomId: room });
    proxy.inject(bobConnection, 'down', encodeDataFrame(DATA.fromHandle, 0, last.frame.target, lateCopy));
    // Dave withdraws his invitation after that copy (his tab closes): once Bob drops it, he has handled the copy.
    fromDave.close();
    await until(async () => !(await invited(bob, 'dave4')), 10_000);
    expect(await invited(bob, 'alice4')).toBe(false);
    fromCarol.send({ t: 'end' });
  });

  it('both opening at once converge on one room (the initiator’s)', async () => {
    const [alice, bob] = await Promise.all([person('alice5'), person('bob5')]);
    await pinEachOther(alice, bob);
    const [a, b] = await Promise.all([alice.call('openChat', { handle: 'bob5' }), bob.call('openChat', { handle: 'alice5' })]);
    const pageA = openPage(alice, a.chatId);
    const pageB = openPage(bob, b.chatId);
    await stateIs(pageA, 'open');
    await stateIs(pageB, 'open');
    pageB.send({ t: 'send', text: 'same room' });
    await until(() => pageA.texts('in').includes('same room'), 10_000);
    // The initiator made the room both ended up in: the responder's frames go to it.
    const initiator = chooseRole(await identityKey(alice), await identityKey(bob)) === 'initiator' ? alice : bob;
    const initiatorConnection = proxy.connectionOf(toBase64Url(await identityKey(initiator)))!;
    const rooms = new Set(proxy.roomFrames().filter((f) => f.connection === initiatorConnection && f.direction === 'down').map((f) => toBase64Url(f.frame.target)));
    expect(rooms.size).toBe(1);
    pageA.send({ t: 'end' });
    await stateIs(pageB, 'ended', 'peer-ended');
  });

  it('answers the page protocol strictly: pings, bad shapes, unknown chats, sends while not open', async () => {
    const [alice, bob] = await Promise.all([person('alice6'), person('bob6')]);
    await pinEachOther(alice, bob);
    const stray = openPage(alice);
    stray.send({ t: 'ping' });
    stray.send({ t: 'send', text: 'x', extra: 1 });
    expect(stray.received).toEqual([{ t: 'pong' }, expect.objectContaining({ t: 'error', code: 'bad-request', fatal: false })]);
    stray.send({ t: 'end' }); // not attached: the port is closed
    expect(stray.disconnected).toBe(true);
    const unknown = openPage(alice, 'AAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.state()).toEqual({ t: 'state', state: 'ended', reason: 'unknown-chat' });

    const { chatId } = await alice.call('openChat', { handle: 'bob6' });
    const page = openPage(alice, chatId);
    page.send({ t: 'send', text: 'too early' });
    await until(() => page.errors().some((e) => e.code === 'unsupported' && !e.fatal));
    expect(page.texts('out')).toEqual([]);
    page.send({ t: 'end' });
    await stateIs(page, 'ended', 'you-ended');
  });
});

describe('secure chat and a failing or hostile relay', () => {
  it('survives a relay restart: says so while down, refuses to send, then continues', async () => {
    const [alice, bob] = await Promise.all([person('alice7'), person('bob7')]);
    await pinEachOther(alice, bob);
    const { pageA, pageB } = await openChat(alice, bob);
    pageA.send({ t: 'send', text: 'before' });
    await until(() => pageB.texts('in').includes('before'), 10_000);

    await relay.kill('SIGKILL');
    await stateIs(pageA, 'open', 'relay-offline');
    pageA.send({ t: 'send', text: 'while down' });
    await until(() => pageA.errors().some((e) => e.code === 'relay-unreachable'));
    expect(pageA.texts('out')).toEqual(['before']);

    relay = await startRelay(['--public-url', proxy.url], relay.dataDir);
    proxy.target = relay.url;
    await until(() => pageA.state()?.state === 'open' && pageA.state()?.reason === undefined && pageB.state()?.reason === undefined, 20_000);
    pageA.send({ t: 'send', text: 'after' });
    pageB.send({ t: 'send', text: 'reply' });
    await until(() => pageB.texts('in').includes('after') && pageA.texts('in').includes('reply'), 15_000);
    expect(pageB.texts('in')).toEqual(['before', 'after']);
    pageB.send({ t: 'end' });
    await stateIs(pageA, 'ended', 'peer-ended');
  });

  it('reports dropped messages, shows duplicates once, and rejects frames replayed from an older chat', async () => {
    const [alice, bob] = await Promise.all([person('alice9'), person('bob9')]);
    await pinEachOther(alice, bob);
    const first = await openChat(alice, bob);
    first.pageA.send({ t: 'send', text: 'old secret' });
    await until(() => first.pageB.texts('in').includes('old secret'), 10_000);
    const bobKey = toBase64Url(await identityKey(bob));
    const bobConnection = proxy.connectionOf(bobKey)!;
    const oldRoom = fromBase64Url(proxy.joins(bobConnection).at(-1)!);
    const oldFrames = proxy.roomFrames(oldRoom).filter((f) => f.direction === 'down' && f.connection === bobConnection).map((f) => f.frame.payload);
    first.pageA.send({ t: 'end' });
    await stateIs(first.pageB, 'ended', 'peer-ended');

    const { pageA, pageB } = await openChat(alice, bob);
    const room = fromBase64Url(proxy.joins(bobConnection).at(-1)!);
    expect(toBase64Url(room)).not.toBe(toBase64Url(oldRoom));
    // The relay replays every frame of the older chat into the new one: none is shown, the chat goes on.
    for (const payload of oldFrames) proxy.inject(bobConnection, 'down', roomFrameDown(room, payload));
    await until(() => pageB.errors().filter((e) => e.code === 'replayed').length >= 1, 10_000);
    expect(pageB.errors().every((e) => !e.fatal)).toBe(true);
    expect(pageB.texts('in')).toEqual([]);
    expect(pageB.state()?.state).toBe('open');

    // A duplicated frame is shown once; a dropped one is reported when the next arrives.
    let drop = false;
    proxy.rule = (f) => {
      if (f.connection !== bobConnection || f.direction !== 'down' || f.frame.type !== DATA.fromRoom) return undefined;
      if (drop) {
        drop = false;
        return [];
      }
      const bytes = roomFrameDown(f.frame.target, f.frame.payload);
      return [bytes, bytes];
    };
    pageA.send({ t: 'send', text: 'twice' });
    await until(() => pageB.texts('in').includes('twice'), 10_000);
    drop = true;
    pageA.send({ t: 'send', text: 'lost one' });
    await until(() => !drop);
    pageA.send({ t: 'send', text: 'after the gap' });
    await until(() => pageB.received.some((m) => m.t === 'lost' && m.count === 1), 15_000);
    expect(pageB.texts('in')).toEqual(['twice', 'after the gap']);
    expect(pageB.errors().some((e) => e.code === 'replayed' && !e.fatal)).toBe(true);
    proxy.rule = null;
    pageB.send({ t: 'end' });
    await stateIs(pageA, 'ended', 'peer-ended');
  });

  // Roles follow the identity keys, so the victim is picked by role: the initiator reads the impostor's
  // answer and fails at once; the responder hears an impostor who can never finish, and times out.
  it.each([
    ['initiator', 'key-mismatch'],
    ['responder', 'handshake-timeout'],
  ] as const)('a relay that substitutes the handshake: the %s’s chat fails visibly (%s), and no message frame leaves', async (role, reason) => {
    const [p, q] = await Promise.all([person(`${role}-p`), person(`${role}-q`)]);
    await pinEachOther(p, q);
    const [alice, bob] = chooseRole(await identityKey(p), await identityKey(q)) === role ? [p, q] : [q, p];
    const aliceKey = await identityKey(alice);
    const aliceConnection = proxy.connectionOf(toBase64Url(aliceKey))!;
    const mallory = await makeIdentity('mallory');
    const { chatId } = await alice.call('openChat', { handle: bob.handle });
    const room = fromBase64Url(proxy.joins(aliceConnection).at(-1)!);
    // Mallory plays Bob's part with her own identity; Alice hears only Mallory (and Bob hears Alice).
    const session = createChatSession({
      identity: mallory.identity,
      peerIdentityKey: aliceKey,
      roomId: room,
      role: role === 'initiator' ? 'responder' : 'initiator',
      send: (frame) => proxy.inject(aliceConnection, 'down', roomFrameDown(room, frame)),
      retryMs: 300,
    });
    proxy.rule = (f) => {
      if (f.connection !== aliceConnection) return undefined;
      if (f.frame.type === DATA.fromRoom) return [];
      if (f.frame.type === DATA.toRoom) void session.receive(f.frame.payload);
      return undefined;
    };
    await session.start();
    const pageA = openPage(alice, chatId);
    await until(() => invited(bob, alice.handle), 10_000);
    const pageB = openPage(bob, (await bob.call('openChat', { handle: alice.handle })).chatId);
    await stateIs(pageA, 'ended', reason, 20_000);
    if (role === 'initiator') expect(pageA.errors()).toContainEqual(expect.objectContaining({ code: 'key-mismatch', fatal: true }));
    expect(pageB.state()?.state).not.toBe('open');
    // A message written now is refused: the background answers that the chat has ended.
    const answers = pageA.received.length;
    pageA.send({ t: 'send', text: 'secret' });
    await until(() => pageA.received.slice(answers).some((m) => m.t === 'state' && m.state === 'ended'), 5_000);
    const fromAlice = proxy.roomFrames(room).filter((f) => f.connection === aliceConnection && f.direction === 'up');
    expect(fromAlice.length).toBeGreaterThan(0);
    expect(fromAlice.filter((f) => f.frame.payload[1] === FRAME_TYPE.message)).toEqual([]);
    pageB.send({ t: 'end' });
    session.destroy();
  });

  it('a relay that removes the post-quantum handshake between two current apps gets no classical chat: the responder says why, and the chat ends', async () => {
    const [p, q] = await Promise.all([person('downgrade-p'), person('downgrade-q')]);
    await pinEachOther(p, q);
    // Every version-2 frame is dropped on its way to the relay; the classical fallback HS1 goes through.
    proxy.rule = (f) => (f.frame.type === DATA.toRoom && f.frame.payload[0] === CHAT_VERSION.hybrid ? [] : undefined);
    const { chatId: chatP } = await p.call('openChat', { handle: q.handle });
    const pageP = openPage(p, chatP);
    await until(() => invited(q, p.handle), 10_000);
    const pageQ = openPage(q, (await q.call('openChat', { handle: p.handle })).chatId);
    const [initiator, responderPage] = chooseRole(await identityKey(p), await identityKey(q)) === 'initiator' ? [p, pageQ] : [q, pageP];
    await stateIs(responderPage, 'ended', 'handshake-timeout', 20_000);
    expect(responderPage.errors()).toContainEqual(expect.objectContaining({ code: 'tampered', fatal: false, reason: expect.stringMatching(/post-quantum/) }));
    for (const page of [pageP, pageQ]) expect(page.received.some((m) => m.t === 'state' && m.state === 'open')).toBe(false);
    // The responder never answered the classical HS1: no HS2 (and no message) of any version left it.
    const room = fromBase64Url(proxy.joins(proxy.connectionOf(toBase64Url(await identityKey(initiator)))!).at(-1)!);
    const up = proxy.roomFrames(room).filter((f) => f.direction === 'up');
    expect(up.some((f) => f.frame.payload[0] === CHAT_VERSION.classical && f.frame.payload[1] === FRAME_TYPE.hs1)).toBe(true);
    expect(up.filter((f) => f.frame.payload[1] !== FRAME_TYPE.hs1)).toEqual([]);
    (responderPage === pageP ? pageQ : pageP).send({ t: 'end' });
  });

  // A contact on an app from before protocol version 2 (its session limited to version 1), in either
  // role: the chat opens classical, and the page says so.
  it.each(['initiator', 'responder'] as const)('a contact whose app speaks only the classical version (the contact as %s): the page says classical only', async (contactRole) => {
    const alice = await person(`classical-${contactRole}`);
    const aliceKey = await identityKey(alice);
    let old = await makeIdentity('old-bob');
    while (chooseRole(old.identity.publicKey, aliceKey) !== contactRole) old = await makeIdentity('old-bob');
    await alice.call('pinContact', { handle: 'old-bob', bundle: old.bundle });
    const aliceConnection = proxy.connectionOf(toBase64Url(aliceKey))!;
    const { chatId } = await alice.call('openChat', { handle: 'old-bob' });
    const room = fromBase64Url(proxy.joins(aliceConnection).at(-1)!);
    const shown: string[] = [];
    const session = createChatSession({
      identity: old.identity,
      peerIdentityKey: aliceKey,
      roomId: room,
      versions: [CHAT_VERSION.classical],
      send: (frame) => proxy.inject(aliceConnection, 'down', roomFrameDown(room, frame)),
      retryMs: 300,
    });
    session.on('message', (m) => shown.push(m.text));
    proxy.rule = (f) => {
      if (f.connection === aliceConnection && f.frame.type === DATA.toRoom) void session.receive(f.frame.payload);
      return undefined;
    };
    await session.start();
    const pageA = openPage(alice, chatId);
    await stateIs(pageA, 'open');
    expect(pageA.state()).toEqual({ t: 'state', state: 'open', postQuantum: false });
    await until(() => session.state === 'open', 10_000); // as responder, it opens once alice's HS3 is in
    expect(session.postQuantum).toBe(false);
    pageA.send({ t: 'send', text: 'hello old app' });
    await until(() => shown.includes('hello old app'), 10_000);
    pageA.send({ t: 'end' });
    await stateIs(pageA, 'ended', 'you-ended');
    session.destroy();
  });
});
