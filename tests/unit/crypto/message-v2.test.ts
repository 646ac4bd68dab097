import { deflateRawSync } from 'node:zlib';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buf, concat, fromUtf8, toHex, utf8 } from '../../../lib/bytes';
import { deflateRaw } from '../../../lib/crypto/deflate';
import { exportIdentityPrivate, fingerprintBytes, importIdentityPrivate, SIGNATURE_CONTEXT, signWithContext } from '../../../lib/crypto/identity';
import { sealMessage } from '../../../lib/crypto/message';
import { MAX_FUTURE_SKEW_MS, MAX_RECIPIENTS_V2, MAX_TEXT_BYTES, type MessageExtension, openMessageV2, sealMessageV2 } from '../../../lib/crypto/message-v2';
import { openTextMessage } from '../../../lib/crypto/open-message';
import { paddedLength } from '../../../lib/crypto/padme';
import { MemoryReplayCache, type ReplayCache, type ReplayEntry } from '../../../lib/crypto/replay-cache';
import { selfCopyKey } from '../../../lib/crypto/self-copy';
import { TEXT_DICTIONARY_1 } from '../../../lib/crypto/text-dictionary';
import { importX25519Public } from '../../../lib/crypto/x25519';
import type { C2CErrorCode } from '../../../lib/errors';
import { codeOf, makeUser, type TestUser } from './fixtures';

const keysOf = (u: TestUser) => ({ identity: u.identity, prekeys: [u.prekey] });
const seal = (from: TestUser, to: TestUser[], text: string, extra: { senderKey?: 'full' | 'key-id'; timestamp?: number; extensions?: MessageExtension[] } = {}) =>
  sealMessageV2({ identity: from.identity, recipients: to.map((u) => u.bundle), plaintext: utf8(text), ...extra });
/** A reader who has pinned `known`. */
const knowing = (...known: TestUser[]) => ({
  resolveSender: async (keyId: Uint8Array) => {
    for (const u of known) if (toHex((await fingerprintBytes(u.identity.publicKey)).slice(0, 8)) === toHex(keyId)) return u.identity.publicKey;
    return undefined;
  },
});

// Re-implementation of the format from docs/FORMATS.md, to build messages a correct sender never would.
const OUTER_FIXED = 34;
const WRAP = 34;
const hpke = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const outerOf = (sealed: Uint8Array) => sealed.subarray(0, OUTER_FIXED + sealed[OUTER_FIXED - 1]! * WRAP);

async function bodyKeyOf(k: Uint8Array): Promise<CryptoKey> {
  const ikm = await crypto.subtle.importKey('raw', buf(k), 'HKDF', false, ['deriveBits']);
  const raw = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: buf(utf8('c2c/v2/body')) }, ikm, 256);
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}
async function encryptBody(k: Uint8Array, outer: Uint8Array, plain: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: buf(outer) }, await bodyKeyOf(k), buf(plain)));
}
async function decryptBody(k: Uint8Array, outer: Uint8Array, body: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12), additionalData: buf(outer) }, await bodyKeyOf(k), buf(body)));
}
async function keyIdOf(u: TestUser): Promise<Uint8Array> {
  return (await fingerprintBytes(u.identity.publicKey)).slice(0, 8);
}

/** An unpadded section: flags, u32 seconds, sender field, raw rest (extensions and text). */
function sectionOf(flags: number, sender: Uint8Array, rest: Uint8Array, seconds = 1_700_000_000): Uint8Array {
  const time = new Uint8Array(4);
  new DataView(time.buffer).setUint32(0, seconds);
  return concat(new Uint8Array([flags]), time, sender, rest);
}
/** Pads as the format says: marker 0x80, zeros up to the Padmé length. */
function padded(unpadded: Uint8Array): Uint8Array {
  const out = new Uint8Array(paddedLength(unpadded.length + 1));
  out.set(unpadded);
  out[unpadded.length] = 0x80;
  return out;
}
/** `sealed`'s outer with a new section, signed by `sender` and encrypted under its own-copy key: it authenticates. */
async function withSection(sealed: Uint8Array, sender: TestUser, section: Uint8Array): Promise<Uint8Array> {
  const outer = outerOf(sealed);
  const k = await selfCopyKey(sender.identity.privateKey, outer.subarray(1, 33));
  const signature = await signWithContext(sender.identity.privateKey, SIGNATURE_CONTEXT.messageV2, concat(outer, section));
  return concat(outer, await encryptBody(k, outer, concat(section, signature)));
}

