// The post-quantum secure chat (protocol version 2: Noise XXhfs with X-Wing) against the classical
// version 1, over the in-memory hostile relay: which version two parties end up in, that a relay cannot
// push two version-2 parties down to version 1, that an altered KEM key or ciphertext never opens a
// session, and that version-1-only parties (`versions: [1]`, behaving as a release before version 2)
// still talk to each other and to version-2 parties.
import { describe, expect, it } from 'vitest';
import { concat, toHex } from '../../../lib/bytes';
import { CHAT_VERSION, FRAME_TYPE, SESSION_ID_LENGTH, decodeFrame } from '../../../lib/chat/frame';
import { claimedVersion, newSessionId, type ChatSessionOptions } from '../../../lib/chat/session';
import { XWING_PUBLIC_KEY_LENGTH } from '../../../lib/crypto/xwing';
import { Room, frameType, identities, openPair, sleep, type Peer } from './harness';

const V1: Partial<ChatSessionOptions> = { versions: [CHAT_VERSION.classical] };
const version = (f: Uint8Array): number => f[0]!;
const PREFIX = 2 + SESSION_ID_LENGTH;
const texts = (p: Peer) => p.shown.map((m) => m.text);

async function talk(room: Room, alice: Peer, bob: Peer): Promise<void> {
  await alice.session.sendText('from alice');
  await bob.session.sendText('from bob');
  await room.settle();
  expect(texts(bob)).toEqual(['from bob', 'from alice']);
  expect(texts(alice)).toEqual(['from alice', 'from bob']);
}

