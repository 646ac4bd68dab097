// Contact cards (lib/crypto/contact-card.ts): the token a user writes into the host chat, and the strict
// decoder that refuses anything but an unchanged, canonical, self-signed card.
import { describe, expect, it } from 'vitest';
import { armor, dearmor, findArmorParts } from '../../../lib/armor/armor';
import { concat, utf8 } from '../../../lib/bytes';
import { CARD_FIXED_BYTES, CardSignatureError, decodeContactCard, encodeContactCard } from '../../../lib/crypto/contact-card';
import { FORMAT_ID } from '../../../lib/crypto/format-ids';
import { SIGNATURE_CONTEXT, signWithContext } from '../../../lib/crypto/identity';
import { generatePrekey } from '../../../lib/crypto/prekey';
import { encodeBundleKeys } from '../../../lib/crypto/public-bundle';
import { sealMessageV2 } from '../../../lib/crypto/message-v2';
import { bundleOf, codeOf, makeUser, type TestUser } from './fixtures';

/** The byte where the self-signature starts in a card with this handle. */
const sigAt = (handle: string) => CARD_FIXED_BYTES - 64 + utf8(handle).length;

/** A card signed by `user` over exactly these bytes (for cards the encoder would never write). */
async function signedAs(user: TestUser, body: Uint8Array): Promise<Uint8Array> {
  return concat(body, await signWithContext(user.identity.privateKey, SIGNATURE_CONTEXT.contactCard, body));
}

const body = (keys: Uint8Array, handle: Uint8Array) => concat(new Uint8Array([FORMAT_ID.contactCardV1]), keys, new Uint8Array([handle.length]), handle);

/** The reason a card is refused: its error code, and which signature failed for 'bad-signature'. */
async function refusal(payload: Uint8Array): Promise<string> {
  const e = await decodeContactCard(payload).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (e instanceof CardSignatureError) return `bad-signature:${e.part}`;
  return codeOf(Promise.reject(e));
}

