import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buf, concat, fromUtf8, toHex, utf8 } from '../../../lib/bytes';
import { fingerprint } from '../../../lib/crypto/identity';
import { MAX_FUTURE_SKEW_MS, MAX_MESSAGE_BYTES, MAX_RECIPIENTS, messageDigest, openMessage, sealMessage } from '../../../lib/crypto/message';
import { pad } from '../../../lib/crypto/padding';
import { generatePrekey } from '../../../lib/crypto/prekey';
import { MemoryReplayCache } from '../../../lib/crypto/replay-cache';
import { importX25519Public } from '../../../lib/crypto/x25519';
import type { C2CErrorCode } from '../../../lib/errors';
import { bundleOf, codeOf, makeUser, type TestUser } from './fixtures';

const seal = (from: TestUser, to: TestUser[], text: string, extra: { timestamp?: number; messageId?: Uint8Array } = {}) =>
  sealMessage({ sender: { identity: from.identity, prekey: from.prekey }, recipients: to.map((u) => u.bundle), plaintext: utf8(text), ...extra });

// Layout offsets (docs/FORMATS.md): fixed header is 167 bytes, then 40-byte wrap heads, 48-byte wrapped keys.
const FIXED = 167;

let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
beforeAll(async () => {
  [alice, bob, carol] = await Promise.all([makeUser(), makeUser(), makeUser()]);
});

describe('sealMessage / openMessage', () => {
  it('round-trips to one recipient, who learns the authenticated sender, id, time and recipients', async () => {
    const messageId = new Uint8Array(16).fill(7);
    const sealed = await seal(alice, [bob], 'hello Bob', { timestamp: 1_700_000_000_000, messageId });
    expect(sealed[0]).toBe(0x01);
    const opened = await openMessage(sealed, bob.me);
    expect(fromUtf8(opened.plaintext)).toBe('hello Bob');
    expect(opened.sender.identityKey).toEqual(alice.identity.publicKey);
    expect(opened.sender.prekey.publicKey).toEqual(alice.prekey.publicKey);
    expect(opened.senderFingerprint).toBe(await fingerprint(alice.identity.publicKey));
    expect(opened.messageId).toBe(toHex(messageId));
    expect(opened.timestamp).toBe(1_700_000_000_000);
    expect(opened.recipients).toEqual([bob.identity.publicKey, alice.identity.publicKey]);
    expect(opened.replay).toBe('fresh');
  });

  it('the sender can always read its own message (added once, even if listed)', async () => {
    const sealed = await seal(alice, [bob, alice, bob], 'note to self and Bob');
    const opened = await openMessage(sealed, alice.me);
    expect(fromUtf8(opened.plaintext)).toBe('note to self and Bob');
    expect(opened.recipients).toHaveLength(2);
    const onlySelf = await seal(alice, [], 'just me');
    expect(fromUtf8((await openMessage(onlySelf, alice.me)).plaintext)).toBe('just me');
  });

  it('round-trips to 10 recipients, each of whom can read it', async () => {
    const group = await Promise.all(Array.from({ length: 10 }, () => makeUser()));
    const sealed = await seal(alice, group, 'group hello');
    for (const member of group) {
      const opened = await openMessage(sealed, member.me);
      expect(fromUtf8(opened.plaintext)).toBe('group hello');
      expect(opened.recipients).toHaveLength(11);
    }
  });

  it('a non-recipient gets not-addressed', async () => {
    const sealed = await seal(alice, [bob], 'not for Carol');
    expect(await codeOf(openMessage(sealed, carol.me))).toBe('not-addressed');
    expect(await codeOf(openMessage(sealed, { identityKey: carol.identity.publicKey, prekeys: [] }))).toBe('not-addressed');
  });

  it('a prekey used under another identity gets not-addressed (the inner recipient list binds identities)', async () => {
    const sealed = await seal(alice, [bob], 'for Bob');
    expect(await codeOf(openMessage(sealed, { identityKey: carol.identity.publicKey, prekeys: bob.me.prekeys }))).toBe('not-addressed');
  });

  it('keeps Cyrillic and emoji text intact', async () => {
    const text = 'Привет, Боб! Шифрование 🔐🙂 — ёЁ 𝄞';
    const opened = await openMessage(await seal(alice, [bob], text), bob.me);
    expect(fromUtf8(opened.plaintext)).toBe(text);
  });

  it('sizes reveal only the padding bucket', async () => {
    const short = await seal(alice, [bob], 'a');
    const longer = await seal(alice, [bob], 'a'.repeat(150));
    const bigger = await seal(alice, [bob], 'a'.repeat(300));
    expect(short.length).toBe(631); // docs/FORMATS.md: 167 + 2 × 88 + 272 + 16
    expect(short.length).toBe(longer.length);
    expect(bigger.length - short.length).toBe(1024 - 256);
  });

  it('works with non-extractable keys on both sides and with extractable ones', async () => {
    const [x, y] = await Promise.all([makeUser({ extractable: true }), makeUser({ extractable: false })]);
    expect(y.prekey.privateKey.extractable).toBe(false);
    expect(fromUtf8((await openMessage(await seal(x, [y], 'x→y'), y.me)).plaintext)).toBe('x→y');
    expect(fromUtf8((await openMessage(await seal(y, [x], 'y→x'), x.me)).plaintext)).toBe('y→x');
  });

  it('prekey rotation: the old prekey still opens old messages; new messages go to the new prekey', async () => {
    const old = await seal(alice, [bob], 'before rotation');
    const rotated = await generatePrekey(bob.identity);
    const newBob: TestUser = { ...bob, prekey: rotated, bundle: bundleOf(bob.identity, rotated) };
    const fresh = await seal(alice, [newBob], 'after rotation');
    const keeps = { identityKey: bob.identity.publicKey, prekeys: [rotated, bob.prekey] };
    expect(fromUtf8((await openMessage(old, keeps)).plaintext)).toBe('before rotation');
    expect(fromUtf8((await openMessage(fresh, keeps)).plaintext)).toBe('after rotation');
    // Having dropped the old prekey, the old message can no longer be opened.
    expect(await codeOf(openMessage(old, { identityKey: bob.identity.publicKey, prekeys: [rotated] }))).toBe('not-addressed');
    // The sender rotating is fine too: the message carries the sender's signed prekey.
    const aliceRotated = await generatePrekey(alice.identity);
    const fromRotated = await sealMessage({ sender: { identity: alice.identity, prekey: aliceRotated }, recipients: [bob.bundle], plaintext: utf8('hi') });
    expect((await openMessage(fromRotated, bob.me)).sender.prekey.publicKey).toEqual(aliceRotated.publicKey);
  });

  it('refuses to seal to a bundle with a forged prekey signature, and more than 64 recipients', async () => {
    const forged = { ...bob.bundle, prekey: { ...bob.bundle.prekey, publicKey: carol.prekey.publicKey } };
    expect(await codeOf(sealMessage({ sender: { identity: alice.identity, prekey: alice.prekey }, recipients: [forged], plaintext: utf8('x') }))).toBe('bad-signature');
    const many = Array.from({ length: MAX_RECIPIENTS }, (_, i) => ({ ...bob.bundle, identityKey: new Uint8Array(32).fill(i + 1) }));
    expect(await codeOf(sealMessage({ sender: { identity: alice.identity, prekey: alice.prekey }, recipients: many, plaintext: utf8('x') }))).toBe('too-large');
  });
});

