// Post-quantum wraps of v2 messages (lib/crypto/contact-pq.ts, docs/FORMATS.md "Per-contact post-quantum
// secret"). The known answers are our own: computed independently in this file with Node's crypto
// (hkdfSync, createHmac) and @hpke/core, never with the product's functions; no official vectors exist.
import { createHmac, hkdfSync } from 'node:crypto';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buf, concat, fromHex, fromUtf8, toHex, utf8 } from '../../../lib/bytes';
import { contactSecretFromChat, newSelfPqSecret, pqContentKey, pqTag, pqWrapMask } from '../../../lib/crypto/contact-pq';
import { fingerprintBytes, SIGNATURE_CONTEXT, signWithContext } from '../../../lib/crypto/identity';
import { MAX_WRAP_TRIALS, openMessageV2, type OpeningKeys, sealMessageV2, type SealPostQuantum } from '../../../lib/crypto/message-v2';
import { selfCopyKey } from '../../../lib/crypto/self-copy';
import { importX25519Public } from '../../../lib/crypto/x25519';
import { codeOf, makeUser, type TestUser } from './fixtures';

const nodeHkdf = (ikm: Uint8Array, salt: Uint8Array, info: string) => new Uint8Array(hkdfSync('sha256', ikm, salt, utf8(info), 32));
const nodeHmac = (key: Uint8Array, data: Uint8Array) => new Uint8Array(createHmac('sha256', key).update(data).digest());
const hpke = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const xor = (a: Uint8Array, b: Uint8Array) => a.map((x, i) => x ^ b[i]!);
const WRAP = 34;

let alice: TestUser, bob: TestUser, carol: TestUser;
let pqsAB: Uint8Array, pqsAC: Uint8Array, aliceSelf: Uint8Array;

beforeAll(async () => {
  [alice, bob, carol] = await Promise.all([makeUser(), makeUser(), makeUser()]);
  pqsAB = newSelfPqSecret(); // any 32 random bytes stand in for a chat-derived PQS here
  pqsAC = newSelfPqSecret();
  aliceSelf = newSelfPqSecret();
});

const pqOf = (contacts: [TestUser, Uint8Array][], self = aliceSelf): SealPostQuantum => ({
  self,
  contacts: new Map(contacts.map(([u, s]) => [toHex(u.identity.publicKey), s])),
});
const seal = (to: TestUser[], text: string, postQuantum?: SealPostQuantum) =>
  sealMessageV2({ identity: alice.identity, recipients: to.map((u) => u.bundle), plaintext: utf8(text), ...(postQuantum ? { postQuantum } : {}) });
const keys = (u: TestUser, extra: Partial<OpeningKeys> = {}): OpeningKeys => ({ identity: u.identity, prekeys: [u.prekey], ...extra });
const knowingAlice = {
  resolveSender: async (keyId: Uint8Array) => (toHex((await fingerprintBytes(alice.identity.publicKey)).slice(0, 8)) === toHex(keyId) ? alice.identity.publicKey : undefined),
};

/** Bob's HPKE export for this message, computed with @hpke/core. */
async function exportFor(u: TestUser, enc: Uint8Array): Promise<Uint8Array> {
  const ctx = await hpke.createRecipientContext({
    recipientKey: { privateKey: u.prekey.privateKey, publicKey: await importX25519Public(u.prekey.publicKey) },
    enc: buf(enc),
    info: buf(utf8('c2c/v2/message')),
  });
  return new Uint8Array(await ctx.export(buf(utf8('c2c/v2/wrap')), 32));
}
async function bodyKey(k: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', buf(nodeHkdf(k, new Uint8Array(0), 'c2c/v2/body')), 'AES-GCM', false, ['encrypt', 'decrypt']);
}
const outerLength = (m: Uint8Array) => 34 + m[33]! * WRAP;

/** Alice's message rebuilt around new wraps, re-signed and re-encrypted under k (what a dishonest Alice can do). */
async function rebuilt(message: Uint8Array, k: Uint8Array, wraps: Uint8Array[]): Promise<Uint8Array> {
  const outer = message.subarray(0, outerLength(message));
  const plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: buf(outer) }, await bodyKey(k), buf(message.subarray(outer.length))));
  const section = plain.subarray(0, plain.length - 64);
  const newOuter = concat(message.subarray(0, 33), new Uint8Array([wraps.length]), ...wraps);
  const signature = await signWithContext(alice.identity.privateKey, SIGNATURE_CONTEXT.messageV2, concat(newOuter, section));
  const body = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: buf(newOuter) }, await bodyKey(k), buf(concat(section, signature)));
  return concat(newOuter, new Uint8Array(body));
}