let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
beforeAll(async () => {
  [alice, bob, carol] = await Promise.all([makeUser({ extractable: true }), makeUser(), makeUser()]);
});

describe('sealMessageV2 / openMessageV2', () => {
  it.each([0, 1, 3, 10])('round-trips to %i recipients: each reads it, and so does the sender', async (n) => {
    const group = await Promise.all(Array.from({ length: n }, () => makeUser()));
    const sealed = await seal(alice, group, 'Встреча в пятницу, bring the slides');
    expect(sealed[0]).toBe(0x04);
    expect(sealed[33]).toBe(n);
    for (const member of [...group, alice]) {
      const opened = await openMessageV2(sealed, keysOf(member), knowing(alice));
      expect(fromUtf8(opened.plaintext)).toBe('Встреча в пятницу, bring the slides');
      expect(opened.signature).toBe('checked');
      expect(opened.sender.identityKey).toEqual(alice.identity.publicKey);
      expect(opened.ownCopy).toBe(member === alice);
    }
  });

  it('round-trips to 64 recipients and refuses a 65th', async () => {
    const group = await Promise.all(Array.from({ length: MAX_RECIPIENTS_V2 + 1 }, () => makeUser()));
    expect(await codeOf(seal(alice, group, 'too many'))).toBe('too-large');
    const sealed = await seal(alice, group.slice(0, MAX_RECIPIENTS_V2), 'all of you');
    for (const member of [group[0]!, group[31]!, group[63]!, alice]) {
      expect(fromUtf8((await openMessageV2(sealed, keysOf(member))).plaintext)).toBe('all of you');
    }
    expect(await codeOf(openMessageV2(sealed, keysOf(group[64]!)))).toBe('not-addressed');
  });

  it('is as small as docs/FORMATS.md says: 188 bytes for 20 characters to one recipient, 34 more per recipient', async () => {
    const text = 'see you at nine, ok?';
    expect(text).toHaveLength(20);
    expect((await seal(alice, [bob], text)).length).toBe(188);
    expect((await seal(alice, [bob, carol], text)).length).toBe(222);
    // Letters that do not compress: the section is stored as it is.
    const incompressible = 'qzxv jkwq pfyb gmzd.';
    expect((await seal(alice, [bob], incompressible, { senderKey: 'full' })).length).toBe(34 + 34 + paddedLength(1 + 4 + 32 + 20 + 1) + 80);
  });

  it('deduplicates recipients and never wraps to the sender', async () => {
    const sealed = await seal(alice, [bob, alice, bob], 'once each');
    expect(sealed[33]).toBe(1);
    expect(fromUtf8((await openMessageV2(sealed, keysOf(alice))).plaintext)).toBe('once each');
  });

  it('the sender reads her own copy with the same identity key re-imported (as after a backup restore)', async () => {
    const sealed = await seal(alice, [bob], 'mine to keep');
    const restored = { publicKey: alice.identity.publicKey, privateKey: await importIdentityPrivate(await exportIdentityPrivate(alice.identity.privateKey)) };
    const opened = await openMessageV2(sealed, { identity: restored, prekeys: [] });
    expect(fromUtf8(opened.plaintext)).toBe('mine to keep');
    expect(opened.ownCopy).toBe(true);
    expect(opened.signature).toBe('checked');
  });

  it('an unknown sender named by key id opens as unchecked; a pinned one and a full key are checked', async () => {
    const sealed = await seal(alice, [bob], 'who am I?');
    const unknown = await openMessageV2(sealed, keysOf(bob));
    expect(unknown.signature).toBe('unchecked');
    expect(unknown.sender.identityKey).toBeUndefined();
    expect(unknown.sender.keyId).toEqual(await keyIdOf(alice));
    expect(fromUtf8(unknown.plaintext)).toBe('who am I?');
    expect((await openMessageV2(sealed, keysOf(bob), knowing(carol))).signature).toBe('unchecked');
    expect((await openMessageV2(sealed, keysOf(bob), knowing(carol, alice))).signature).toBe('checked');

    const full = await openMessageV2(await seal(alice, [bob], 'here is my key', { senderKey: 'full' }), keysOf(bob));
    expect(full.signature).toBe('checked');
    expect(full.sender.identityKey).toEqual(alice.identity.publicKey);
    expect(full.sender.keyId).toEqual(await keyIdOf(alice));
  });

  it('a resolver answering with a key of another key id is refused', async () => {
    const sealed = await seal(alice, [bob], 'hi');
    expect(await codeOf(openMessageV2(sealed, keysOf(bob), { resolveSender: async () => carol.identity.publicKey }))).toBe('key-mismatch');
  });

  it('a message signed by someone else than the sender it names is bad-signature', async () => {
    const sealed = await seal(alice, [bob], 'signed by Alice');
    // Carol learns nothing here; the point is that a body naming Alice but signed by Carol fails.
    const outer = outerOf(sealed);
    const k = await selfCopyKey(alice.identity.privateKey, outer.subarray(1, 33));
    const plain = await decryptBody(k, outer, sealed.subarray(outer.length));
    const section = plain.subarray(0, plain.length - 64);
    const forged = await signWithContext(carol.identity.privateKey, SIGNATURE_CONTEXT.messageV2, concat(outer, section));
    const bad = concat(outer, await encryptBody(k, outer, concat(section, forged)));
    expect(await codeOf(openMessageV2(bad, keysOf(bob), knowing(alice)))).toBe('bad-signature');
    expect(await codeOf(openMessageV2(bad, keysOf(alice)))).toBe('bad-signature');
  });

  it('a non-recipient gets not-addressed, with or without prekeys', async () => {
    const sealed = await seal(alice, [bob], 'not for Carol');
    expect(await codeOf(openMessageV2(sealed, keysOf(carol)))).toBe('not-addressed');
    expect(await codeOf(openMessageV2(sealed, { identity: carol.identity, prekeys: [] }))).toBe('not-addressed');
  });

  it('compresses long text when that shrinks it, and the reader gets the same text back', async () => {
    const prose =
      'The relay forwards frames and keeps nothing; the keys stay in the browser. Ключи остаются в браузере. ';
    const text = prose.repeat(20).slice(0, 2000);
    const sealed = await seal(alice, [bob], text);
    expect(sealed.length).toBeLessThan(utf8(text).length / 2);
    expect(fromUtf8((await openMessageV2(sealed, keysOf(bob))).plaintext)).toBe(text);
  });

  it('the preset dictionary makes a short everyday message shorter than DEFLATE alone', async () => {
    const text = 'Can you pick up the kids from school today? I have a meeting until five. Я позвоню тебе вечером.';
    const alone = (await seal(alice, [bob], text.replace(/./g, (c, i) => String.fromCharCode(0x41 + ((c.charCodeAt(0) * 7 + i) % 26))))).length;
    const withDictionary = (await seal(alice, [bob], text)).length;
    expect(withDictionary).toBeLessThan(alone);
    expect(deflateRaw(utf8(text), utf8(TEXT_DICTIONARY_1)).length).toBeLessThan(deflateRaw(utf8(text)).length * 0.8);
  });

  it('refuses text over 1 MiB when sealing', async () => {
    const huge = new Uint8Array(MAX_TEXT_BYTES + 1);
    expect(await codeOf(sealMessageV2({ identity: alice.identity, recipients: [bob.bundle], plaintext: huge }))).toBe('too-large');
  });

  it('timestamps are whole seconds; a message dated more than 5 minutes ahead is malformed', async () => {
    const now = 1_800_000_000_123;
    const opened = await openMessageV2(await seal(alice, [bob], 'now', { timestamp: now }), keysOf(bob), { now });
    expect(opened.timestamp).toBe(1_800_000_000_000);
    const ahead = await seal(alice, [bob], 'later', { timestamp: now + MAX_FUTURE_SKEW_MS + 2000 });
    expect(await codeOf(openMessageV2(ahead, keysOf(bob), { now }))).toBe('malformed');
    expect(await codeOf(seal(alice, [bob], 'after 2106', { timestamp: 2 ** 32 * 1000 }))).toBe('malformed');
  });
});

