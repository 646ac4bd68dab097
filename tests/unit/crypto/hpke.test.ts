// Known answers for lib/crypto/hpke.ts, the single-shot HPKE the messages use: DHKEM(X25519, HKDF-SHA256),
// HKDF-SHA256, AES-256-GCM (kem_id 0x0020, kdf_id 0x0001, aead_id 0x0002). Vectors: the mode 0 and mode 2
// entries for this suite in RFC 9180's JSON test vectors (test-vectors.json of the CFRG draft-irtf-cfrg-hpke
// repository, commit 5f503c5, as copied verbatim into BoringSSL's crypto/hpke/hpke_test_vectors.txt), the
// same entries hpke-vectors.test.ts checks @hpke/core against. A single-shot context seals once, at
// sequence number 0, so only that encryption applies; every listed export does.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../../lib/bytes';
import { x25519FromPrivate } from '../../../lib/chat/noise';
import { exportSecret, generateEphemeral, hpkeInfo, openOnce, sealOnce, setupRecipient, setupSender } from '../../../lib/crypto/hpke';

const INFO = hpkeInfo(fromHex('4f6465206f6e2061204772656369616e2055726e')); // "Ode on a Grecian Urn"
const PLAINTEXT = '4265617574792069732074727574682c20747275746820626561757479'; // "Beauty is truth, truth beauty"
const AAD_0 = fromHex('436f756e742d30'); // "Count-0"
const EXPORT_CONTEXTS = ['', '00', '54657374436f6e74657874']; // "", 0x00, "TestContext"

const VECTORS = [
  {
    mode: 'mode 0 (base: message-v2 wrap masks)',
    skRm: '497b4502664cfea5d5af0b39934dac72242a74f8480451e1aee7d6a53320333d',
    pkRm: '430f4b9859665145a6b1ba274024487bd66f03a2dd577d7753c68d7d7d00c00c',
    skEm: '179d4b53b6365c45b600c4163b61d95cbc2f4d9e36f1695558dce265ab8bab11',
    pkEm: '6c93e09869df3402d7bf231bf540fadd35cd56be14f97178f0954db94b7fc256',
    sender: undefined,
    ct0: 'e5d84cd531cfb583096e7cfa9641bd3079cf3a91cda813c52deb5f512be9931980a41de125a925cdad859d5b7a',
    exports: [
      'ded6cffafaea6b812cbf3e241e88332adbc077aca81512914213810ee291770a',
      '04d3cb6cc116b28ffd22ad5bc276c60d31fec71ceb87ae24db811c64b7507339',
      '7c5ded445732c14fe09727d29b4251c0fd38455fe8440571e687f0886aac94d2',
    ],
  },
  {
    mode: 'mode 2 (auth: message v1 wraps)',
    skRm: '47f1eee3670dfaaf27c30a83d06ee9f257af174727c17b35328ef730dfc1cd81',
    pkRm: '3668d659cec6f338f4f8dc6da6733118d2a633f186a3c1415c895111a8eb7c7d',
    skEm: '805b278cabd22c9dbd461bf25771703eda4950ed3ef35b369163097899555356',
    pkEm: '9e59f4b1fa5c876f684765290c34e51145894cc4f244342b9fb1a4bdfd8bb426',
    sender: {
      skSm: '98fdf9b9773578a79d4ba82fbe483c74cc2e3b8d9525d148a18969fd79a74876',
      pkSm: '4a91c3d0893433f5e31a79fc520f885527a1bc60bf2b0c72693dd7f0b2e41a5a',
    },
    ct0: '10b964283ac2cc0bdc4c85ab617291b446bf3832e9359b2c3a0facc50ea75a3c1afd08aeaacd6041d02eb560ec',
    exports: [
      '8890c5615e5d6b0e1b212e26d80a7e8c0d03e796377f09e9377aa0497ccf89c9',
      '51f60f1d4505688a1aca99c9b789e44f38a5bfa177a6b4660ff57114bf50c6be',
      '25f7c731201fe73978b5c66405f17de3e59b7f1c4bbe21e9ff57541d152841ac',
    ],
  },
];

/** A non-extractable key pair through the product's import, checked against the vector's public key. */
async function keyPair(sk: string, pk: string) {
  const pair = await x25519FromPrivate(fromHex(sk));
  expect(toHex(pair.publicKey)).toBe(pk);
  return pair;
}

const exportsOf = (schedule: Parameters<typeof exportSecret>[0]) => EXPORT_CONTEXTS.map((c) => toHex(exportSecret(schedule, fromHex(c), 32)));