describe('contact-pq derivations (known answers computed here with node:crypto)', () => {
  const k1 = fromHex('11'.repeat(32));
  const k2 = fromHex('22'.repeat(32));
  const h = fromHex('33'.repeat(32));
  const enc = fromHex('44'.repeat(32));
  const prekey = fromHex('55'.repeat(32));
  const pqs = fromHex('66'.repeat(32));
  const mask = fromHex('77'.repeat(32));

  it('PQS from a chat: HKDF(k1 ‖ k2, salt h, "c2c/contact-pq/v1")', () => {
    const expected = nodeHkdf(concat(k1, k2), h, 'c2c/contact-pq/v1');
    expect(toHex(contactSecretFromChat(k1, k2, h))).toBe(toHex(expected));
    expect(toHex(expected)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('pq tag: HMAC(PQS, "c2c/v2/pq-tag" ‖ enc ‖ prekey)[:2]', () => {
    expect(toHex(pqTag(pqs, enc, prekey))).toBe(toHex(nodeHmac(pqs, concat(utf8('c2c/v2/pq-tag'), enc, prekey)).slice(0, 2)));
  });

  it('wrap mask and content key: HKDF with salt enc', () => {
    expect(toHex(pqWrapMask(mask, pqs, enc))).toBe(toHex(nodeHkdf(concat(mask, pqs), enc, 'c2c/v2/wrap-pq')));
    expect(toHex(pqContentKey(mask, pqs, enc))).toBe(toHex(nodeHkdf(concat(mask, pqs), enc, 'c2c/v2/self-copy-pq')));
  });
});

describe('a post-quantum v2 message', () => {
  let sealed: Uint8Array;
  beforeAll(async () => {
    sealed = await seal([bob], 'after our chat', pqOf([[bob, pqsAB]]));
  });

  it('follows the documented layout: an independent reader (node:crypto + @hpke/core) opens it', async () => {
    const enc = sealed.subarray(1, 33);
    expect(sealed[33]).toBe(1); // the wrap count byte is unchanged
    const wrap = sealed.subarray(34, 68);
    expect(toHex(wrap.subarray(0, 2))).toBe(toHex(nodeHmac(pqsAB, concat(utf8('c2c/v2/pq-tag'), enc, bob.prekey.publicKey)).slice(0, 2)));
    expect(toHex(wrap.subarray(0, 2))).not.toBe(bob.prekey.id.slice(0, 4)); // (a 1 in 65,536 coincidence otherwise)
    const k = xor(wrap.subarray(2), nodeHkdf(concat(await exportFor(bob, enc), pqsAB), enc, 'c2c/v2/wrap-pq'));
    // K itself mixes Alice's own pq secret into her Ed25519-derived own-copy key.
    expect(toHex(k)).toBe(toHex(nodeHkdf(concat(await selfCopyKey(alice.identity.privateKey, enc), aliceSelf), enc, 'c2c/v2/self-copy-pq')));
    const plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: buf(sealed.subarray(0, 68)) }, await bodyKey(k), buf(sealed.subarray(68))));
    expect(plain[0]! & 0x10).toBe(0x10); // signed: every wrap is post-quantum
    expect(fromUtf8(plain.subarray(13, 13 + 14))).toBe('after our chat');
  });

  it('costs no byte: the same length as the classical message of the same text', async () => {
    expect(sealed.length).toBe((await seal([bob], 'after our chat')).length);
  });

  it('opens for the recipient holding the PQS, as post-quantum', async () => {
    const opened = await openMessageV2(sealed, keys(bob, { contactSecrets: [pqsAC, pqsAB] }), knowingAlice);
    expect(fromUtf8(opened.plaintext)).toBe('after our chat');
    expect(opened.postQuantum).toBe(true);
    expect(opened.signature).toBe('checked');
  });

  it('opens as the own copy with the own pq secret, as post-quantum', async () => {
    const opened = await openMessageV2(sealed, keys(alice, { selfPqSecret: aliceSelf }));
    expect(opened.ownCopy).toBe(true);
    expect(opened.postQuantum).toBe(true);
    expect(await codeOf(openMessageV2(sealed, keys(alice)))).toBe('not-addressed');
  });

  it('a wrong or lost PQS: not-addressed, and the reason names the post-quantum secret', async () => {
    expect(await codeOf(openMessageV2(sealed, keys(bob, { contactSecrets: [pqsAC] })))).toBe('not-addressed');
    const lost = await openMessageV2(sealed, keys(bob)).catch((e: Error) => e.message);
    expect(lost).toMatch(/post-quantum secret this keyring no longer holds/);
  });

  it('a tampered pq tag no longer finds the wrap; a tampered wrapped key behind its tag is not-addressed too', async () => {
    const badTag = sealed.slice();
    badTag[34]! ^= 0x01;
    expect(await codeOf(openMessageV2(badTag, keys(bob, { contactSecrets: [pqsAB] })))).toBe('not-addressed');
    // A matching tag whose wrap does not open cannot be told from a chance match (next test), the likelier.
    const badKey = sealed.slice();
    badKey[40]! ^= 0x01;
    expect(await codeOf(openMessageV2(badKey, keys(bob, { contactSecrets: [pqsAB] })))).toBe('not-addressed');
    // A classical wrap behind a matching hint that does not open stays tampered.
    const classical = (await seal([bob], 'classical')).slice();
    classical[40]! ^= 0x01;
    expect(await codeOf(openMessageV2(classical, keys(bob, { contactSecrets: [pqsAB] })))).toBe('tampered');
  });

  it('a message for someone else whose wrap a kept secret\'s tag matches by chance is not-addressed, not tampered', async () => {
    const forCarol = await seal([carol], 'not for bob', pqOf([[carol, pqsAC]]));
    const enc = forCarol.subarray(1, 33);
    const carolWrap = forCarol.subarray(34, 68);
    const k = xor(carolWrap.subarray(2), pqWrapMask(await exportFor(carol, enc), pqsAC, enc));
    // With S kept secrets and P prekeys a foreign wrap's tag equals one of Bob's with probability
    // S × P / 65,536: stand in for that chance by giving Carol's wrap the tag of a secret Bob holds.
    const chance = newSelfPqSecret();
    const coincidence = await rebuilt(forCarol, k, [concat(pqTag(chance, enc, bob.prekey.publicKey), carolWrap.subarray(2))]);
    expect(await codeOf(openMessageV2(coincidence, keys(bob, { contactSecrets: [pqsAB, chance] }), knowingAlice))).toBe('not-addressed');
  });

  it('a sender who signs "every wrap is post-quantum" over a classical wrap is caught', async () => {
    const enc = sealed.subarray(1, 33);
    const k = xor(sealed.subarray(36, 68), pqWrapMask(await exportFor(bob, enc), pqsAB, enc));
    const classical = concat(fromHex(bob.prekey.id.slice(0, 4)), xor(k, await exportFor(bob, enc)));
    const lying = await rebuilt(sealed, k, [classical]);
    expect(await codeOf(openMessageV2(lying, keys(bob, { contactSecrets: [pqsAB] }), knowingAlice))).toBe('tampered');
  });

  it('bounded work: at most MAX_WRAP_TRIALS matching wraps are tried', async () => {
    const enc = sealed.subarray(1, 33);
    const genuine = sealed.subarray(34, 68);
    const k = xor(genuine.subarray(2), pqWrapMask(await exportFor(bob, enc), pqsAB, enc));
    const decoy = concat(genuine.subarray(0, 2), new Uint8Array(32)); // Alice knows the PQS: the tag matches, the key is junk
    const withinBound = await rebuilt(sealed, k, [...Array<Uint8Array>(MAX_WRAP_TRIALS - 1).fill(decoy), genuine]);
    expect((await openMessageV2(withinBound, keys(bob, { contactSecrets: [pqsAB] }), knowingAlice)).postQuantum).toBe(true);
    const beyond = await rebuilt(sealed, k, [...Array<Uint8Array>(MAX_WRAP_TRIALS).fill(decoy), genuine]);
    // The genuine wrap is never tried; only tags matched, so it reads as not for Bob.
    expect(await codeOf(openMessageV2(beyond, keys(bob, { contactSecrets: [pqsAB] }), knowingAlice))).toBe('not-addressed');
  });
});

