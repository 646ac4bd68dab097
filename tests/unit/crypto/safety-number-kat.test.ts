// Known answer for our safety-number variant (docs/FORMATS.md, "Safety numbers"): libsignal's displayable
// fingerprint over raw 32-byte Ed25519 keys, empty identifier, version 0, 5200 iterations, 12 groups of
// five. No published vector exists for this variant (libsignal's own, over 33-byte Curve25519 keys and
// phone numbers, is in safety-number.test.ts). The keys are the public keys of RFC 8032 §7.1 TEST 1 and
// TEST 2. SAFETY_NUMBER was computed with Python's hashlib; the test recomputes it with Node's crypto
// module (OpenSSL), two implementations independent of lib/crypto/safety-number.ts (@noble/hashes).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../lib/bytes';
import { safetyNumber } from '../../../lib/crypto/safety-number';

const KEY_A = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'); // RFC 8032 TEST 1
const KEY_B = fromHex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c'); // RFC 8032 TEST 2
const SAFETY_NUMBER = '43691 37018 90176 16846 09421 20398 48653 11128 13470 36824 94978 32151';

/** One side's 30 digits, straight from the format's description, on Node's SHA-512. */
function nodeFingerprint(key: Uint8Array): string {
  let hash: Buffer = Buffer.concat([Buffer.from([0, 0]), key]);
  for (let i = 0; i < 5200; i++) hash = createHash('sha512').update(hash).update(key).digest();
  let digits = '';
  for (let chunk = 0; chunk < 6; chunk++) digits += String(hash.readUIntBE(chunk * 5, 5) % 100000).padStart(5, '0');
  return digits;
}

function nodeSafetyNumber(a: Uint8Array, b: Uint8Array): string {
  const [first, second] = [nodeFingerprint(a), nodeFingerprint(b)].sort();
  return `${first}${second}`.replace(/(\d{5})(?!$)/g, '$1 ');
}

describe('safety number of two Ed25519 identity keys (independently computed vector)', () => {
  it('the independent computation gives the recorded number', () => {
    expect(nodeSafetyNumber(KEY_A, KEY_B)).toBe(SAFETY_NUMBER);
  });

  it('safetyNumber() shows exactly that number, whichever side asks', async () => {
    expect(await safetyNumber(KEY_A, KEY_B)).toBe(SAFETY_NUMBER);
    expect(await safetyNumber(KEY_B, KEY_A)).toBe(SAFETY_NUMBER);
  });

  it('one flipped key bit gives a number that differs from the recorded one', async () => {
    const flipped = KEY_B.slice();
    flipped[31]! ^= 0x01;
    const changed = await safetyNumber(KEY_A, flipped);
    expect(changed).toBe(nodeSafetyNumber(KEY_A, flipped));
    expect(changed).not.toBe(SAFETY_NUMBER);
  });
});
