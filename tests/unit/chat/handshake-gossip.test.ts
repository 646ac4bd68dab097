// Key-log gossip in the secure chat's handshake (docs/CHAT-PROTOCOL.md "Handshake extensions"): each side's
// checkpoint travels inside its encrypted, authenticated handshake payload, in version 1 and version 2,
// and reaches the other side only once that side authenticated; releases before handshake extensions
// (`handshakeExtensions: false`, standing in for one) still chat with current ones, exactly as before.
import { describe, expect, it } from 'vitest';
import { concat, equalBytes } from '../../../lib/bytes';
import { CHAT_VERSION, FRAME_TYPE, MAX_HANDSHAKE_EXTENSIONS_LENGTH, SESSION_ID_LENGTH, decodeFrame } from '../../../lib/chat/frame';
import { claimedVersion, claimsExtensions, newSessionId, type ChatSessionOptions } from '../../../lib/chat/session';
import { Room, frameType, identities, type Peer } from './harness';

// Gossip values as lib/keylog/gossip.ts makes them: log id (4) ‖ root prefix (4) ‖ size (1–7).
const ALICE_GOSSIP = Uint8Array.from([1, 2, 3, 4, 0xa1, 0xa2, 0xa3, 0xa4, 0x01, 0x00]);
const BOB_GOSSIP = Uint8Array.from([1, 2, 3, 4, 0xb1, 0xb2, 0xb3, 0xb4, 0x02]);
const OLD: Partial<ChatSessionOptions> = { handshakeExtensions: false };
const V1: Partial<ChatSessionOptions> = { versions: [CHAT_VERSION.classical] };

interface Heard {
  room: Room;
  alice: Peer;
  bob: Peer;
  heard: { alice: Uint8Array[]; bob: Uint8Array[] };
}

async function pair(aliceOpts: Partial<ChatSessionOptions>, bobOpts: Partial<ChatSessionOptions>, relay?: Room['relay']): Promise<Heard> {
  const ids = await identities();
  const room = new Room();
  if (relay) room.relay = relay;
  const alice = room.add('alice', ids.alice, ids.bob.publicKey, aliceOpts);
  const bob = room.add('bob', ids.bob, ids.alice.publicKey, bobOpts);
  const heard = { alice: [] as Uint8Array[], bob: [] as Uint8Array[] };
  alice.session.on('gossip', (v) => heard.alice.push(v));
  bob.session.on('gossip', (v) => heard.bob.push(v));
  room.link('alice', 'bob');
  await bob.session.start();
  await alice.session.start();
  await room.settle();
  return { room, alice, bob, heard };
}

const contains = (haystack: Uint8Array, needle: Uint8Array) => {
  for (let i = 0; i + needle.length <= haystack.length; i++) if (equalBytes(haystack.subarray(i, i + needle.length), needle)) return true;
  return false;
};

async function talks({ room, alice, bob }: Heard): Promise<void> {
  await alice.session.sendText('hi bob');
  await bob.session.sendText('hi alice');
  await room.settle();
  expect(bob.shown.map((m) => m.text)).toContain('hi bob');
  expect(alice.shown.map((m) => m.text)).toContain('hi alice');
}

