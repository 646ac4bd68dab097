// Known answer for the one-shot message v2 (docs/FORMATS.md, "One-shot message v2"). No published vector
// exists for our own format, so MESSAGE below was built by the independent implementation in this file:
// the format description written out on Node's crypto module (OpenSSL: X25519, Ed25519, HMAC/HKDF-SHA256,
// AES-256-GCM), sharing no code with lib/crypto (WebCrypto and @hpke/core). Its HPKE part is first checked
// against the CFRG test vector (X25519, HKDF-SHA256, AES-256-GCM, mode 0, export of "TestContext").
// Keys: sender identity = RFC 8032 §7.1 TEST 1, recipient identity = TEST 2; recipient prekey = Bob's and
// ephemeral = Alice's private key of RFC 7748 §6.1.
import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, sign, verify, type KeyObject } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex, u64be, utf8 } from '../../../lib/bytes';
import { importIdentityPrivate } from '../../../lib/crypto/identity';
import { openMessageV2, sealMessageV2 } from '../../../lib/crypto/message-v2';
import { prekeyId, type PrekeyPair } from '../../../lib/crypto/prekey';
import { TEXT_DICTIONARY_1 } from '../../../lib/crypto/text-dictionary';
import { isC2CError } from '../../../lib/errors';

const SENDER_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'; // RFC 8032 TEST 1
const RECIPIENT_SEED = '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'; // RFC 8032 TEST 2
const PREKEY_PRIVATE = '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'; // RFC 7748 Bob
const EPHEMERAL_PRIVATE = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'; // RFC 7748 Alice
const TEXT = 'Hello, Bob — привет';
const TIMESTAMP_S = 1_767_225_600; // 2026-01-01T00:00:00Z
const PREKEY_CREATED = 1_767_225_000_000;
const MESSAGE =
  '048520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a01f35e241c90b06c17a37397edf8247946842a' +
  'f2ace8a8d42da5668f36c2a12d96429a2df720cce377ba083e03962739077a3d057dd051cb3f44cef3f6548c54c416d1a8c3be96' +
  '9a88ae76acd30d327b8fc7ac09c9f9483bc37bcc87be62f06f8a75391a755a614ee51cc3c7f92e77ef538f2d9d3378763d7148cb' +
  '6f8ea7d6c74e44b30c6871c96883c47ad04bf49b8609716d737231493166a4bca9dc82b5';

// The format written out on node:crypto.
const X25519_PKCS8 = '302e020100300506032b656e04220420';
const X25519_SPKI = '302a300506032b656e032100';
const ED25519_PKCS8 = '302e020100300506032b657004220420';
const ED25519_SPKI = '302a300506032b6570032100';

const der = (prefix: string, raw: Uint8Array | string) => Buffer.concat([Buffer.from(prefix, 'hex'), Buffer.from(typeof raw === 'string' ? fromHex(raw) : raw)]);
const x25519Private = (hex: string) => createPrivateKey({ key: der(X25519_PKCS8, hex), format: 'der', type: 'pkcs8' });
const x25519Public = (raw: Uint8Array) => createPublicKey({ key: der(X25519_SPKI, raw), format: 'der', type: 'spki' });
const ed25519Private = (hex: string) => createPrivateKey({ key: der(ED25519_PKCS8, hex), format: 'der', type: 'pkcs8' });
const rawPublic = (key: KeyObject) => new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12));
const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());
const u16 = (n: number) => new Uint8Array([n >> 8, n & 0xff]);

// RFC 9180 §4 LabeledExtract / LabeledExpand (one 32-byte HKDF-Expand block is all this format needs).
function labeledExtract(suiteId: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', salt).update(concat(utf8('HPKE-v1'), suiteId, utf8(label), ikm)).digest());
}
function labeledExpand(suiteId: Uint8Array, prk: Uint8Array, label: string, info: Uint8Array): Uint8Array {
  const labeledInfo = concat(u16(32), utf8('HPKE-v1'), suiteId, utf8(label), info);
  return new Uint8Array(createHmac('sha256', prk).update(concat(labeledInfo, new Uint8Array([1]))).digest());
}

/** HPKE base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM: Export(context, 32). */
function hpkeBaseExport(dh: Uint8Array, enc: Uint8Array, pkR: Uint8Array, info: Uint8Array, context: Uint8Array): Uint8Array {
  const kemSuite = concat(utf8('KEM'), u16(0x20));
  const eaePrk = labeledExtract(kemSuite, new Uint8Array(0), 'eae_prk', dh);
  const sharedSecret = labeledExpand(kemSuite, eaePrk, 'shared_secret', concat(enc, pkR));
  const suite = concat(utf8('HPKE'), u16(0x20), u16(0x01), u16(0x02));
  const none = new Uint8Array(0);
  const keyScheduleContext = concat(new Uint8Array([0]), labeledExtract(suite, none, 'psk_id_hash', none), labeledExtract(suite, none, 'info_hash', info));
  const secret = labeledExtract(suite, sharedSecret, 'secret', none);
  const exporterSecret = labeledExpand(suite, secret, 'exp', keyScheduleContext);
  return labeledExpand(suite, exporterSecret, 'sec', context);
}