describe('hostile input', () => {
  let sealed: Uint8Array;
  beforeAll(async () => {
    sealed = await seal(alice, [bob, carol], 'PAY 100 to Carol');
  });

  it('every single-byte flip in header, wraps, body and MAC is rejected with a specific error', async () => {
    const wrapsEnd = FIXED + 3 * 40 + 3 * 48;
    const positions = new Set<number>();
    for (let i = 0; i < wrapsEnd; i += 3) positions.add(i); // every third header/wrap byte
    for (let i = wrapsEnd; i < sealed.length; i += 29) positions.add(i); // sampled body
    for (let i = sealed.length - 20; i < sealed.length; i++) positions.add(i); // body tag and MAC
    const codes = new Set<C2CErrorCode>();
    for (const at of positions) {
      const tampered = sealed.slice();
      tampered[at]! ^= 0x01;
      const code = await codeOf(openMessage(tampered, bob.me));
      expect(['unknown-version', 'malformed', 'truncated', 'bad-signature', 'not-addressed', 'tampered'], `byte ${at}`).toContain(code);
      codes.add(code);
    }
    expect(codes).toContain('tampered');
    expect(codes).toContain('bad-signature'); // flips inside the sender's signed prekey
    expect(codes).toContain('unknown-version'); // the first two bytes
  });

  it('another recipient\'s wrap altered is detected too, not silently ignored', async () => {
    // Carol's wrapped key (the second wrap) sits after the three wrap heads.
    const carolsWrappedKey = FIXED + 3 * 40 + 48 + 10;
    const tampered = sealed.slice();
    tampered[carolsWrappedKey]! ^= 0x80;
    expect(await codeOf(openMessage(tampered, bob.me))).toBe('tampered');
  });

  it('truncation at any length is rejected as truncated; extra bytes as malformed', async () => {
    for (let cut = 0; cut < sealed.length; cut += cut < 400 ? 7 : 61) {
      expect(await codeOf(openMessage(sealed.slice(0, cut), bob.me)), `cut at ${cut}`).toBe('truncated');
    }
    expect(await codeOf(openMessage(sealed.slice(0, -1), bob.me))).toBe('truncated');
    expect(await codeOf(openMessage(new Uint8Array([...sealed, 0]), bob.me))).toBe('malformed');
  });

  it('wrong version or suite bytes are unknown-version; garbage is rejected', async () => {
    for (const [at, value] of [[0, 0x02], [0, 0x00], [0, 0xff], [1, 0x02]] as const) {
      const changed = sealed.slice();
      changed[at] = value;
      expect(await codeOf(openMessage(changed, bob.me))).toBe('unknown-version');
    }
    const garbage = crypto.getRandomValues(new Uint8Array(900));
    garbage[0] = 0x01;
    garbage[1] = 0x01;
    expect(['malformed', 'truncated', 'bad-signature']).toContain(await codeOf(openMessage(garbage, bob.me)));
    expect(await codeOf(openMessage(new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(1), bob.me))).toBe('too-large');
  });

  it('a sender prekey re-signed by nobody (swapped sender keys) is bad-signature', async () => {
    const mallory = await makeUser();
    const swapped = sealed.slice();
    swapped.set(mallory.identity.publicKey, 26); // claim Mallory as sender, keeping Alice's prekey
    expect(await codeOf(openMessage(swapped, bob.me))).toBe('bad-signature');
  });

  it('a recipient who knows the content key cannot pass off a different body to the others', async () => {
    // Bob (a legitimate recipient) unwraps the content key from his own wrap, as his client would,
    // then re-encrypts a different body with it, keeping every header byte and wrap.
    const headerEnd = FIXED + 3 * 40;
    const keysEnd = headerEnd + 3 * 48;
    const header = sealed.subarray(0, headerEnd);
    const body = sealed.subarray(keysEnd, sealed.length - 16);
    const sha256 = async (b: Uint8Array) => new Uint8Array(await crypto.subtle.digest('SHA-256', buf(b)));
    const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
    const ctx = await suite.createRecipientContext({
      recipientKey: { privateKey: bob.prekey.privateKey, publicKey: await importX25519Public(bob.prekey.publicKey) },
      enc: sealed.slice(FIXED + 8, FIXED + 40), // Bob's wrap is the first one
      senderPublicKey: await importX25519Public(alice.prekey.publicKey),
      info: utf8('c2c/v1/message'),
    });
    const contentKey = new Uint8Array(await ctx.open(sealed.slice(headerEnd, headerEnd + 48), concat(header, await sha256(body))));
    const ikm = await crypto.subtle.importKey('raw', contentKey, 'HKDF', false, ['deriveBits']);
    const derive = (label: string) => crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: buf(utf8(label)) }, ikm, 256);
    const bodyKey = await crypto.subtle.importKey('raw', await derive('c2c/v1/message/body'), 'AES-GCM', false, ['encrypt']);
    const macKey = await crypto.subtle.importKey('raw', await derive('c2c/v1/message/mac'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const rebuild = async (text: string) => {
      const inner = pad(concat(new Uint8Array([3]), bob.identity.publicKey, carol.identity.publicKey, alice.identity.publicKey, utf8(text)));
      const newBody = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: buf(header) }, bodyKey, buf(inner)));
      const unmacked = concat(sealed.subarray(0, keysEnd), newBody);
      return concat(unmacked, new Uint8Array(await crypto.subtle.sign('HMAC', macKey, buf(unmacked))).slice(0, 16));
    };
    // Control: rebuilding the original text reproduces the message byte for byte, so the forgery below
    // fails only because of the body-hash binding in each wrap.
    expect(await rebuild('PAY 100 to Carol')).toEqual(sealed);
    expect(await codeOf(openMessage(await rebuild('PAY 900 to Bob!!'), carol.me))).toBe('tampered');
  });

  it('a timestamp more than 5 minutes in the future is malformed; within the skew it opens', async () => {
    const now = 1_800_000_000_000;
    const future = await seal(alice, [bob], 'from the future', { timestamp: now + MAX_FUTURE_SKEW_MS + 1 });
    expect(await codeOf(openMessage(future, bob.me, { now }))).toBe('malformed');
    const skewed = await seal(alice, [bob], 'slightly ahead', { timestamp: now + MAX_FUTURE_SKEW_MS });
    expect(fromUtf8((await openMessage(skewed, bob.me, { now })).plaintext)).toBe('slightly ahead');
  });

  it('replay cache: same token in the same conversation is same; elsewhere or re-sealed with the same id is replayed', async () => {
    const cache = new MemoryReplayCache(100);
    const messageId = crypto.getRandomValues(new Uint8Array(16));
    const first = await seal(alice, [bob], 'once', { messageId });
    expect((await openMessage(first, bob.me, { replayCache: cache, context: 'chat-1' })).replay).toBe('fresh');
    expect((await openMessage(first, bob.me, { replayCache: cache, context: 'chat-1' })).replay).toBe('same');
    expect(await codeOf(openMessage(first, bob.me, { replayCache: cache, context: 'chat-2' }))).toBe('replayed');
    const again = await seal(alice, [bob], 'once', { messageId });
    expect(await codeOf(openMessage(again, bob.me, { replayCache: cache, context: 'chat-1' }))).toBe('replayed');
    expect(await messageDigest(first)).toMatch(/^[0-9a-f]{64}$/);
    expect(await messageDigest(first)).not.toBe(await messageDigest(again));
  });
});
