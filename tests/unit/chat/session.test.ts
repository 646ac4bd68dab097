// The secure-chat session over an in-memory relay that can drop, duplicate, reorder, replay, tamper with
// and intercept frames. Assertions are what a user would notice: states, shown messages, error codes.
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { buf, concat, utf8 } from '../../../lib/bytes';
import { SIGNATURE_CONTEXT, signWithContext } from '../../../lib/crypto/identity';
import { safetyNumber } from '../../../lib/crypto/safety-number';
import { isC2CError } from '../../../lib/errors';
import { CHAT_VERSION, FRAME_TYPE, decodeFrame, encodeFrame } from '../../../lib/chat/frame';
import { NoiseXXHandshake, generateX25519 } from '../../../lib/chat/noise';
import { certificateMessage, chatPrologue, chooseRole } from '../../../lib/chat/session';
import { Room, frameType, identities, openPair, sleep } from './harness';

const texts = (shown: Array<{ text: string }>) => shown.map((m) => m.text);

describe('secure chat session', () => {
  it('opens with a mutual handshake, shows the same safety number, and carries messages both ways in order', async () => {
    const { room, alice, bob, ids } = await openPair();
    expect([alice.session.state, bob.session.state]).toEqual(['open', 'open']);
    expect(alice.session.role).toBe('initiator');
    expect(bob.session.role).toBe('responder');
    const expected = await safetyNumber(ids.alice.publicKey, ids.bob.publicKey);
    expect(await alice.session.safetyNumber()).toBe(expected);
    expect(await bob.session.safetyNumber()).toBe(expected);

    await bob.session.sendText('hi alice, responder speaks first');
    await room.settle();
    await alice.session.sendText('hello bob 👋');
    await alice.session.sendText('второе сообщение');
    await room.settle();
    await bob.session.sendText('got both');
    await room.settle();
    expect(texts(bob.shown)).toEqual(['hi alice, responder speaks first', 'hello bob 👋', 'второе сообщение', 'got both']);
    expect(texts(alice.shown)).toEqual(texts(bob.shown));
    expect(bob.shown.map((m) => m.direction)).toEqual(['out', 'in', 'in', 'out']);
    expect(alice.shown.map((m) => m.id)).toEqual(bob.shown.map((m) => m.id));
    expect(texts(alice.session.transcript())).toEqual(texts(alice.shown));
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  it('never puts plaintext on the wire and pads messages to a size bucket', async () => {
    const { room, alice } = await openPair();
    await alice.session.sendText('the secret plan');
    const needle = Buffer.from('secret plan');
    for (const { frame } of room.captured) expect(Buffer.from(frame).includes(needle)).toBe(false);
    const messageFrames = room.captured.filter((c) => frameType(c.frame) === FRAME_TYPE.message);
    expect(messageFrames.map((c) => c.frame.length)).toEqual([18 + 40 + 256 + 16]);
  });

  it('refuses to send before the chat is open and refuses oversized texts', async () => {
    const ids = await identities();
    const room = new Room();
    const alice = room.add('alice', ids.alice, ids.bob.publicKey);
    await expect(alice.session.sendText('too early')).rejects.toSatisfy((e) => isC2CError(e, 'unsupported'));
    const pair = await openPair();
    await expect(pair.alice.session.sendText('x'.repeat(20_000))).rejects.toSatisfy((e) => isC2CError(e, 'too-large'));
    alice.session.destroy();
  });

  it('delivers reordered messages in order and rejects duplicates as replayed', async () => {
    const { room, alice, bob } = await openPair();
    const held: Uint8Array[] = [];
    room.relay = (f, from) => (from === 'alice' ? (held.push(f), []) : [f]);
    for (const t of ['one', 'two', 'three', 'four']) await alice.session.sendText(t);
    room.relay = (f) => [f];
    for (const f of [...held].reverse()) room.deliver('bob', f);
    room.deliver('bob', held[1]!); // the relay duplicates a frame
    await room.settle();
    expect(texts(bob.shown)).toEqual(['one', 'two', 'three', 'four']);
    expect(bob.errors.map((e) => e.code)).toEqual(['replayed']);
    expect(bob.session.state).toBe('open');
  });

  it('rejects tampered, truncated and garbage frames with a reason, and keeps the session', async () => {
    const { room, alice, bob } = await openPair();
    room.relay = (f, from) => {
      if (from !== 'alice' || frameType(f) !== FRAME_TYPE.message) return [f];
      const flipped = f.slice();
      flipped[f.length - 20]! ^= 0x40;
      return [flipped, f.subarray(0, 60), utf8('garbage that is not a frame at all'), new Uint8Array([9, 9, 9]), f];
    };
    await alice.session.sendText('authentic');
    await room.settle();
    expect(texts(bob.shown)).toEqual(['authentic']);
    expect(bob.errors.map((e) => e.code).sort()).toEqual(['truncated', 'truncated', 'tampered', 'unknown-version'].sort());
    expect(bob.errors.every((e) => !e.fatal && e.reason.length > 0)).toBe(true);
    room.relay = (f) => [f];
    await bob.session.sendText('still here');
    await room.settle();
    expect(texts(alice.shown)).toEqual(['authentic', 'still here']);
  });

  it('shows later messages after a dropped one, saying that a message did not arrive', async () => {
    const { room, alice, bob } = await openPair();
    let n = 0;
    room.relay = (f, from) => (from === 'alice' && frameType(f) === FRAME_TYPE.message && n++ === 1 ? [] : [f]);
    for (const t of ['a', 'b', 'c', 'd']) await alice.session.sendText(t);
    await room.settle();
    await sleep(150); // reorderWaitMs is 100 in the harness
    expect(texts(bob.shown)).toEqual(['a', 'c', 'd']);
    expect(bob.errors).toEqual([{ code: 'truncated', reason: '1 message did not arrive', fatal: false, lost: 1 }]);
  });

  it('rejects frames replayed from an older session between the same people', async () => {
    const first = await openPair();
    await first.alice.session.sendText('from the old session');
    await first.room.settle();
    const old = first.room.captured.map((c) => c.frame);
    await first.alice.session.end();

    const room = new Room(first.room.roomId);
    const alice = room.add('alice', first.ids.alice, first.ids.bob.publicKey);
    const bob = room.add('bob', first.ids.bob, first.ids.alice.publicKey);
    room.link('alice', 'bob');
    await bob.session.start();
    await alice.session.start();
    await room.settle();
    for (const f of old) room.deliver('bob', f);
    for (const f of old) room.deliver('alice', f);
    await room.settle();
    expect([alice.session.state, bob.session.state]).toEqual(['open', 'open']);
    expect([...alice.shown, ...bob.shown]).toEqual([]);
    expect(new Set([...alice.errors, ...bob.errors].map((e) => e.code))).toEqual(new Set(['replayed', 'unsupported']));
    await alice.session.sendText('new session works');
    await room.settle();
    expect(texts(bob.shown)).toEqual(['new session works']);
  });

  it('fails visibly and sends nothing when the responder proves another identity (key-mismatch)', async () => {
    const ids = await identities();
    const room = new Room();
    const alice = room.add('alice', ids.alice, ids.bob.publicKey);
    await alice.session.start();
    const hs1 = decodeFrame(alice.sent[0]!);
    // Mallory answers, in either version, with the right prologue but her own identity; then with Bob's
    // identity and her signature.
    const cases = [CHAT_VERSION.hybrid, CHAT_VERSION.classical].flatMap((version) =>
      ([[ids.mallory.publicKey, 'key-mismatch'], [ids.bob.publicKey, 'bad-signature']] as const).map(([claimed, expectedCode]) => ({ version, claimed, expectedCode })),
    );
    for (const { version, claimed, expectedCode } of cases) {
      const victim = room.add(`alice-${version}-${expectedCode}`, ids.alice, ids.bob.publicKey);
      await victim.session.start();
      const own = decodeFrame(victim.sent.find((f) => f[0] === version)!);
      const s = await generateX25519();
      const prologue = chatPrologue(version, room.roomId, own.sessionId, ids.alice.publicKey, ids.bob.publicKey);
      const noise = new NoiseXXHandshake({ initiator: false, prologue, s, hybrid: version === CHAT_VERSION.hybrid });
      await noise.readMessage(own.body);
      const sig = await signWithContext(ids.mallory.privateKey, SIGNATURE_CONTEXT.chatStatic, certificateMessage(s.publicKey, room.roomId, own.sessionId));
      const hs2 = encodeFrame(version, FRAME_TYPE.hs2, own.sessionId, await noise.writeMessage(concat(claimed, sig, (await generateX25519()).publicKey)));
      await victim.session.receive(hs2);
      expect(victim.errors).toEqual([expect.objectContaining({ code: expectedCode, fatal: true })]);
      expect(victim.session.state).toBe('ended');
      // No HS3, no message: only the first frame, which the session repeats every 50 ms until answered
      // (more than once when the machine is slow).
      expect(victim.sent.length).toBeGreaterThan(0);
      expect(new Set(victim.sent.map(frameType))).toEqual(new Set([FRAME_TYPE.hs1]));
      const sentAtEnd = victim.sent.length;
      await sleep(120);
      expect(victim.sent.length).toBe(sentAtEnd); // and it stops repeating once ended
      await expect(victim.session.sendText('secret')).rejects.toSatisfy((e) => isC2CError(e, 'unsupported'));
    }
    expect(hs1.type).toBe(FRAME_TYPE.hs1);
    alice.session.destroy();
  });

  it('a relay running two handshakes in the middle gets neither side to open or send anything', async () => {
    const ids = await identities();
    const room = new Room();
    const alice = room.add('alice', ids.alice, ids.bob.publicKey);
    const bob = room.add('bob', ids.bob, ids.alice.publicKey);
    // Mallory holds her own identity and pretends to each side, expecting their real keys.
    const m1 = room.add('m-for-alice', ids.mallory, ids.alice.publicKey, { role: 'responder' });
    const m2 = room.add('m-for-bob', ids.mallory, ids.bob.publicKey, { role: 'initiator' });
    room.routes.set('alice', 'm-for-alice').set('m-for-alice', 'alice');
    room.routes.set('bob', 'm-for-bob').set('m-for-bob', 'bob');
    for (const p of [bob, m1, alice, m2]) await p.session.start();
    await room.settle();
    await sleep(120);
    // Alice (initiator) sees Mallory's answer fail and ends visibly. Bob (responder) is never sent a
    // valid last handshake frame: Mallory's own session rejected Bob's answer, so Bob stays 'connecting'.
    expect(alice.session.state).toBe('ended');
    expect(alice.errors[0]).toEqual(expect.objectContaining({ code: 'key-mismatch', fatal: true }));
    expect(m2.session.state).toBe('ended');
    expect(m2.errors[0]).toEqual(expect.objectContaining({ code: 'key-mismatch', fatal: true }));
    expect(bob.session.state).toBe('connecting');
    for (const victim of [alice, bob]) {
      expect(victim.sent.some((f) => frameType(f) === FRAME_TYPE.message || frameType(f) === FRAME_TYPE.hs3)).toBe(false);
    }
    await expect(bob.session.sendText('secret')).rejects.toSatisfy((e) => isC2CError(e, 'unsupported'));
    bob.session.destroy();
    m1.session.destroy();
    m2.session.destroy();
  });

  it('ends on both sides when either side ends, and a relay cannot forge or alter the end', async () => {
    for (const ender of ['alice', 'bob'] as const) {
      const { room, alice, bob } = await openPair();
      await alice.session.sendText('before the end');
      await room.settle();
      const [me, other] = ender === 'alice' ? [alice, bob] : [bob, alice];
      await me.session.end();
      await room.settle();
      expect([alice.session.state, bob.session.state]).toEqual(['ended', 'ended']);
      expect([alice.session.transcript(), bob.session.transcript()]).toEqual([[], []]);
      expect(other.states.at(-1)).toBe('ended');
    }

    const { room, alice, bob } = await openPair();
    room.relay = (f, from) => {
      if (from !== 'alice' || frameType(f) !== FRAME_TYPE.message) return [f];
      const altered = f.slice();
      altered[30]! ^= 1;
      return [altered];
    };
    await alice.session.end();
    await room.settle();
    expect(bob.session.state).toBe('open');
    expect(bob.errors.map((e) => e.code)).toEqual(['tampered']);
    bob.session.destroy();
  });

  it('survives a transport outage: the handshake is retried and the end is repeated to a peer that missed it', async () => {
    const ids = await identities();
    const room = new Room();
    const alice = room.add('alice', ids.alice, ids.bob.publicKey);
    const bob = room.add('bob', ids.bob, ids.alice.publicKey);
    room.link('alice', 'bob');
    let up = false;
    room.relay = (f) => (up ? [f] : []);
    await alice.session.start(); // HS1 lost: bob has not joined / the relay restarts
    await bob.session.start();
    await sleep(80);
    expect(alice.session.state).toBe('connecting');
    up = true; // reconnected
    await sleep(150);
    await room.settle();
    expect([alice.session.state, bob.session.state]).toEqual(['open', 'open']);

    up = false;
    await alice.session.sendText('lost in the outage');
    await alice.session.end(); // the end frame is lost too
    up = true;
    expect(bob.session.state).toBe('open');
    await sleep(60);
    await bob.session.sendText('are you there?'); // alice's ended session answers with its end frame
    await room.settle();
    expect(bob.session.state).toBe('ended');
    expect(bob.shown.map((m) => m.direction)).toEqual(['out']); // alice's lost message never appears
    expect(bob.session.transcript()).toEqual([]);
  });

  it('expires timed messages on both sides', async () => {
    const { room, alice, bob } = await openPair();
    const timed = await alice.session.sendText('self-destructing', { ttlMs: 150 });
    await alice.session.sendText('stays');
    await room.settle();
    expect(texts(bob.session.transcript())).toEqual(['self-destructing', 'stays']);
    expect(bob.shown[0]!.expiresAt! - bob.shown[0]!.at).toBe(150);
    await sleep(250);
    expect(alice.expired).toEqual([timed.id]);
    expect(bob.expired).toEqual([timed.id]);
    expect(texts(alice.session.transcript())).toEqual(['stays']);
    expect(texts(bob.session.transcript())).toEqual(['stays']);
  });

  it('after the end, nothing reachable from either session can decrypt the captured frames', async () => {
    const { room, alice, bob } = await openPair();
    for (let i = 0; i < 4; i++) {
      await alice.session.sendText(`alice ${i}`);
      await bob.session.sendText(`bob ${i}`);
    }
    // Leave skipped keys behind: a frame bob never receives.
    room.relay = (f, from) => (from === 'alice' ? [] : [f]);
    await alice.session.sendText('never delivered');
    room.relay = (f) => [f];
    await alice.session.sendText('delivered');
    await room.settle();
    const messages = room.captured.filter((c) => frameType(c.frame) === FRAME_TYPE.message).map((c) => c.frame);
    // The handshake hash is computable from the captured handshake, so a thief knows the associated data.
    const h = (Reflect.get(Reflect.get(bob.session, 'ratchet') as object, 'ad') as Uint8Array).slice();
    // Control: while the session lives, the skipped key bob holds does open the frame he never got.
    const skipped = [...(Reflect.get(Reflect.get(bob.session, 'ratchet') as object, 'skipped') as Map<string, Uint8Array>).values()];
    expect(skipped.length).toBe(1);
    expect(await opens(skipped[0]!.slice(), h, messages.at(-2)!)).toBe(true);

    await alice.session.end();
    await room.settle();
    expect([alice.session.state, bob.session.state]).toEqual(['ended', 'ended']);

    const found = { keys: 0, bytes: [] as Uint8Array[] };
    for (const s of [alice.session, bob.session]) walk(s, found, new Set());
    expect(found.keys).toBe(0); // no CryptoKey (identity, X25519, AES) is reachable any more
    const candidates = found.bytes.filter((b) => b.length >= 32 && b.some((x) => x !== 0));
    expect(messages.length).toBe(10);
    for (const frame of messages) {
      for (const candidate of candidates) {
        for (let at = 0; at + 32 <= candidate.length; at++) {
          const key = candidate.subarray(at, at + 32);
          // As a message key, and as a chain key one step before it.
          for (const mk of [key, hmac(sha256, key, new Uint8Array([1]))]) expect(await opens(mk, h, frame)).toBe(false);
        }
      }
    }
    // Feeding the captured frames back shows nothing.
    for (const { frame } of room.captured) {
      await alice.session.receive(frame);
      await bob.session.receive(frame);
    }
    expect([alice.session.transcript(), bob.session.transcript()]).toEqual([[], []]);
  });

  it('chooses roles deterministically and reports a misconfigured double initiator without opening', async () => {
    const ids = await identities();
    expect(chooseRole(ids.alice.publicKey, ids.bob.publicKey)).toBe('initiator');
    expect(chooseRole(ids.bob.publicKey, ids.alice.publicKey)).toBe('responder');
    expect(() => chooseRole(ids.bob.publicKey, ids.bob.publicKey)).toThrow();
    const room = new Room();
    const a = room.add('a', ids.alice, ids.bob.publicKey, { role: 'initiator' });
    const b = room.add('b', ids.bob, ids.alice.publicKey, { role: 'initiator' });
    room.link('a', 'b');
    await a.session.start();
    await b.session.start();
    await room.settle();
    expect([a.session.state, b.session.state]).toEqual(['connecting', 'connecting']);
    expect(a.errors[0]?.code).toBe('unsupported');
    a.session.destroy();
    b.session.destroy();
  });
});

/** Collects every CryptoKey and byte array reachable from `v` (own properties, maps, sets, arrays). */
function walk(v: unknown, found: { keys: number; bytes: Uint8Array[] }, seen: Set<unknown>): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if (v instanceof CryptoKey) {
    found.keys++;
    return;
  }
  if (v instanceof Uint8Array) {
    found.bytes.push(v);
    return;
  }
  if (v instanceof Promise) return;
  if (v instanceof Map) {
    for (const [k, x] of v) {
      walk(k, found, seen);
      walk(x, found, seen);
    }
  } else if (v instanceof Set) for (const x of v) walk(x, found, seen);
  else for (const key of Reflect.ownKeys(v)) walk((v as Record<string | symbol, unknown>)[key], found, seen);
}

/** Tries a candidate message key the way the ratchet uses one (HKDF → AES key and nonce). */
async function opens(mk: Uint8Array, h: Uint8Array, frame: Uint8Array): Promise<boolean> {
  const okm = hkdf(sha256, mk, new Uint8Array(32), utf8('c2c/chat/v1/message'), 44);
  const key = await crypto.subtle.importKey('raw', buf(okm.subarray(0, 32)), { name: 'AES-GCM' }, false, ['decrypt']);
  try {
    const additionalData = buf(concat(h, frame.subarray(0, 58))); // handshake hash ‖ frame prefix ‖ ratchet header
    await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(okm.slice(32)), additionalData }, key, buf(frame.subarray(58)));
    return true;
  } catch {
    return false;
  }
}