describe('hostile v2 messages', () => {
  let sealed: Uint8Array;
  beforeAll(async () => {
    sealed = await seal(alice, [bob, carol], 'pay Bob 100');
  });

  it('every flipped byte is caught: never a plaintext, always a specific error', async () => {
    const allowed: Record<string, C2CErrorCode[]> = {
      format: ['unknown-version'],
      count: ['truncated', 'malformed'],
      rest: ['tampered', 'not-addressed', 'bad-signature'],
    };
    for (let i = 0; i < sealed.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const bad = sealed.slice();
        bad[i]! ^= mask;
        const field = i === 0 ? 'format' : i === 33 ? 'count' : 'rest';
        for (const [who, opts] of [[bob, knowing(alice)], [bob, {}], [alice, {}]] as const) {
          const code = await codeOf(openMessageV2(bad, keysOf(who), opts));
          expect(allowed[field], `byte ${i} ^ ${mask} opened by ${who === bob ? 'bob' : 'alice'}: ${code}`).toContain(code);
        }
      }
    }
  });

  it('a wrap altered for its recipient is tampered; an altered hint makes it not addressed to them', async () => {
    const wrapForBob = sealed.slice();
    wrapForBob[34 + 2 + 5]! ^= 1;
    expect(await codeOf(openMessageV2(wrapForBob, keysOf(bob)))).toBe('tampered');
    const hintForBob = sealed.slice();
    hintForBob[34]! ^= 1;
    expect(await codeOf(openMessageV2(hintForBob, keysOf(bob)))).toBe('not-addressed');
  });

  it('every truncation is truncated or malformed, and extra bytes are refused', async () => {
    for (let length = 0; length < sealed.length; length++) {
      expect(['truncated', 'malformed']).toContain(await codeOf(openMessageV2(sealed.subarray(0, length), keysOf(bob))));
    }
    expect(await codeOf(openMessageV2(sealed.subarray(0, 0), keysOf(bob)))).toBe('truncated');
    expect(await codeOf(openMessageV2(concat(sealed, new Uint8Array([0])), keysOf(bob)))).toBe('malformed');
    for (let extra = 1; extra <= 64; extra++) {
      // Some lengths are valid section sizes: then the body no longer authenticates.
      expect(['malformed', 'tampered']).toContain(await codeOf(openMessageV2(concat(sealed, new Uint8Array(extra)), keysOf(bob))));
    }
  });

  it('a wrap count over 64 is malformed, another first byte unknown-version, anything huge too-large', async () => {
    const many = sealed.slice();
    many[33] = 65;
    expect(await codeOf(openMessageV2(many, keysOf(bob)))).toBe('malformed');
    expect(await codeOf(openMessageV2(concat(new Uint8Array([0x05]), sealed.subarray(1)), keysOf(bob)))).toBe('unknown-version');
    expect(await codeOf(openMessageV2(concat(sealed, new Uint8Array(2 * 1024 * 1024)), keysOf(bob)))).toBe('too-large');
  });

  it('reserved flag bits make an authentic message unsupported', async () => {
    const keyId = await keyIdOf(alice);
    for (const bit of [0x20, 0x40, 0x80]) {
      const bad = await withSection(sealed, alice, padded(sectionOf(bit, keyId, utf8('hi'))));
      expect(await codeOf(openMessageV2(bad, keysOf(bob), knowing(alice)))).toBe('unsupported');
    }
    // 0x10 ("every wrap is post-quantum", message-v2-pq.test.ts) over a classical wrap is a lie.
    const claimsPq = await withSection(sealed, alice, padded(sectionOf(0x10, keyId, utf8('hi'))));
    expect(await codeOf(openMessageV2(claimsPq, keysOf(bob), knowing(alice)))).toBe('tampered');
    // The same construction with no reserved bit opens: the helper builds valid messages.
    const good = await withSection(sealed, alice, padded(sectionOf(0, keyId, utf8('hi'))));
    expect(fromUtf8((await openMessageV2(good, keysOf(bob), knowing(alice))).plaintext)).toBe('hi');
  });

  it('bad padding inside an authentic body is tampered', async () => {
    const keyId = await keyIdOf(alice);
    const noMarker = new Uint8Array(40);
    noMarker.set(sectionOf(0, keyId, utf8('hi')));
    const junkAfterMarker = padded(sectionOf(0, keyId, utf8('hi')));
    junkAfterMarker[39] = 1;
    const tooShort = padded(new Uint8Array([0, 1, 2]));
    for (const section of [noMarker, junkAfterMarker, tooShort, new Uint8Array(40)]) {
      expect(await codeOf(openMessageV2(await withSection(sealed, alice, section), keysOf(bob), knowing(alice)))).toBe('tampered');
    }
  });

  it('unknown critical extensions are unsupported; unknown non-critical ones are passed on', async () => {
    const critical = await seal(alice, [bob], 'needs type 0x82', { extensions: [{ type: 0x82, value: new Uint8Array([1]) }] });
    expect(await codeOf(openMessageV2(critical, keysOf(bob)))).toBe('unsupported');
    const extensions = [
      { type: 0x01, value: utf8('later feature') },
      { type: 0x7f, value: new Uint8Array(0) },
    ];
    const optional = await openMessageV2(await seal(alice, [bob], 'with extras', { extensions }), keysOf(bob), knowing(alice));
    expect(fromUtf8(optional.plaintext)).toBe('with extras');
    expect(optional.extensions).toEqual(extensions);
    expect(optional.signature).toBe('checked');
    // An extension block cut short inside an authentic body.
    const cut = await withSection(sealed, alice, padded(sectionOf(0x04, await keyIdOf(alice), new Uint8Array([1, 0x01, 9]))));
    expect(await codeOf(openMessageV2(cut, keysOf(bob), knowing(alice)))).toBe('tampered');
  });

  it('reads text deflated by zlib with the preset dictionary (flags 0x0A) and without it (0x02, older writers)', async () => {
    const text = 'See you at the station tomorrow morning, I will bring the documents. Привет, до завтра!';
    const dictionary = utf8(TEXT_DICTIONARY_1);
    // With the dictionary the stream ends itself and zeros follow it; without, the 0x80 marker ends the text.
    const zeroPadded = (unpadded: Uint8Array) => concat(unpadded, new Uint8Array(paddedLength(unpadded.length) - unpadded.length));
    const cases: [number, Uint8Array, (u: Uint8Array) => Uint8Array][] = [
      [0x0a, deflateRawSync(utf8(text), { dictionary }), zeroPadded],
      [0x02, deflateRawSync(utf8(text)), padded],
    ];
    for (const [flags, bytes, pad] of cases) {
      const message = await withSection(sealed, alice, pad(sectionOf(flags, await keyIdOf(alice), bytes)));
      expect(fromUtf8((await openMessageV2(message, keysOf(bob), knowing(alice))).plaintext)).toBe(text);
    }
    // Read without the dictionary it names, or naming one for text that is not compressed: never the text.
    const unprimed = await withSection(sealed, alice, padded(sectionOf(0x02, await keyIdOf(alice), cases[0]![1])));
    expect(await codeOf(openMessageV2(unprimed, keysOf(bob), knowing(alice)))).toBe('tampered');
    const dictionaryAlone = await withSection(sealed, alice, padded(sectionOf(0x08, await keyIdOf(alice), utf8(text))));
    expect(await codeOf(openMessageV2(dictionaryAlone, keysOf(bob), knowing(alice)))).toBe('tampered');
  });

  it('a compression bomb is too-large without inflating it all; broken DEFLATE is tampered', async () => {
    const bomb = await deflateRaw(new Uint8Array(64 * 1024 * 1024));
    const message = await withSection(sealed, alice, padded(sectionOf(0x02, await keyIdOf(alice), bomb)));
    expect(await codeOf(openMessageV2(message, keysOf(bob), knowing(alice)))).toBe('too-large');
    const broken = await withSection(sealed, alice, padded(sectionOf(0x02, await keyIdOf(alice), new Uint8Array([0xff, 0xff, 0xff, 0xff]))));
    expect(await codeOf(openMessageV2(broken, keysOf(bob), knowing(alice)))).toBe('tampered');
  });

  it('an own copy that names another sender is tampered', async () => {
    const message = await withSection(sealed, alice, padded(sectionOf(0, await keyIdOf(bob), utf8('from Bob?'))));
    expect(await codeOf(openMessageV2(message, keysOf(alice)))).toBe('tampered');
  });

  it('a recipient cannot re-wrap the message to a third party: the signature covers every wrap', async () => {
    // Bob unwraps K as any recipient does, then builds a message for Carol around Alice's signed body.
    const outer = outerOf(sealed);
    const bobWrap = outer.subarray(34, 68);
    expect(toHex(bobWrap.subarray(0, 2))).toBe(bob.prekey.id.slice(0, 4));
    const ctx = await hpke.createRecipientContext({
      recipientKey: { privateKey: bob.prekey.privateKey, publicKey: await importX25519Public(bob.prekey.publicKey) },
      enc: buf(outer.slice(1, 33)),
      info: buf(utf8('c2c/v2/message')),
    });
    const mask = new Uint8Array(await ctx.export(buf(utf8('c2c/v2/wrap')), 32));
    const k = bobWrap.subarray(2).map((x, i) => x ^ mask[i]!);
    const plain = await decryptBody(k, outer, sealed.subarray(outer.length));
    const toCarol = await hpke.createSenderContext({ recipientPublicKey: await importX25519Public(carol.prekey.publicKey), info: buf(utf8('c2c/v2/message')) });
    const carolMask = new Uint8Array(await toCarol.export(buf(utf8('c2c/v2/wrap')), 32));
    const newOuter = concat(
      new Uint8Array([0x04]),
      new Uint8Array(toCarol.enc),
      new Uint8Array([1]),
      sealed.subarray(34 + 34, 34 + 36), // Carol's hint
      k.map((x, i) => x ^ carolMask[i]!),
    );
    const rewrapped = concat(newOuter, await encryptBody(k, newOuter, plain));
    expect(await codeOf(openMessageV2(rewrapped, keysOf(carol), knowing(alice)))).toBe('bad-signature');
  });
});