describe('key-log gossip in the chat handshake', () => {
  it('version 2: each side hears the other’s checkpoint once, and it never shows on the wire', async () => {
    const p = await pair({ gossip: ALICE_GOSSIP }, { gossip: BOB_GOSSIP });
    expect([p.alice.session.state, p.bob.session.state, p.alice.session.postQuantum]).toEqual(['open', 'open', true]);
    expect(p.heard).toEqual({ alice: [BOB_GOSSIP], bob: [ALICE_GOSSIP] });
    await talks(p);
    // Inside the Noise payloads only: the relay sees neither value.
    for (const { frame } of p.room.captured) expect(contains(frame, ALICE_GOSSIP) || contains(frame, BOB_GOSSIP)).toBe(false);
    expect([...p.alice.errors, ...p.bob.errors]).toEqual([]);
  });

  it('version 1 (a responder that speaks only the classical handshake) carries it the same way', async () => {
    const p = await pair({ gossip: ALICE_GOSSIP }, { ...V1, gossip: BOB_GOSSIP });
    expect([p.alice.session.state, p.bob.session.state, p.alice.session.postQuantum]).toEqual(['open', 'open', false]);
    expect(p.heard).toEqual({ alice: [BOB_GOSSIP], bob: [ALICE_GOSSIP] });
    await talks(p);
  });

  it('a side without a checkpoint sends none and still hears the other’s', async () => {
    const p = await pair({}, { gossip: BOB_GOSSIP });
    expect(p.heard).toEqual({ alice: [BOB_GOSSIP], bob: [] });
    const q = await pair({ gossip: ALICE_GOSSIP }, {});
    expect(q.heard).toEqual({ alice: [], bob: [ALICE_GOSSIP] });
    await talks(q);
  });

  it('a value that is not a checkpoint is passed on as it came (the key log calls it garbage), and the chat opens', async () => {
    const garbage = Uint8Array.from([0xff, 0, 0xff]);
    const p = await pair({ gossip: garbage }, {});
    expect(p.heard.bob).toEqual([garbage]);
    await talks(p);
  });

  it('the initiator claims extensions in the session id; releases before them read only the version', () => {
    const id = newSessionId([CHAT_VERSION.hybrid, CHAT_VERSION.classical]);
    expect([claimedVersion(id), claimsExtensions(id)]).toEqual([2, true]);
    // What a release before extensions computes from the claim byte (the highest version ≤ it): still 2.
    expect(Math.max(...[2, 1].filter((v) => v <= id[SESSION_ID_LENGTH - 1]!))).toBe(2);
    const old = newSessionId([CHAT_VERSION.hybrid, CHAT_VERSION.classical], false);
    expect([claimedVersion(old), claimsExtensions(old)]).toEqual([2, false]);
    expect(claimsExtensions(newSessionId([CHAT_VERSION.classical]))).toBe(false);
  });

  describe('with releases before handshake extensions', () => {
    const exactLengths = (p: Heard) => {
      const hs = p.room.captured.filter((c) => frameType(c.frame) !== FRAME_TYPE.message);
      // The frames a release before extensions accepts: exactly its lengths (decodeFrame without extensions).
      for (const { frame } of hs) expect(() => decodeFrame(frame, [1, 2], false)).not.toThrow();
    };

    it('a current initiator with a checkpoint and an older responder chat; nothing is gossiped', async () => {
      const p = await pair({ gossip: ALICE_GOSSIP }, { ...OLD, gossip: BOB_GOSSIP });
      expect([p.alice.session.state, p.bob.session.state, p.alice.session.postQuantum]).toEqual(['open', 'open', true]);
      expect(p.heard).toEqual({ alice: [], bob: [] });
      exactLengths(p);
      await talks(p);
      expect([...p.alice.errors, ...p.bob.errors]).toEqual([]);
    });

    it('an older initiator and a current responder with a checkpoint chat; nothing is gossiped', async () => {
      const p = await pair({ ...OLD, gossip: ALICE_GOSSIP }, { gossip: BOB_GOSSIP });
      expect([p.alice.session.state, p.bob.session.state]).toEqual(['open', 'open']);
      expect(p.heard).toEqual({ alice: [], bob: [] });
      exactLengths(p);
      await talks(p);
      expect([...p.alice.errors, ...p.bob.errors]).toEqual([]);
    });

    it('a version-1-only release and a current side chat classically', async () => {
      const p = await pair({ ...OLD, ...V1 }, { gossip: BOB_GOSSIP });
      expect([p.alice.session.state, p.bob.session.state, p.bob.session.postQuantum]).toEqual(['open', 'open', false]);
      expect(p.heard).toEqual({ alice: [], bob: [] });
      await talks(p);
    });
  });

  it('an impostor’s checkpoint is never heard: neither side’s handshake authenticates the pinned contact', async () => {
    const ids = await identities();
    for (const impostor of ['initiator', 'responder'] as const) {
      const room = new Room();
      // mallory takes the place of the side `impostor` names, with her own key and a checkpoint.
      const mallory = room.add('mallory', ids.mallory, impostor === 'initiator' ? ids.bob.publicKey : ids.alice.publicKey, { role: impostor, gossip: ALICE_GOSSIP });
      const victim = impostor === 'initiator' ? room.add('bob', ids.bob, ids.alice.publicKey, { gossip: BOB_GOSSIP }) : room.add('alice', ids.alice, ids.bob.publicKey, { gossip: ALICE_GOSSIP });
      const heard: Uint8Array[] = [];
      victim.session.on('gossip', (v) => heard.push(v));
      room.link('mallory', victim.name);
      await (impostor === 'initiator' ? victim : mallory).session.start();
      await (impostor === 'initiator' ? mallory : victim).session.start();
      await room.settle();
      // The handshake fails where the other key shows (the prologue binds both pinned keys): the victim never opens.
      expect([...victim.errors, ...mallory.errors].some((e) => e.code === 'key-mismatch' && e.fatal), impostor).toBe(true);
      expect(victim.session.state, impostor).not.toBe('open');
      expect(heard, impostor).toEqual([]);
    }
  });

  it('a value as long as the handshake allows travels; a longer one is refused when the session is made', async () => {
    // The list is u8 count ‖ u8 type ‖ u8 length ‖ value: 253 bytes of value fill MAX_HANDSHAKE_EXTENSIONS_LENGTH.
    const longest = new Uint8Array(MAX_HANDSHAKE_EXTENSIONS_LENGTH - 3).fill(7);
    const p = await pair({ gossip: longest }, {});
    expect(p.heard.bob).toEqual([longest]);
    const ids = await identities();
    const make = (gossip: Uint8Array) => new Room().add('alice', ids.alice, ids.bob.publicKey, { gossip });
    expect(() => make(new Uint8Array(longest.length + 1))).toThrow(expect.objectContaining({ code: 'too-large' }));
    expect(() => make(new Uint8Array(300))).toThrow(expect.objectContaining({ code: 'too-large' }));
  });

  describe('a relay that touches the gossip', () => {
    it('cutting the extension list off HS2 (as if the responder were older) fails the handshake: nothing is heard', async () => {
      const cut = (frame: Uint8Array) => (frameType(frame) === FRAME_TYPE.hs2 ? [frame.subarray(0, frame.length - 2 - BOB_GOSSIP.length - 1)] : [frame]);
      const p = await pair({ gossip: ALICE_GOSSIP }, { gossip: BOB_GOSSIP }, cut);
      expect(p.alice.session.state).toBe('ended');
      expect(p.alice.errors.some((e) => e.code === 'key-mismatch' && e.fatal)).toBe(true);
      expect(p.heard).toEqual({ alice: [], bob: [] });
    });

    it('altering a gossip byte in HS3 fails the handshake at the responder: nothing is heard', async () => {
      const flip = (frame: Uint8Array) => (frameType(frame) === FRAME_TYPE.hs3 ? [concat(frame.subarray(0, frame.length - 20), Uint8Array.of(frame[frame.length - 20]! ^ 1), frame.subarray(frame.length - 19))] : [frame]);
      const p = await pair({ gossip: ALICE_GOSSIP }, { gossip: BOB_GOSSIP }, flip);
      expect(p.bob.session.state).not.toBe('open');
      expect(p.heard.bob).toEqual([]);
    });

    it('an HS2 longer than any extension list is refused before any cryptography', () => {
      const body = new Uint8Array(32 + 48 + 144 + 257);
      expect(() => decodeFrame(concat(Uint8Array.of(1, FRAME_TYPE.hs2), new Uint8Array(SESSION_ID_LENGTH), body))).toThrow(/wrong length/);
      expect(() => decodeFrame(concat(Uint8Array.of(1, FRAME_TYPE.hs2), new Uint8Array(SESSION_ID_LENGTH), body.subarray(0, 32 + 48 + 144 + 1)), [1], false)).toThrow(/wrong length/);
    });
  });
});
