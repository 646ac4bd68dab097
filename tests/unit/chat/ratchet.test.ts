// Double Ratchet: round trips with DH steps, out-of-order delivery, replays, forgeries and destruction.
import { describe, expect, it } from 'vitest';
import { fromUtf8, randomBytes, utf8 } from '../../../lib/bytes';
import { isC2CError } from '../../../lib/errors';
import { generateX25519 } from '../../../lib/chat/noise';
import { DoubleRatchet, MAX_SKIP, RATCHET_HEADER_LENGTH } from '../../../lib/chat/ratchet';

const CTX = utf8('frame-prefix');

async function pair() {
  const [ka, kb] = await Promise.all([generateX25519(), generateX25519()]);
  const sharedKey = randomBytes(32);
  const associatedData = randomBytes(32);
  const alice = await DoubleRatchet.initiator({ sharedKey, associatedData, ours: ka, theirs: kb.publicKey });
  const bob = await DoubleRatchet.responder({ sharedKey, associatedData, ours: kb, theirs: ka.publicKey });
  return { alice, bob };
}

const send = (r: DoubleRatchet, text: string) => r.encrypt(utf8(text), CTX);
const open = async (r: DoubleRatchet, m: Uint8Array) => fromUtf8(await r.decrypt(m, CTX));
const code = (c: string) => (e: unknown) => isC2CError(e) && e.code === c;

describe('DoubleRatchet', () => {
  it('lets either side send first and keeps working across many DH ratchet steps', async () => {
    const { alice, bob } = await pair();
    expect(await open(alice, await send(bob, 'bob speaks first'))).toBe('bob speaks first');
    for (let round = 0; round < 5; round++) {
      expect(await open(bob, await send(alice, `a${round}`))).toBe(`a${round}`);
      expect(await open(bob, await send(alice, `a${round}'`))).toBe(`a${round}'`);
      expect(await open(alice, await send(bob, `b${round}`))).toBe(`b${round}`);
    }
  });

  it('changes the sender ratchet key when the direction turns (forward secrecy steps)', async () => {
    const { alice, bob } = await pair();
    const m1 = await send(alice, 'one');
    await open(bob, m1);
    const reply = await send(bob, 'two');
    await open(alice, reply);
    const m3 = await send(alice, 'three');
    expect(m3.subarray(0, 32)).not.toEqual(m1.subarray(0, 32));
  });

  it('decrypts out-of-order messages within and across chains, each exactly once', async () => {
    const { alice, bob } = await pair();
    const first = [await send(alice, 'a0'), await send(alice, 'a1'), await send(alice, 'a2')];
    expect(await open(bob, first[2]!)).toBe('a2');
    expect(await open(alice, await send(bob, 'b0'))).toBe('b0');
    const second = [await send(alice, 'c0'), await send(alice, 'c1')];
    expect(await open(bob, second[1]!)).toBe('c1'); // new chain; a0 and a1 are still pending from the old one
    expect(await open(bob, first[0]!)).toBe('a0');
    expect(await open(bob, second[0]!)).toBe('c0');
    expect(await open(bob, first[1]!)).toBe('a1');
    for (const m of [...first, ...second]) await expect(bob.decrypt(m, CTX)).rejects.toSatisfy(code('replayed'));
  });

  it('rejects forged, altered and misbound messages without changing its state', async () => {
    const { alice, bob } = await pair();
    const m = await send(alice, 'genuine');
    const flipBody = m.slice();
    flipBody[flipBody.length - 1]! ^= 1;
    const flipHeader = m.slice();
    flipHeader[35]! ^= 1; // pn: the header is associated data
    const newKey = m.slice();
    newKey.set((await generateX25519()).publicKey, 0); // claims a DH ratchet step the peer never made
    for (const forged of [flipBody, flipHeader, newKey]) await expect(bob.decrypt(forged, CTX)).rejects.toSatisfy(code('tampered'));
    await expect(bob.decrypt(m, utf8('another frame'))).rejects.toSatisfy(code('tampered'));
    await expect(bob.decrypt(m.subarray(0, RATCHET_HEADER_LENGTH + 8), CTX)).rejects.toSatisfy(code('malformed'));
    await expect(bob.decrypt(randomBytes(120), CTX)).rejects.toSatisfy((e) => isC2CError(e, 'tampered') || isC2CError(e, 'too-large'));
    expect(await open(bob, m)).toBe('genuine'); // nothing above disturbed the state
  });

  it('refuses a gap larger than MAX_SKIP but still reads messages inside the bound', async () => {
    const { alice, bob } = await pair();
    const sent: Uint8Array[] = [];
    for (let i = 0; i <= MAX_SKIP + 1; i++) sent.push(await send(alice, `m${i}`));
    await expect(bob.decrypt(sent[MAX_SKIP + 1]!, CTX)).rejects.toSatisfy(code('too-large'));
    expect(await open(bob, sent[MAX_SKIP]!)).toBe(`m${MAX_SKIP}`);
    expect(await open(bob, sent[0]!)).toBe('m0');
  });

  it('after destroy, neither side can encrypt or decrypt, including skipped messages', async () => {
    const { alice, bob } = await pair();
    const early = await send(alice, 'skipped');
    const late = await send(alice, 'late');
    await open(bob, late);
    bob.destroy();
    await expect(bob.decrypt(early, CTX)).rejects.toSatisfy(code('unsupported'));
    await expect(bob.encrypt(utf8('x'), CTX)).rejects.toSatisfy(code('unsupported'));
  });
});