describe('contact card', () => {
  it('decodes what it encodes, as one armor token well under a 2,000-character message', async () => {
    const alice = await makeUser({ handle: 'alice' });
    const payload = await encodeContactCard(alice.identity, alice.bundle);
    expect(payload.length).toBe(CARD_FIXED_BYTES + 5);
    const parts = armor(payload);
    expect(parts).toHaveLength(1);
    // 202 bytes + handle: 349 characters for "alice", 443 for the longest (64-byte) handle.
    expect(parts[0]!.length).toBe(17 + Math.ceil((payload.length * 8) / 5));
    expect(parts[0]!.length).toBe(349);
    const card = await decodeContactCard(dearmor(`hi, here is my card: ${parts[0]} (pin it)`));
    expect(card).toEqual({ ...alice.bundle, handle: 'alice' });
  });

  it('fits the longest handle in 2,000 characters, and splits and folds like any token', async () => {
    const handle = 'ж'.repeat(32); // 64 bytes of UTF-8
    const user = await makeUser({ handle });
    const payload = await encodeContactCard(user.identity, user.bundle);
    expect(armor(payload)[0]!.length).toBe(443);
    const parts = armor(payload, { maxPartLength: 200 });
    expect(parts.length).toBeGreaterThan(1);
    const wrapped = parts.map((p) => p.replace(/(.{40})/g, '$1\n')).reverse();
    expect(findArmorParts(wrapped.join(' ')).every((r) => r.kind === 'part')).toBe(true);
    expect((await decodeContactCard(dearmor(wrapped))).handle).toBe(handle);
  });

  it('writes the handle in its canonical form and refuses cards without one', async () => {
    const user = await makeUser({ handle: '  Alice ' });
    expect((await decodeContactCard(await encodeContactCard(user.identity, user.bundle))).handle).toBe('alice');
    const anonymous = await makeUser();
    expect(await codeOf(encodeContactCard(anonymous.identity, anonymous.bundle))).toBe('malformed');
  });

  it('refuses a changed handle, a flipped signature byte and a non-canonical signature (self-signature)', async () => {
    const alice = await makeUser({ handle: 'alice' });
    const good = await encodeContactCard(alice.identity, alice.bundle);
    const relabelled = good.slice();
    relabelled[1 + 136 + 1] = 'b'.charCodeAt(0); // "blice"
    expect(await refusal(relabelled)).toBe('bad-signature:card');
    const flipped = good.slice();
    flipped[sigAt('alice') + 5]! ^= 1;
    expect(await refusal(flipped)).toBe('bad-signature:card');
    // S + L (the group order, little-endian): the same signature in a second, non-canonical encoding.
    const L = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, ...new Array<number>(15).fill(0), 0x10];
    const malleated = good.slice();
    let carry = 0;
    for (let i = 0; i < 32; i++) {
      const sum = malleated[sigAt('alice') + 32 + i]! + L[i]! + carry;
      malleated[sigAt('alice') + 32 + i] = sum & 0xff;
      carry = sum >> 8;
    }
    expect(await refusal(malleated)).toBe('bad-signature:card');
  });

  it('refuses a card signed by another key, or under another signature context', async () => {
    const [alice, mallory] = await Promise.all([makeUser({ handle: 'alice' }), makeUser({ handle: 'alice' })]);
    // Mallory signs a card carrying Alice's keys: the self-signature is not by the identity key in it.
    expect(await refusal(await signedAs(mallory, body(encodeBundleKeys(alice.bundle), utf8('alice'))))).toBe('bad-signature:card');
    const unsigned = body(encodeBundleKeys(alice.bundle), utf8('alice'));
    const wrongContext = concat(unsigned, await signWithContext(alice.identity.privateKey, SIGNATURE_CONTEXT.prekey, unsigned));
    expect(await refusal(wrongContext)).toBe('bad-signature:card');
  });

  it('refuses a swapped prekey: another person’s, and the same person’s older one', async () => {
    const [alice, bob] = await Promise.all([makeUser({ handle: 'alice' }), makeUser({ handle: 'bob' })]);
    const good = await encodeContactCard(alice.identity, alice.bundle);
    const swapped = good.slice();
    swapped.set(bob.bundle.prekey.publicKey, 33);
    swapped.set(encodeBundleKeys(bob.bundle).subarray(64), 65); // bob's created and prekey signature too
    expect(await refusal(swapped)).toBe('bad-signature:prekey');
    // A validly signed prekey of Alice's, but not the one she put in this card: the self-signature catches it.
    const newer = await generatePrekey(alice.identity, { now: alice.prekey.created + 1000 });
    const rotated = good.slice();
    rotated.set(encodeBundleKeys(bundleOf(alice.identity, newer)).subarray(32), 33);
    expect(await refusal(rotated)).toBe('bad-signature:card');
  });

  it('refuses wrong lengths, format ids and handles before checking any signature', async () => {
    const alice = await makeUser({ handle: 'alice' });
    const keys = encodeBundleKeys(alice.bundle);
    const good = await encodeContactCard(alice.identity, alice.bundle);
    expect(await refusal(new Uint8Array(0))).toBe('malformed');
    expect(await refusal(concat(good, new Uint8Array([0])))).toBe('malformed');
    expect(await refusal(good.subarray(0, good.length - 1))).toBe('malformed');
    expect(await refusal(good.subarray(0, 1 + 136))).toBe('malformed');
    const otherFormat = good.slice();
    otherFormat[0] = FORMAT_ID.modernMessageV2;
    expect(await refusal(otherFormat)).toBe('malformed');
    // Each of these is signed by Alice herself: only the decoder's own rules refuse them.
    expect(await refusal(await signedAs(alice, body(keys, new Uint8Array(0))))).toBe('malformed');
    expect(await refusal(await signedAs(alice, body(keys, utf8('a'.repeat(65)))))).toBe('malformed');
    expect(await refusal(await signedAs(alice, body(keys, utf8('Alice'))))).toBe('malformed');
    expect(await refusal(await signedAs(alice, body(keys, utf8('al ice'))))).toBe('malformed');
    expect(await refusal(await signedAs(alice, body(keys, utf8('ali\u0007ce'))))).toBe('malformed');
    expect(await refusal(await signedAs(alice, body(keys, new Uint8Array([0x61, 0xff, 0x62]))))).toBe('malformed');
    const lyingLength = (await signedAs(alice, body(keys, utf8('alice')))).slice();
    lyingLength[1 + 136] = 4;
    expect(await refusal(lyingLength)).toBe('malformed');
  });

  it('is not a message, and a message is not a card', async () => {
    const [alice, bob] = await Promise.all([makeUser({ handle: 'alice' }), makeUser({ handle: 'bob' })]);
    const message = await sealMessageV2({ identity: alice.identity, recipients: [bob.bundle], plaintext: utf8('hello') });
    expect(await refusal(message)).toBe('malformed');
  });
});
