import { describe, expect, it } from 'vitest';
import { fromHex, utf8 } from '../../../lib/bytes';
import { generateIdentity } from '../../../lib/crypto/identity';
import {
  checkVerificationPayload,
  displayableFingerprint,
  numericFingerprint,
  safetyNumber,
  verificationPayload,
} from '../../../lib/crypto/safety-number';
import { isC2CError } from '../../../lib/errors';

// libsignal-protocol-c tests/test_fingerprint.c (test_vectors_v0/v1): 33-byte Curve25519 identity keys
// (type byte 0x05), stable identifiers as UTF-8 phone numbers, 5200 iterations, version 0.
const ALICE_IDENTITY = fromHex('0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868');
const BOB_IDENTITY = fromHex('05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b');
const DISPLAYABLE_FINGERPRINT = '300354477692869396892869876765458257569162576843440918079131';

describe('numeric fingerprint (libsignal vector)', () => {
  it('reproduces the published 60-digit displayable fingerprint from both sides', () => {
    const alice = numericFingerprint(ALICE_IDENTITY, utf8('+14152222222'));
    const bob = numericFingerprint(BOB_IDENTITY, utf8('+14153333333'));
    expect(displayableFingerprint(alice, bob)).toBe(DISPLAYABLE_FINGERPRINT);
    expect(displayableFingerprint(bob, alice)).toBe(DISPLAYABLE_FINGERPRINT);
  });

  it('changes when the key, the identifier or the version changes', () => {
    const base = numericFingerprint(ALICE_IDENTITY, utf8('+14152222222'));
    const otherKey = ALICE_IDENTITY.slice();
    otherKey[10]! ^= 1;
    expect(numericFingerprint(otherKey, utf8('+14152222222'))).not.toBe(base);
    expect(numericFingerprint(ALICE_IDENTITY, utf8('+14152222223'))).not.toBe(base);
    expect(numericFingerprint(ALICE_IDENTITY, utf8('+14152222222'), 1)).not.toBe(base);
  });
});

describe('safetyNumber', () => {
  it('is 60 digits in 12 groups of five, the same from both sides, and differs for another key', async () => {
    const [a, b, mitm] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()]);
    const ab = await safetyNumber(a.publicKey, b.publicKey);
    expect(ab).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(await safetyNumber(b.publicKey, a.publicKey)).toBe(ab);
    expect(await safetyNumber(a.publicKey, mitm.publicKey)).not.toBe(ab);
  });

  it('is worked out once per key pair: the popup asks for every contact’s every 1.5 s', async () => {
    const [a, b] = await Promise.all([generateIdentity(), generateIdentity()]);
    let start = performance.now();
    const first = await safetyNumber(a.publicKey, b.publicKey);
    const once = performance.now() - start;
    start = performance.now();
    for (let i = 0; i < 100; i++) expect(await safetyNumber(a.publicKey, b.publicKey)).toBe(first);
    expect(performance.now() - start).toBeLessThan(once);
    // The other order is the same number, and a key that differs in one byte is worked out anew.
    expect(await safetyNumber(b.publicKey, a.publicKey)).toBe(first);
    const changed = b.publicKey.slice();
    changed[31]! ^= 1;
    expect(await safetyNumber(a.publicKey, changed)).not.toBe(first);
  });
});

describe('verification payload (QR)', () => {
  it('matches when scanned from the other party, mismatches on a substituted key', async () => {
    const [alice, bob, mallory] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()]);
    const shownByBob = await verificationPayload(bob.publicKey, alice.publicKey);
    expect(shownByBob).toMatch(/^c2cverify1:[0-9a-f]{64}:[0-9a-f]{64}$/);
    expect(await checkVerificationPayload(shownByBob, alice.publicKey, bob.publicKey)).toBe('match');
    expect(await checkVerificationPayload(`  ${shownByBob}\n`, alice.publicKey, bob.publicKey)).toBe('match');
    // Bob pinned Mallory's key for Alice (a relay substituted it): Alice sees a mismatch.
    const bobFooled = await verificationPayload(bob.publicKey, mallory.publicKey);
    expect(await checkVerificationPayload(bobFooled, alice.publicKey, bob.publicKey)).toBe('mismatch');
    // Alice holds Mallory's key for Bob: scanning the real Bob mismatches.
    expect(await checkVerificationPayload(shownByBob, alice.publicKey, mallory.publicKey)).toBe('mismatch');
  });

  it.each(['', 'hello', 'c2cverify1:abc:def', 'c2cverify2:' + 'a'.repeat(64) + ':' + 'b'.repeat(64), 'c2cverify1:' + 'A'.repeat(64) + ':' + 'b'.repeat(64), 'c2cverify1:' + 'a'.repeat(64) + ':' + 'b'.repeat(64) + ':x'])(
    'rejects %j as malformed',
    async (text) => {
      const [a, b] = await Promise.all([generateIdentity(), generateIdentity()]);
      const err = await checkVerificationPayload(text, a.publicKey, b.publicKey).catch((e: unknown) => e);
      expect(isC2CError(err, 'malformed')).toBe(true);
    },
  );
});