describe('mixed and older messages', () => {
  it('to a contact with and one without a PQS: each opens, neither is called post-quantum', async () => {
    const mixed = await seal([bob, carol], 'group', pqOf([[bob, pqsAB]]));
    expect(mixed[33]).toBe(2);
    const viaBob = await openMessageV2(mixed, keys(bob, { contactSecrets: [pqsAB] }), knowingAlice);
    // Carol's classical wrap makes K only as strong as X25519: no claim for anyone.
    expect(viaBob.postQuantum).toBe(false);
    expect(fromUtf8(viaBob.plaintext)).toBe('group');
    // Carol reads exactly as a reader without post-quantum support does: hint, 34-byte wrap, no new flag.
    const viaCarol = await openMessageV2(mixed, keys(carol), knowingAlice);
    expect(fromUtf8(viaCarol.plaintext)).toBe('group');
    expect(viaCarol.postQuantum).toBe(false);
    expect(toHex(mixed.subarray(68, 70))).toBe(carol.prekey.id.slice(0, 4));
  });

  it('an old (classical) token opens for a reader that holds secrets, as classical', async () => {
    const old = await seal([bob], 'classical');
    const opened = await openMessageV2(old, keys(bob, { contactSecrets: [pqsAB] }), knowingAlice);
    expect(fromUtf8(opened.plaintext)).toBe('classical');
    expect(opened.postQuantum).toBe(false);
    expect((await openMessageV2(old, keys(alice, { selfPqSecret: aliceSelf }))).postQuantum).toBe(false);
  });

  it('a note to oneself with the own pq secret is post-quantum', async () => {
    const note = await seal([], 'note', pqOf([]));
    expect((await openMessageV2(note, keys(alice, { selfPqSecret: aliceSelf }))).postQuantum).toBe(true);
  });

  it('the wrap count byte keeps its bounds: 65, or any high bit, is malformed', async () => {
    const m = await seal([bob], 'x', pqOf([[bob, pqsAB]]));
    for (const count of [65, 0x81, 0xc1, 0xff]) {
      const bad = m.slice();
      bad[33] = count;
      expect(await codeOf(openMessageV2(bad, keys(bob, { contactSecrets: [pqsAB] })))).toBe('malformed');
    }
  });
});
