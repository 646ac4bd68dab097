// Known answers for HPKE as the product uses it: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM
// (kem_id 0x0020, kdf_id 0x0001, aead_id 0x0002), in @hpke/core: the independent implementation the
// tests check lib/crypto/hpke.ts's messages against (hpke.test.ts checks ours). RFC 9180's appendix has no
// X25519 vector with AES-256-GCM (A.1 is AES-128-GCM); these are the mode 0 and mode 2 entries for this
// suite in the RFC's JSON test vectors (the [TestVectors] reference: test-vectors.json of the CFRG
// draft-irtf-cfrg-hpke repository, commit 5f503c5), as copied verbatim into BoringSSL's
// crypto/hpke/hpke_test_vectors.txt by its translate_test_vectors.py. The keys go through the
// product's own import path (x25519FromPrivate: PKCS#8, non-extractable; importX25519Public), and
// the ephemeral key is handed over as a CryptoKeyPair.
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { describe, expect, it } from 'vitest';
import { buf, fromHex, toHex } from '../../../lib/bytes';
import { x25519FromPrivate } from '../../../lib/chat/noise';
import { importX25519Public } from '../../../lib/crypto/x25519';

const INFO = '4f6465206f6e2061204772656369616e2055726e'; // "Ode on a Grecian Urn"
const PLAINTEXT = '4265617574792069732074727574682c20747275746820626561757479'; // "Beauty is truth, truth beauty"

interface Vector {
  skRm: string;
  pkRm: string;
  skEm: string;
  pkEm: string; // = enc
  sender?: { skSm: string; pkSm: string };
  /** By sequence number: 255 and 256 check the nonce's counter past one byte. */
  encryptions: Record<number, { aad: string; ct: string }>;
  exports: { context: string; value: string }[]; // 32 bytes each
}

const MODE_BASE: Vector = {
  skRm: '497b4502664cfea5d5af0b39934dac72242a74f8480451e1aee7d6a53320333d',
  pkRm: '430f4b9859665145a6b1ba274024487bd66f03a2dd577d7753c68d7d7d00c00c',
  skEm: '179d4b53b6365c45b600c4163b61d95cbc2f4d9e36f1695558dce265ab8bab11',
  pkEm: '6c93e09869df3402d7bf231bf540fadd35cd56be14f97178f0954db94b7fc256',
  encryptions: {
    0: { aad: '436f756e742d30', ct: 'e5d84cd531cfb583096e7cfa9641bd3079cf3a91cda813c52deb5f512be9931980a41de125a925cdad859d5b7a' },
    1: { aad: '436f756e742d31', ct: '2c43aff25343fdbff864506f0818b9d87df84ea01b1a2144d23b4d40c26bf655fdf197fe40297a8aebeed5cc2d' },
    2: { aad: '436f756e742d32', ct: 'e0a8f2cf92ff61215edbb8c55dc31fe9e2eb42a5685867bb6854211542099f9e940c4b41c192bc390835b1a5f7' },
    255: { aad: '436f756e742d323535', ct: 'f6ad1823eb0b932d04b6e23010eea64f1fe5edd0583dae5ba27ca6363f4ea104bd217331460ef4208040423641' },
    256: { aad: '436f756e742d323536', ct: '53624f4f9f173453b14e633b45390ff54cacaa4428d44baee1bff8133fab1ab3afe60f88e4634b525c54e92eda' },
  },
  exports: [
    { context: '', value: 'ded6cffafaea6b812cbf3e241e88332adbc077aca81512914213810ee291770a' },
    { context: '00', value: '04d3cb6cc116b28ffd22ad5bc276c60d31fec71ceb87ae24db811c64b7507339' },
    { context: '54657374436f6e74657874', value: '7c5ded445732c14fe09727d29b4251c0fd38455fe8440571e687f0886aac94d2' }, // "TestContext"
  ],
};

const MODE_AUTH: Vector = {
  skRm: '47f1eee3670dfaaf27c30a83d06ee9f257af174727c17b35328ef730dfc1cd81',
  pkRm: '3668d659cec6f338f4f8dc6da6733118d2a633f186a3c1415c895111a8eb7c7d',
  skEm: '805b278cabd22c9dbd461bf25771703eda4950ed3ef35b369163097899555356',
  pkEm: '9e59f4b1fa5c876f684765290c34e51145894cc4f244342b9fb1a4bdfd8bb426',
  sender: {
    skSm: '98fdf9b9773578a79d4ba82fbe483c74cc2e3b8d9525d148a18969fd79a74876',
    pkSm: '4a91c3d0893433f5e31a79fc520f885527a1bc60bf2b0c72693dd7f0b2e41a5a',
  },
  encryptions: {
    0: { aad: '436f756e742d30', ct: '10b964283ac2cc0bdc4c85ab617291b446bf3832e9359b2c3a0facc50ea75a3c1afd08aeaacd6041d02eb560ec' },
    1: { aad: '436f756e742d31', ct: '83b24287a5ac672289ccebf5ec303d3c0a85bc60bb7a748014d85179b51c7552ca93a70817ee3140442f92e23b' },
    2: { aad: '436f756e742d32', ct: 'f42d890891825c1a57dea5a66baf2c940126704682826bc7c5caee60ca71578d767db256b0c2a4051bef1236f7' },
    255: { aad: '436f756e742d323535', ct: 'f2783a56b5f0cac017424bbe7d29dc9cc45ea7a6050ef83c3284f5ad7bc889aab2cb46e6916a683b17b903b63e' },
    256: { aad: '436f756e742d323536', ct: '16bc024eb0af9037260c822d45fa786e3c259aab1b7a4a196a72c3e794e78446440ba42b531da44d3d36d0a042' },
  },
  exports: [
    { context: '', value: '8890c5615e5d6b0e1b212e26d80a7e8c0d03e796377f09e9377aa0497ccf89c9' },
    { context: '00', value: '51f60f1d4505688a1aca99c9b789e44f38a5bfa177a6b4660ff57114bf50c6be' },
    { context: '54657374436f6e74657874', value: '25f7c731201fe73978b5c66405f17de3e59b7f1c4bbe21e9ff57541d152841ac' },
  ],
};

