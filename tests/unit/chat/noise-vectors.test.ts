// Known answers: the Noise_XX_25519_AESGCM_SHA256 vector of the cacophony suite (vectors/cacophony.txt,
// as shipped in snow's tests/vectors/cacophony.txt, snow commit 8ac60f5): fixed static and ephemeral keys,
// three handshake messages, then three transport messages on the split ciphers. Every byte on the wire
// and the published handshake_hash (h after the last handshake message, Noise spec §5.3 and §11.2:
// what the chat's ratchet is seeded from) must match, through lib/chat/noise.ts.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../lib/bytes';
import { isC2CError } from '../../../lib/errors';
import { CipherState, NoiseXXHandshake, x25519FromPrivate, type X25519KeyPair } from '../../../lib/chat/noise';

const V = {
  prologue: '4a6f686e2047616c74', // "John Galt"
  initStatic: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
  initEphemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
  respStatic: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
  respEphemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
  handshakeHash: '1b7aefb1125762aa21a252890d00af54519638b76437444538f9a52f21e2e0dc',
  messages: [
    { payload: '4c756477696720766f6e204d69736573', ciphertext: 'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573' },
    {
      payload: '4d757272617920526f746862617264',
      ciphertext:
        '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843757117acceb05bd7a45733bc22015c97a9d0cbaf41b80446d5988ff5127235d76b79eade70f473d6a4ef521fdcbeda5340d01e028ba793fc059f2724a83af05f12dda0448a7621a926b379a92477fd',
    },
    {
      payload: '462e20412e20486179656b',
      ciphertext:
        'c90f1cf77eba4e50edb038991565e36c9758943a989229b6051244dc4fbecb6946744b401af2ee1a5881b65fbb87fd07cb6a328ececc9ce6ce84c399dc332d4fd521fa4bb7f467ce909395',
    },
    { payload: '4361726c204d656e676572', ciphertext: 'bc3fa77f6aca3e8466d7dc6bea10013e88a6a29add5132b461806c' },
    { payload: '4a65616e2d426170746973746520536179', ciphertext: '250b01074cdfe0df2ecf8ccbf1737b15a2ddb5b52fd9a396604e9c793cee3b3bb9' },
    { payload: '457567656e2042f6686d20766f6e2042617765726b', ciphertext: '449d4d433b3cdc3d02bf6fc881774b9df54366ebcffb9689bb13f14709822cd7ef42bcdb4d' },
  ],
};

async function pair(hex: string): Promise<X25519KeyPair> {
  return x25519FromPrivate(fromHex(hex));
}

async function handshakes(prologue = fromHex(V.prologue)) {
  const [is, ie, rs, re] = await Promise.all([pair(V.initStatic), pair(V.initEphemeral), pair(V.respStatic), pair(V.respEphemeral)]);
  const initiator = new NoiseXXHandshake({ initiator: true, prologue, s: is, generateEphemeral: async () => ie });
  const responder = new NoiseXXHandshake({ initiator: false, prologue: fromHex(V.prologue), s: rs, generateEphemeral: async () => re });
  return { initiator, responder, is, rs };
}

describe('Noise_XX_25519_AESGCM_SHA256 (cacophony vector)', () => {
  it('produces every handshake and transport message byte for byte', async () => {
    const { initiator, responder, is, rs } = await handshakes();
    for (let i = 0; i < 3; i++) {
      const [writer, reader] = i % 2 === 0 ? [initiator, responder] : [responder, initiator];
      const m = V.messages[i]!;
      const wire = await writer.writeMessage(fromHex(m.payload));
      expect(toHex(wire)).toBe(m.ciphertext);
      expect(toHex(await reader.readMessage(wire))).toBe(m.payload);
    }
    expect(initiator.complete && responder.complete).toBe(true);
    expect(toHex(initiator.handshakeHash)).toBe(V.handshakeHash);
    expect(toHex(responder.handshakeHash)).toBe(V.handshakeHash);
    expect(toHex(initiator.remoteStatic!)).toBe(toHex(rs.publicKey));
    expect(toHex(responder.remoteStatic!)).toBe(toHex(is.publicKey));

    // Transport: c1 carries initiator→responder, c2 responder→initiator; messages keep alternating.
    const [i1, i2] = initiator.splitKeys();
    const [r1, r2] = responder.splitKeys();
    const iSend = new CipherState(i1), iRecv = new CipherState(i2);
    const rSend = new CipherState(r2), rRecv = new CipherState(r1);
    for (let i = 3; i < V.messages.length; i++) {
      const [send, recv] = i % 2 === 0 ? [iSend, rRecv] : [rSend, iRecv];
      const m = V.messages[i]!;
      const ct = await send.encryptWithAd(new Uint8Array(0), fromHex(m.payload));
      expect(toHex(ct)).toBe(m.ciphertext);
      expect(toHex(await recv.decryptWithAd(new Uint8Array(0), ct))).toBe(m.payload);
    }
  });

  it('fails the second message when the prologues differ', async () => {
    const { initiator, responder } = await handshakes(new TextEncoder().encode('another prologue'));
    const m1 = await initiator.writeMessage(new Uint8Array(0));
    await responder.readMessage(m1);
    const m2 = await responder.writeMessage(new Uint8Array(0));
    await expect(initiator.readMessage(m2)).rejects.toSatisfy((e) => isC2CError(e, 'tampered'));
  });

  it('rejects a flipped bit, a truncated message and a low-order key', async () => {
    const { initiator, responder } = await handshakes();
    await responder.readMessage(await initiator.writeMessage(new Uint8Array(0)));
    const m2 = await responder.writeMessage(fromHex(V.messages[1]!.payload));

    const flipped = m2.slice();
    flipped[40]! ^= 1;
    await expect(initiator.readMessage(flipped)).rejects.toSatisfy((e) => isC2CError(e, 'tampered'));
    // A failed read has already mixed the bad bytes into the transcript: check truncation on a fresh one.
    const fresh = await handshakes();
    await fresh.responder.readMessage(await fresh.initiator.writeMessage(new Uint8Array(0)));
    const good = await fresh.responder.writeMessage(new Uint8Array(0));
    await expect(fresh.initiator.readMessage(good.subarray(0, 40))).rejects.toSatisfy((e) => isC2CError(e, 'malformed'));

    const low = await handshakes();
    await expect(low.responder.readMessage(new Uint8Array(32))).resolves.toBeDefined(); // `e` alone has no DH
    const zeroE = new Uint8Array(96); // responder message with an all-zero (low-order) ephemeral
    await expect(low.initiator.writeMessage(new Uint8Array(0)).then(() => low.initiator.readMessage(zeroE))).rejects.toSatisfy((e) =>
      isC2CError(e, 'tampered'),
    );
  });

  it('refuses to write or read out of turn', async () => {
    const { initiator, responder } = await handshakes();
    await expect(responder.writeMessage(new Uint8Array(0))).rejects.toSatisfy((e) => isC2CError(e, 'unsupported'));
    await expect(initiator.readMessage(new Uint8Array(32))).rejects.toSatisfy((e) => isC2CError(e, 'unsupported'));
    expect(() => initiator.splitKeys()).toThrow();
  });
});