describe.each(VECTORS)('single-shot HPKE X25519 / HKDF-SHA256 / AES-256-GCM, $mode (CFRG test-vectors.json)', (v) => {
  const recipientSide = async () => ({
    recipient: await keyPair(v.skRm, v.pkRm),
    senderPublic: v.sender ? fromHex(v.sender.pkSm) : undefined,
  });

  it('sender: the vector ephemeral key gives the published ciphertext at sequence 0 and the exports', async () => {
    const { privateKey } = await keyPair(v.skEm, v.pkEm);
    const sender = v.sender ? await keyPair(v.sender.skSm, v.sender.pkSm) : undefined;
    const schedule = await setupSender({ ephemeral: { privateKey, enc: fromHex(v.pkEm) }, recipient: fromHex(v.pkRm), sender, info: INFO });
    expect(toHex(await sealOnce(schedule, AAD_0, fromHex(PLAINTEXT)))).toBe(v.ct0);
    expect(exportsOf(schedule)).toEqual(v.exports);
  });

  it('recipient: a non-extractable skR opens the published ciphertext and exports the same values', async () => {
    const { recipient, senderPublic } = await recipientSide();
    const schedule = await setupRecipient({ recipient, enc: fromHex(v.pkEm), senderPublic, info: INFO });
    expect(exportsOf(schedule)).toEqual(v.exports);
    expect(toHex(await openOnce(schedule, AAD_0, fromHex(v.ct0)))).toBe(PLAINTEXT);
  });

  it('recipient: a flipped ciphertext bit, another aad, another info or another enc does not open', async () => {
    const { recipient, senderPublic } = await recipientSide();
    const open = async (ct: Uint8Array, aad = AAD_0, info = INFO, enc = fromHex(v.pkEm)) =>
      openOnce(await setupRecipient({ recipient, enc, senderPublic, info }), aad, ct);
    const flipped = fromHex(v.ct0);
    flipped[3]! ^= 1;
    await expect(open(flipped)).rejects.toThrow();
    await expect(open(fromHex(v.ct0), fromHex('436f756e742d31'))).rejects.toThrow();
    await expect(open(fromHex(v.ct0), AAD_0, hpkeInfo(utf8('c2c/v1/message')))).rejects.toThrow();
    const otherEnc = fromHex(v.pkEm);
    otherEnc[0]! ^= 1;
    await expect(open(fromHex(v.ct0), AAD_0, INFO, otherEnc)).rejects.toThrow();
  });
});

describe('single-shot HPKE: keys that must be refused', () => {
  const auth = VECTORS[1]!;

  it('auth mode: another sender public key does not open the published ciphertext', async () => {
    const recipient = await keyPair(auth.skRm, auth.pkRm);
    const schedule = await setupRecipient({ recipient, enc: fromHex(auth.pkEm), senderPublic: fromHex(VECTORS[0]!.pkRm), info: INFO });
    await expect(openOnce(schedule, AAD_0, fromHex(auth.ct0))).rejects.toThrow();
  });

  it('a low-order peer key (all-zero shared secret, RFC 9180 §7.1.4) is refused on both sides', async () => {
    const lowOrder = [new Uint8Array(32), fromHex('0100000000000000000000000000000000000000000000000000000000000000')];
    const recipient = await keyPair(auth.skRm, auth.pkRm);
    for (const point of lowOrder) {
      await expect(setupSender({ ephemeral: await generateEphemeral(), recipient: point, info: INFO })).rejects.toThrow();
      await expect(setupRecipient({ recipient, enc: point, info: INFO })).rejects.toThrow();
      await expect(setupRecipient({ recipient, enc: fromHex(auth.pkEm), senderPublic: point, info: INFO })).rejects.toThrow();
    }
  });

  it('a public key or enc that is not 32 bytes is refused', async () => {
    const recipient = await keyPair(auth.skRm, auth.pkRm);
    await expect(setupSender({ ephemeral: await generateEphemeral(), recipient: new Uint8Array(31), info: INFO })).rejects.toThrow();
    await expect(setupRecipient({ recipient, enc: new Uint8Array(33), info: INFO })).rejects.toThrow();
  });

  it('a fresh ephemeral key round-trips, and two ephemerals give two different contexts', async () => {
    const recipient = await keyPair(auth.skRm, auth.pkRm);
    const [a, b] = await Promise.all([generateEphemeral(), generateEphemeral()]);
    expect(toHex(a.enc)).not.toBe(toHex(b.enc));
    const sa = await setupSender({ ephemeral: a, recipient: recipient.publicKey, info: INFO });
    const sb = await setupSender({ ephemeral: b, recipient: recipient.publicKey, info: INFO });
    expect(toHex(sa.key)).not.toBe(toHex(sb.key));
    const sealed = await sealOnce(sa, AAD_0, fromHex(PLAINTEXT));
    expect(toHex(await openOnce(await setupRecipient({ recipient, enc: a.enc, info: INFO }), AAD_0, sealed))).toBe(PLAINTEXT);
  });
});
