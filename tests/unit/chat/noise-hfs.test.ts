// Noise_XXhfs_25519+XWing_AESGCM_SHA256 in lib/chat/noise.ts (the secure chat's version 2): the two
// sides agree, the messages have the lengths docs/FORMATS.md gives, and it does not interoperate with
// plain XX (a different protocol, not a variant a peer could be talked into). No published vectors exist
// for this combination; X-Wing itself is checked against the draft's vectors (xwing-vectors.test.ts).
import { describe, expect, it } from 'vitest';
import { randomBytes, toHex, utf8 } from '../../../lib/bytes';
import { CipherState, NoiseXXHandshake, generateX25519 } from '../../../lib/chat/noise';

const PAYLOAD = 128; // the chat's handshake payload

async function pair(initiatorHybrid: boolean, responderHybrid: boolean) {
  const prologue = utf8('prologue');
  const [si, sr] = await Promise.all([generateX25519(), generateX25519()]);
  return {
    i: new NoiseXXHandshake({ initiator: true, prologue, s: si, hybrid: initiatorHybrid }),
    r: new NoiseXXHandshake({ initiator: false, prologue, s: sr, hybrid: responderHybrid }),
    si,
    sr,
  };
}

describe('Noise XXhfs with X-Wing', () => {
  it('completes: equal hashes and transport keys, each side learns the other’s static key, lengths as specified', async () => {
    const { i, r, si, sr } = await pair(true, true);
    const [p1, p2, p3] = [new Uint8Array(0), randomBytes(PAYLOAD), randomBytes(PAYLOAD)];
    const m1 = await i.writeMessage(p1);
    expect(await r.readMessage(m1)).toEqual(p1);
    const m2 = await r.writeMessage(p2);
    expect(await i.readMessage(m2)).toEqual(p2);
    const m3 = await i.writeMessage(p3);
    expect(await r.readMessage(m3)).toEqual(p3);
    expect([m1.length, m2.length, m3.length]).toEqual([1248, 1360, 192]);
    expect(i.complete && r.complete).toBe(true);
    expect(toHex(i.handshakeHash)).toBe(toHex(r.handshakeHash));
    expect(i.remoteStatic).toEqual(sr.publicKey);
    expect(r.remoteStatic).toEqual(si.publicKey);
    const [ik1, ik2] = i.splitKeys();
    const [rk1, rk2] = r.splitKeys();
    expect([toHex(ik1), toHex(ik2)]).toEqual([toHex(rk1), toHex(rk2)]);
    const sealed = await new CipherState(ik1).encryptWithAd(new Uint8Array(0), utf8('after the handshake'));
    expect(await new CipherState(rk1).decryptWithAd(new Uint8Array(0), sealed)).toEqual(utf8('after the handshake'));
  });

  it('two runs with the same static keys give different transcripts (fresh KEM keys and encapsulations)', async () => {
    const run = async () => {
      const { i, r } = await pair(true, true);
      await r.readMessage(await i.writeMessage(new Uint8Array(0)));
      await i.readMessage(await r.writeMessage(randomBytes(PAYLOAD)));
      return toHex(i.handshakeHash);
    };
    expect(await run()).not.toBe(await run());
  });

  it('an XXhfs initiator and a plain XX responder never complete', async () => {
    const { i, r } = await pair(true, false);
    // The XX responder takes the KEM key for a plaintext payload, then answers in XX.
    await r.readMessage(await i.writeMessage(new Uint8Array(0)));
    await expect(i.readMessage(await r.writeMessage(randomBytes(PAYLOAD)))).rejects.toMatchObject({ code: expect.stringMatching(/^(malformed|tampered)$/) });
  });
});