describe('post-quantum secure chat (version 2)', () => {
  it('two current parties open a post-quantum session: handshake frames are version 2 and carry the KEM', async () => {
    const { room, alice, bob } = await openPair();
    expect([alice.session.state, bob.session.state]).toEqual(['open', 'open']);
    expect([alice.session.postQuantum, bob.session.postQuantum]).toEqual([true, true]);
    await talk(room, alice, bob);
    // bob answered only the version-2 HS1 (its payload ends with an empty handshake extension list), and
    // every message travels as version 2.
    expect(new Set(bob.sent.filter((f) => frameType(f) === FRAME_TYPE.hs2).map((f) => `${version(f)}:${f.length}`))).toEqual(new Set([`2:${PREFIX + 1360 + 1}`]));
    expect(new Set(room.captured.filter((c) => frameType(c.frame) === FRAME_TYPE.message).map((c) => version(c.frame)))).toEqual(new Set([2]));
    const hs1 = alice.sent.filter((f) => frameType(f) === FRAME_TYPE.hs1).map((f) => decodeFrame(f));
    // Best first, then the classical fallback for a version-1 responder, under one session id.
    expect(hs1.slice(0, 2).map((f) => [f.version, f.body.length])).toEqual([[2, 32 + XWING_PUBLIC_KEY_LENGTH], [1, 32]]);
    expect(hs1[1]!.sessionId).toEqual(hs1[0]!.sessionId);
    expect(claimedVersion(hs1[0]!.sessionId)).toBe(2);
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  it('both sides get the same per-contact post-quantum secret, once, and a new chat gives a new one', async () => {
    const first = await openPair();
    await talk(first.room, first.alice, first.bob);
    expect(first.alice.secrets).toHaveLength(1);
    expect(toHex(first.alice.secrets[0]!)).toBe(toHex(first.bob.secrets[0]!));
    expect(first.alice.secrets[0]).toHaveLength(32);
    const second = await openPair();
    expect(toHex(second.alice.secrets[0]!)).toBe(toHex(second.bob.secrets[0]!));
    expect(toHex(second.alice.secrets[0]!)).not.toBe(toHex(first.alice.secrets[0]!));
  });

  it('postQuantum is null until the session is open', async () => {
    const ids = await identities();
    const room = new Room();
    const alice = room.add('alice', ids.alice, ids.bob.publicKey);
    await alice.session.start();
    expect(alice.session.postQuantum).toBeNull();
    alice.session.destroy();
  });

  it('session ids carry the version claim only from a side that speaks version 2', () => {
    for (let i = 0; i < 20; i++) {
      expect(claimedVersion(newSessionId([CHAT_VERSION.hybrid, CHAT_VERSION.classical]))).toBe(2);
      expect(claimedVersion(newSessionId([CHAT_VERSION.classical]))).toBe(1);
      expect(newSessionId([CHAT_VERSION.classical])).toHaveLength(SESSION_ID_LENGTH);
    }
  });

  describe('interoperability with version-1-only parties', () => {
    it('two version-1 parties talk classically, exactly as before: no version-2 frame, no version claim', async () => {
      const { room, alice, bob } = await openPair(V1, V1);
      expect([alice.session.postQuantum, bob.session.postQuantum]).toEqual([false, false]);
      await talk(room, alice, bob);
      expect(room.captured.every((c) => version(c.frame) === 1)).toBe(true);
      expect(claimedVersion(decodeFrame(alice.sent[0]!).sessionId)).toBe(1);
      expect(alice.sent.filter((f) => frameType(f) === FRAME_TYPE.hs1).every((f) => f.length === PREFIX + 32)).toBe(true);
      expect([...alice.errors, ...bob.errors]).toEqual([]);
    });

    it('a current initiator and a version-1 responder fall back to classical; the old side only notes the unknown version', async () => {
      const { room, alice, bob } = await openPair({}, V1);
      expect([alice.session.state, bob.session.state]).toEqual(['open', 'open']);
      expect([alice.session.postQuantum, bob.session.postQuantum]).toEqual([false, false]);
      await talk(room, alice, bob);
      // A classical session gives no post-quantum secret to either side.
      expect([...alice.secrets, ...bob.secrets]).toEqual([]);
      expect(alice.errors).toEqual([]);
      expect(bob.errors.length).toBeGreaterThan(0);
      expect(bob.errors.every((e) => e.code === 'unknown-version' && !e.fatal)).toBe(true);
    });

    it('a version-1 initiator and a current responder talk classically', async () => {
      const { room, alice, bob } = await openPair(V1, {});
      expect([alice.session.postQuantum, bob.session.postQuantum]).toEqual([false, false]);
      await talk(room, alice, bob);
      expect([...alice.errors, ...bob.errors]).toEqual([]);
    });
  });

  describe('downgrade', () => {
    it('a relay that removes the version-2 handshake gets no classical session: the responder refuses and says why', async () => {
      let dropV2 = true;
      const { room, alice, bob } = await openPair({}, {}, (f) => (dropV2 && version(f) === 2 ? [] : [f]));
      await sleep(150); // several retries
      await room.settle();
      expect([alice.session.state, bob.session.state]).toEqual(['connecting', 'connecting']);
      // bob never answered the classical HS1 it got.
      expect(bob.sent).toEqual([]);
      expect(bob.errors.length).toBeGreaterThan(0);
      expect(bob.errors.every((e) => e.code === 'tampered' && !e.fatal && /post-quantum/.test(e.reason))).toBe(true);
      // Once the relay stops interfering, the retries open the post-quantum session.
      dropV2 = false;
      await sleep(150);
      await room.settle();
      expect([alice.session.postQuantum, bob.session.postQuantum]).toEqual([true, true]);
      await talk(room, alice, bob);
    });

    it('stripping the version claim from the session id breaks the transcript: the initiator ends, nothing opens classically', async () => {
      const ids = await identities();
      const room = new Room();
      const original = new Map<string, Uint8Array>();
      const key = (sid: Uint8Array) => Buffer.from(sid).toString('hex');
      // The relay drops version 2, rewrites the claim in alice's HS1 to a random tail, and restores
      // alice's session id in bob's answers so that alice takes them.
      room.relay = (f, from) => {
        if (version(f) === 2) return [];
        const sid = f.subarray(2, PREFIX);
        if (from === 'alice') {
          const forged = concat(sid.subarray(0, 8), crypto.getRandomValues(new Uint8Array(8)));
          original.set(key(forged), sid.slice());
          return [concat(f.subarray(0, 2), forged, f.subarray(PREFIX))];
        }
        const real = original.get(key(sid));
        return [real ? concat(f.subarray(0, 2), real, f.subarray(PREFIX)) : f];
      };
      const alice = room.add('alice', ids.alice, ids.bob.publicKey);
      const bob = room.add('bob', ids.bob, ids.alice.publicKey);
      room.link('alice', 'bob');
      await bob.session.start();
      await alice.session.start();
      await room.settle();
      expect(bob.sent.some((f) => frameType(f) === FRAME_TYPE.hs2)).toBe(true); // bob did answer the forged HS1
      expect(alice.errors).toContainEqual(expect.objectContaining({ code: 'key-mismatch', fatal: true }));
      expect(alice.session.state).toBe('ended');
      expect(alice.states).not.toContain('open');
      expect(bob.states).not.toContain('open');
      bob.session.destroy();
    });
  });

  describe('altered KEM material', () => {
    it('an altered KEM ciphertext in HS2 ends the handshake at the initiator; neither side opens', async () => {
      const { alice, bob } = await openPair({}, {}, (f) => {
        if (version(f) !== 2 || frameType(f) !== FRAME_TYPE.hs2) return [f];
        const altered = f.slice();
        altered[PREFIX + 32 + 500]! ^= 0x01; // inside enc(ekem1 ciphertext)
        return [altered];
      });
      expect(alice.errors).toContainEqual(expect.objectContaining({ code: 'key-mismatch', fatal: true }));
      expect(alice.session.state).toBe('ended');
      expect(bob.states).not.toContain('open');
      expect(alice.sent.some((f) => frameType(f) === FRAME_TYPE.hs3 || frameType(f) === FRAME_TYPE.message)).toBe(false);
      bob.session.destroy();
    });

    it('an altered (still valid) KEM public key in HS1 makes the transcripts differ: the initiator ends, nothing opens', async () => {
      const { alice, bob } = await openPair({}, {}, (f) => {
        if (version(f) === 1) return [];
        if (frameType(f) !== FRAME_TYPE.hs1) return [f];
        const altered = f.slice();
        altered[PREFIX + 32 + 1184 + 5]! ^= 0x01; // the X25519 part of the X-Wing key
        return [altered];
      });
      expect(alice.errors).toContainEqual(expect.objectContaining({ code: 'key-mismatch', fatal: true }));
      expect(alice.states).not.toContain('open');
      expect(bob.states).not.toContain('open');
      bob.session.destroy();
    });

    it('an invalid ML-KEM key in HS1 is refused by the responder with a specific error, and it keeps waiting', async () => {
      const { alice, bob } = await openPair({}, {}, (f) => {
        if (version(f) === 1) return [];
        if (frameType(f) !== FRAME_TYPE.hs1) return [f];
        const altered = f.slice();
        altered[PREFIX + 32] = 0xff;
        altered[PREFIX + 33] = 0xff; // a coefficient ≥ q
        return [altered];
      });
      expect(bob.errors).toContainEqual(expect.objectContaining({ code: 'malformed', fatal: false }));
      expect(bob.sent).toEqual([]);
      expect([alice.session.state, bob.session.state]).toEqual(['connecting', 'connecting']);
      alice.session.destroy();
      bob.session.destroy();
    });

    it('a version-2 message frame re-labelled as version 1 is rejected as tampered and changes nothing', async () => {
      const { room, alice, bob } = await openPair();
      let relabel = true;
      room.relay = (f) => {
        if (!relabel || frameType(f) !== FRAME_TYPE.message) return [f];
        relabel = false;
        const copy = f.slice();
        copy[0] = 1;
        return [copy, f];
      };
      await alice.session.sendText('once');
      await room.settle();
      expect(texts(bob)).toEqual(['once']);
      expect(bob.errors).toEqual([expect.objectContaining({ code: 'tampered', fatal: false })]);
    });
  });
});