const xor = (a: Uint8Array, b: Uint8Array) => a.map((x, i) => x ^ b[i]!);
const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: string) => new Uint8Array(hkdfSync('sha256', ikm, salt, info, 32));
const padmeLength = (n: number) => {
  const e = Math.floor(Math.log2(n));
  const z = e - (Math.floor(Math.log2(e)) + 1);
  return Math.max(40, z <= 0 ? n : Math.ceil(n / 2 ** z) * 2 ** z);
};

/** Seals TEXT from the sender to the recipient prekey, key id form, no compression, per the format. */
function nodeSeal(): Uint8Array {
  const identity = ed25519Private(SENDER_SEED);
  const ephemeral = x25519Private(EPHEMERAL_PRIVATE);
  const enc = rawPublic(ephemeral);
  const pkR = rawPublic(x25519Private(PREKEY_PRIVATE));
  const selfSecret = new Uint8Array(sign(null, concat(utf8('c2c/v2/self-copy-key'), new Uint8Array([0])), identity));
  const contentKey = hkdf(selfSecret, enc, 'c2c/v2/self-copy');
  const dh = new Uint8Array(diffieHellman({ privateKey: ephemeral, publicKey: x25519Public(pkR) }));
  const mask = hpkeBaseExport(dh, enc, pkR, utf8('c2c/v2/message'), utf8('c2c/v2/wrap'));
  const outer = concat(new Uint8Array([0x04]), enc, new Uint8Array([1]), sha256(pkR).subarray(0, 2), xor(contentKey, mask));
  const time = new Uint8Array(4);
  new DataView(time.buffer).setUint32(0, TIMESTAMP_S);
  const unpadded = concat(new Uint8Array([0x00]), time, sha256(rawPublic(identity)).subarray(0, 8), utf8(TEXT), new Uint8Array([0x80]));
  const section = new Uint8Array(padmeLength(unpadded.length));
  section.set(unpadded);
  const signature = new Uint8Array(sign(null, concat(utf8('c2c/v2/message'), new Uint8Array([0]), outer, section), identity));
  const cipher = createCipheriv('aes-256-gcm', hkdf(contentKey, new Uint8Array(0), 'c2c/v2/body'), Buffer.alloc(12));
  cipher.setAAD(outer);
  const body = Buffer.concat([cipher.update(concat(section, signature)), cipher.final(), cipher.getAuthTag()]);
  return concat(outer, body);
}

/** Opens a single-wrap v2 message with the recipient prekey, per the format; returns the text and signer check. */
function nodeOpen(message: Uint8Array, prekeyPrivate: string, senderPublic: Uint8Array): { text: string; signed: boolean } {
  const enc = message.subarray(1, 33);
  const prekey = x25519Private(prekeyPrivate);
  const pkR = rawPublic(prekey);
  expect(message[0]).toBe(0x04);
  expect(message[33]).toBe(1);
  expect(toHex(message.subarray(34, 36))).toBe(toHex(sha256(pkR).subarray(0, 2)));
  const dh = new Uint8Array(diffieHellman({ privateKey: prekey, publicKey: x25519Public(enc) }));
  const contentKey = xor(message.subarray(36, 68), hpkeBaseExport(dh, enc, pkR, utf8('c2c/v2/message'), utf8('c2c/v2/wrap')));
  const outer = message.subarray(0, 68);
  const decipher = createDecipheriv('aes-256-gcm', hkdf(contentKey, new Uint8Array(0), 'c2c/v2/body'), Buffer.alloc(12));
  decipher.setAAD(outer);
  decipher.setAuthTag(message.subarray(message.length - 16));
  const plain = new Uint8Array(Buffer.concat([decipher.update(message.subarray(68, message.length - 16)), decipher.final()]));
  const section = plain.subarray(0, plain.length - 64);
  const signed = verify(null, concat(utf8('c2c/v2/message'), new Uint8Array([0]), outer, section), createPublicKey({ key: der(ED25519_SPKI, senderPublic), format: 'der', type: 'spki' }), plain.subarray(section.length));
  const flags = section[0]!;
  const senderLength = flags & 0x01 ? 32 : 8;
  // 0x0A: raw DEFLATE primed with the preset dictionary (zlib here, fflate in the product), then zeros up to
  // the padded length; otherwise the text ends at the 0x80 before the zeros.
  let end = section.length;
  while (section[end - 1] === 0) end--;
  const text =
    (flags & 0x0a) === 0x0a
      ? inflateRawSync(section.subarray(5 + senderLength), { dictionary: utf8(TEXT_DICTIONARY_1) })
      : section.subarray(5 + senderLength, end - 1);
  return { text: new TextDecoder().decode(text), signed };
}