// The suite as the tests construct it.
const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const info = buf(fromHex(INFO));
const LAST_SEQUENCE = 256;

/** A non-extractable key pair through the product's import, checked against the vector's public key. */
async function keyPair(sk: string, pk: string): Promise<CryptoKeyPair> {
  const pair = await x25519FromPrivate(fromHex(sk));
  expect(toHex(pair.publicKey)).toBe(pk);
  return { privateKey: pair.privateKey, publicKey: await importX25519Public(pair.publicKey) };
}

/** seal() or open() for every sequence number up to 256, compared where the vector lists one. */
async function everySequence(step: (seq: number, aad: Uint8Array) => Promise<ArrayBuffer>, v: Vector, expected: (e: { ct: string }) => string) {
  for (let seq = 0; seq <= LAST_SEQUENCE; seq++) {
    const listed = v.encryptions[seq];
    const aad = fromHex(listed?.aad ?? toHex(new TextEncoder().encode(`Count-${seq}`)));
    const out = toHex(new Uint8Array(await step(seq, aad)));
    if (listed) expect(out, `sequence ${seq}`).toBe(expected(listed));
  }
}

async function exportsOf(ctx: { export(context: BufferSource, length: number): Promise<ArrayBuffer> }, v: Vector) {
  return Promise.all(v.exports.map(async (e) => toHex(new Uint8Array(await ctx.export(buf(fromHex(e.context)), 32)))));
}

describe.each([
  { mode: 'mode 0 (base: message-v2 wrap masks)', v: MODE_BASE },
  { mode: 'mode 2 (auth: message v1 wraps)', v: MODE_AUTH },
])('HPKE X25519 / HKDF-SHA256 / AES-256-GCM, $mode (CFRG test-vectors.json)', ({ v }) => {
  it('sender: the vector ephemeral key gives the published enc, ciphertexts and exports', async () => {
    const ekm = await keyPair(v.skEm, v.pkEm);
    const senderKey = v.sender ? await keyPair(v.sender.skSm, v.sender.pkSm) : undefined;
    const ctx = await suite.createSenderContext({ recipientPublicKey: await importX25519Public(fromHex(v.pkRm)), senderKey, info, ekm });
    expect(toHex(new Uint8Array(ctx.enc))).toBe(v.pkEm);
    await everySequence((_, aad) => ctx.seal(buf(fromHex(PLAINTEXT)), buf(aad)), v, (e) => e.ct);
    expect(await exportsOf(ctx, v)).toEqual(v.exports.map((e) => e.value));
  });

  it('recipient: a non-extractable skR opens the published ciphertexts in order and exports the same values', async () => {
    const recipientKey = await keyPair(v.skRm, v.pkRm);
    const senderPublicKey = v.sender ? await importX25519Public(fromHex(v.sender.pkSm)) : undefined;
    const ctx = await suite.createRecipientContext({ recipientKey, enc: buf(fromHex(v.pkEm)), senderPublicKey, info });
    expect(await exportsOf(ctx, v)).toEqual(v.exports.map((e) => e.value));
    for (const seq of [0, 1, 2]) {
      const e = v.encryptions[seq]!;
      expect(toHex(new Uint8Array(await ctx.open(buf(fromHex(e.ct)), buf(fromHex(e.aad)))))).toBe(PLAINTEXT);
    }
  });

  it('recipient: a flipped ciphertext bit, the wrong aad or the wrong info does not open', async () => {
    const recipientKey = await keyPair(v.skRm, v.pkRm);
    const senderPublicKey = v.sender ? await importX25519Public(fromHex(v.sender.pkSm)) : undefined;
    const open = async (ct: Uint8Array, aad: Uint8Array, withInfo = info) => {
      const ctx = await suite.createRecipientContext({ recipientKey, enc: buf(fromHex(v.pkEm)), senderPublicKey, info: withInfo });
      return ctx.open(buf(ct), buf(aad));
    };
    const first = v.encryptions[0]!;
    const flipped = fromHex(first.ct);
    flipped[3]! ^= 1;
    await expect(open(flipped, fromHex(first.aad))).rejects.toThrow();
    await expect(open(fromHex(first.ct), fromHex(v.encryptions[1]!.aad))).rejects.toThrow();
    await expect(open(fromHex(first.ct), fromHex(first.aad), buf(new TextEncoder().encode('c2c/v1/message')))).rejects.toThrow();
  });
});

describe('HPKE auth mode (mode 2): the sender key is authenticated', () => {
  it('another sender public key does not open the published ciphertext', async () => {
    const v = MODE_AUTH;
    const recipientKey = await keyPair(v.skRm, v.pkRm);
    const otherSender = await importX25519Public(fromHex(MODE_BASE.pkRm));
    const ctx = await suite.createRecipientContext({ recipientKey, enc: buf(fromHex(v.pkEm)), senderPublicKey: otherSender, info });
    await expect(ctx.open(buf(fromHex(v.encryptions[0]!.ct)), buf(fromHex(v.encryptions[0]!.aad)))).rejects.toThrow();
  });
});