describe('opening any one-shot message', () => {
  it('a v1 message still opens through the same entry point, as checked', async () => {
    const v1 = await sealMessage({ sender: { identity: alice.identity, prekey: alice.prekey }, recipients: [bob.bundle], plaintext: utf8('old format') });
    const opened = await openTextMessage(v1, keysOf(bob));
    expect(opened.format).toBe(0x01);
    expect(fromUtf8(opened.plaintext)).toBe('old format');
    expect(opened.signature).toBe('checked');
    expect(opened.sender.identityKey).toEqual(alice.identity.publicKey);
    expect((await openTextMessage(v1, keysOf(alice))).ownCopy).toBe(true);
  });

  it('routes v2 by its first byte and refuses other formats', async () => {
    const opened = await openTextMessage(await seal(alice, [bob], 'new format'), keysOf(bob));
    expect(opened.format).toBe(0x04);
    expect(fromUtf8(opened.plaintext)).toBe('new format');
    expect(await codeOf(openTextMessage(new Uint8Array(0), keysOf(bob)))).toBe('truncated');
    expect(await codeOf(openTextMessage(new Uint8Array([0x03, 1, 2]), keysOf(bob)))).toBe('unknown-version');
    expect(await codeOf(openTextMessage(new Uint8Array([0x09, 1, 2]), keysOf(bob)))).toBe('unknown-version');
  });
});

