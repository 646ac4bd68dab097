// RFC 9180 Appendix A.1.3: the auth-mode (0x02) vector for DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
// AES-128-GCM. RFC 9180 publishes no X25519 vector with AES-256-GCM (our AEAD); this one checks the
// auth-mode KEM and key schedule we rely on, byte for byte, with the ephemeral key injected from
// ikmE. AES-256-GCM itself is checked against the GCM specification's test cases 13 and 14 below.
// (The CFRG repository's older test-vectors.json predates the final key schedule and does not match.)
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { describe, expect, it } from 'vitest';
import { buf, fromHex, toHex } from '../../../lib/bytes';
import { importX25519Public, x25519PublicOf } from '../../../lib/crypto/x25519';

const PLAINTEXT = '4265617574792069732074727574682c20747275746820626561757479'; // "Beauty is truth, truth beauty"

const A13 = {
  info: '4f6465206f6e2061204772656369616e2055726e', // "Ode on a Grecian Urn"
  ikmE: 'fbdea51dc940c2cdf5fe671dacc6742675e66d0c1f933d22cac79110270b4072',
  pkEm: '167b8fa9e5183677d45f502593dfca2cedc0162e44368f39de03a0158c685112',
  skEm: 'ae00dc9c0cd4d03a28623419c03e416d4404767070b134cc5115f5c9af5d93ff',
  pkRm: 'e98a8846c45cac9b5420c709aff5dd82ea60f5208096d6c9cb635763e15a6838',
  skRm: 'e6394962f9769914fcb5a1e1d4f1192792058c810ba53dd1a5402fa7784b008b',
  pkSm: '73b7fe64e3326c4ebd6acad4d52d89b9a5cd00f6f76211316fde9f7d4d02c951',
  skSm: 'f55932fafa429acef9fe650e5db936454df55c2b3671d8bb0551c28856ae78d1',
  enc: '167b8fa9e5183677d45f502593dfca2cedc0162e44368f39de03a0158c685112',
  encryptions: [
    { aad: '436f756e742d30', ct: 'fcad483c96f316d46d8503714b549185190d7acd3eae9efcf3349777ef096b9e7bc3d8a65a27b976250a42a58f' },
    { aad: '436f756e742d31', ct: '6a8c15b22197b8078772f5ff4e65245606bb1149779bc367fde14b3abb5f2d2cf08a4efaeed6d2da8dbeb23011' },
    { aad: '436f756e742d32', ct: '0335a1005594c425a522f39274f1b385a30055a3d15a0e40a717c97415bbb4bf266fb511e4880272fd9cc9c884' },
  ],
  exports: [
    { context: '', value: '7c0d3e8ac172ed77c98945f572fad2deb194714e6e8414e759ca102223a2fdfc' },
    { context: '54657374436f6e74657874', value: 'ec4bb9f2a2be294d55e7b68ba1fb2925fa180537652a11dd63ae169e3acf5a57' },
  ],
};

// PKCS#8 wrapping of a raw X25519 private key (RFC 8410), so the key can be imported non-extractable.
const PKCS8_X25519_PREFIX = fromHex('302e020100300506032b656e04220420');

async function importPrivate(raw: string, extractable: boolean): Promise<CryptoKey> {
  const pkcs8 = new Uint8Array([...PKCS8_X25519_PREFIX, ...fromHex(raw)]);
  return crypto.subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, extractable, ['deriveBits']);
}

describe('HPKE RFC 9180 A.1.3 (auth mode, X25519, HKDF-SHA256)', () => {
  const v = A13;
  const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  const info = fromHex(v.info);

  it('DeriveKeyPair(ikmE) gives the vector ephemeral key pair', async () => {
    const pair = await suite.kem.deriveKeyPair(fromHex(v.ikmE));
    expect(toHex(new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey)))).toBe(v.pkEm);
    expect(toHex(new Uint8Array(await suite.kem.serializePrivateKey(pair.privateKey)))).toBe(v.skEm);
  });

  it('sender: setup with the vector ephemeral key gives the vector enc, ciphertexts and export', async () => {
    const senderKey = { privateKey: await importPrivate(v.skSm, false), publicKey: await importX25519Public(fromHex(v.pkSm)) };
    const ctx = await suite.createSenderContext({
      recipientPublicKey: await importX25519Public(fromHex(v.pkRm)),
      senderKey,
      info,
      ekm: fromHex(v.ikmE),
    });
    expect(toHex(new Uint8Array(ctx.enc))).toBe(v.enc);
    for (const e of v.encryptions) {
      expect(toHex(new Uint8Array(await ctx.seal(fromHex(PLAINTEXT), fromHex(e.aad))))).toBe(e.ct);
    }
    for (const e of v.exports) {
      expect(toHex(new Uint8Array(await ctx.export(fromHex(e.context), 32)))).toBe(e.value);
    }
  });

  it('recipient: a non-extractable skR opens the vector ciphertexts in order, and rejects a flipped one', async () => {
    const privateKey = await importPrivate(v.skRm, false);
    expect(toHex(await x25519PublicOf(privateKey))).toBe(v.pkRm);
    const recipientKey = { privateKey, publicKey: await importX25519Public(fromHex(v.pkRm)) };
    const senderPublicKey = await importX25519Public(fromHex(v.pkSm));
    const ctx = await suite.createRecipientContext({ recipientKey, enc: fromHex(v.enc), senderPublicKey, info });
    for (const e of v.encryptions) {
      expect(toHex(new Uint8Array(await ctx.open(fromHex(e.ct), fromHex(e.aad))))).toBe(PLAINTEXT);
    }
    const fresh = await suite.createRecipientContext({ recipientKey, enc: fromHex(v.enc), senderPublicKey, info });
    const flipped = fromHex(v.encryptions[0]!.ct);
    flipped[3]! ^= 1;
    await expect(fresh.open(flipped, fromHex(v.encryptions[0]!.aad))).rejects.toThrow();
  });

  it('auth mode: the wrong sender public key does not open', async () => {
    const recipientKey = { privateKey: await importPrivate(v.skRm, true), publicKey: await importX25519Public(fromHex(v.pkRm)) };
    const otherSender = await importX25519Public(fromHex(v.pkRm)); // any other key
    const ctx = await suite.createRecipientContext({ recipientKey, enc: fromHex(v.enc), senderPublicKey: otherSender, info });
    await expect(ctx.open(fromHex(v.encryptions[0]!.ct), fromHex(v.encryptions[0]!.aad))).rejects.toThrow();
  });
});

// AES-256-GCM known answers from the GCM specification (McGrew & Viega), test cases 13 and 14:
// all-zero 256-bit key and 96-bit IV, with an empty and a one-block all-zero plaintext.
describe('AES-256-GCM (WebCrypto) known answers', () => {
  it.each([
    { name: 'test case 13', plaintext: '', expected: '530f8afbc74536b9a963b4f1c4cb738b' },
    { name: 'test case 14', plaintext: '00000000000000000000000000000000', expected: 'cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919' },
  ])('$name', async ({ plaintext, expected }) => {
    const key = await crypto.subtle.importKey('raw', new Uint8Array(32), 'AES-GCM', false, ['encrypt']);
    const out = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, key, buf(fromHex(plaintext)));
    expect(toHex(new Uint8Array(out))).toBe(expected);
  });
});