// The product's keys: identities and the prekey imported as the keyring imports them (PKCS#8, non-extractable).
async function productKeys() {
  const senderPublic = rawPublic(ed25519Private(SENDER_SEED));
  const recipientPublic = rawPublic(ed25519Private(RECIPIENT_SEED));
  const sender = { publicKey: senderPublic, privateKey: await importIdentityPrivate(der(ED25519_PKCS8, SENDER_SEED)) };
  const recipient = { publicKey: recipientPublic, privateKey: await importIdentityPrivate(der(ED25519_PKCS8, RECIPIENT_SEED)) };
  const prekeyPublic = rawPublic(x25519Private(PREKEY_PRIVATE));
  const prekeySignature = new Uint8Array(
    sign(null, concat(utf8('c2c/v1/prekey'), new Uint8Array([0]), prekeyPublic, u64be(PREKEY_CREATED)), ed25519Private(RECIPIENT_SEED)),
  );
  const prekey: PrekeyPair = {
    id: await prekeyId(prekeyPublic),
    publicKey: prekeyPublic,
    privateKey: await crypto.subtle.importKey('pkcs8', der(X25519_PKCS8, PREKEY_PRIVATE), { name: 'X25519' }, false, ['deriveBits']),
    created: PREKEY_CREATED,
    signature: prekeySignature,
  };
  return { sender, recipient, prekey };
}

describe('one-shot message v2 (independently computed vector)', () => {
  it('the independent HPKE export matches the CFRG vector (mode 0, X25519, HKDF-SHA256, AES-256-GCM)', () => {
    const skE = x25519Private('179d4b53b6365c45b600c4163b61d95cbc2f4d9e36f1695558dce265ab8bab11');
    const pkR = fromHex('430f4b9859665145a6b1ba274024487bd66f03a2dd577d7753c68d7d7d00c00c');
    const dh = new Uint8Array(diffieHellman({ privateKey: skE, publicKey: x25519Public(pkR) }));
    const exported = hpkeBaseExport(dh, rawPublic(skE), pkR, fromHex('4f6465206f6e2061204772656369616e2055726e'), utf8('TestContext'));
    expect(toHex(exported)).toBe('7c5ded445732c14fe09727d29b4251c0fd38455fe8440571e687f0886aac94d2');
  });

  it('the independent implementation builds the recorded message', () => {
    expect(toHex(nodeSeal())).toBe(MESSAGE);
  });

  it('openMessageV2 opens the recorded message for the recipient: text, sender, signature, time, id', async () => {
    const { sender, recipient, prekey } = await productKeys();
    const opened = await openMessageV2(fromHex(MESSAGE), { identity: recipient, prekeys: [prekey] }, {
      resolveSender: async (keyId) => (toHex(keyId) === toHex(sha256(sender.publicKey).subarray(0, 8)) ? sender.publicKey : undefined),
    });
    expect(new TextDecoder().decode(opened.plaintext)).toBe(TEXT);
    expect(toHex(opened.sender.identityKey!)).toBe(toHex(sender.publicKey));
    expect(opened.signature).toBe('checked');
    expect(opened.ownCopy).toBe(false);
    expect(opened.timestamp).toBe(TIMESTAMP_S * 1000);
    expect(opened.messageId).toBe(toHex(sha256(fromHex(MESSAGE).subarray(1, 33)).subarray(0, 16)));
  });

  it('openMessageV2 opens the recorded message as the sender’s own copy', async () => {
    const { sender } = await productKeys();
    const opened = await openMessageV2(fromHex(MESSAGE), { identity: sender, prekeys: [] });
    expect(new TextDecoder().decode(opened.plaintext)).toBe(TEXT);
    expect(opened.ownCopy).toBe(true);
    expect(opened.signature).toBe('checked');
  });

  it('a flipped bit anywhere in the wrap or body does not open', async () => {
    const { recipient, prekey } = await productKeys();
    for (const at of [40, 70, fromHex(MESSAGE).length - 1]) {
      const bytes = fromHex(MESSAGE);
      bytes[at]! ^= 1;
      const err = await openMessageV2(bytes, { identity: recipient, prekeys: [prekey] }).catch((e: unknown) => e);
      expect(isC2CError(err, 'tampered'), `bit at byte ${at}`).toBe(true);
    }
  });

  it('what sealMessageV2 seals, the independent implementation opens and finds signed by the sender', async () => {
    const { sender, recipient, prekey } = await productKeys();
    const bundle = { identityKey: recipient.publicKey, prekey: { publicKey: prekey.publicKey, created: prekey.created, signature: prekey.signature } };
    const sealed = await sealMessageV2({ identity: sender, recipients: [bundle], plaintext: utf8(TEXT), timestamp: TIMESTAMP_S * 1000 });
    expect(nodeOpen(sealed, PREKEY_PRIVATE, sender.publicKey)).toEqual({ text: TEXT, signed: true });
  });
});