describe('v2 replay protection', () => {
  class Recording implements ReplayCache {
    readonly entries: ReplayEntry[] = [];
    private readonly inner = new MemoryReplayCache(100);
    check(entry: ReplayEntry) {
      this.entries.push(entry);
      return this.inner.check(entry);
    }
  }

  it('keys the cache by sender and message id: the same token again is same, elsewhere replayed', async () => {
    const cache = new Recording();
    const sealed = await seal(alice, [bob], 'once');
    const first = await openMessageV2(sealed, keysOf(bob), { replayCache: cache, context: 'chat-1' });
    expect(first.replay).toBe('fresh');
    // Bob does not know Alice: her signature is unchecked, so the entry sits in the unchecked namespace.
    expect(cache.entries[0]).toMatchObject({ sender: `unchecked:${toHex(await keyIdOf(alice))}`, messageId: first.messageId });
    await openMessageV2(sealed, keysOf(bob), { replayCache: cache, context: 'chat-1', ...knowing(alice) });
    expect(cache.entries[1]).toMatchObject({ sender: toHex(alice.identity.publicKey), messageId: first.messageId });
    expect(first.messageId).toBe(toHex((await fingerprintBytes(sealed.subarray(1, 33))).slice(0, 16)));
    expect((await openMessageV2(sealed, keysOf(bob), { replayCache: cache, context: 'chat-1' })).replay).toBe('same');
    expect(await codeOf(openMessageV2(sealed, keysOf(bob), { replayCache: cache, context: 'chat-2' }))).toBe('replayed');
    // Another message from the same sender is a different entry.
    expect((await openMessageV2(await seal(alice, [bob], 'twice'), keysOf(bob), { replayCache: cache, context: 'chat-1' })).replay).toBe('fresh');
  });
});
