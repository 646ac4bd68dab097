// Known answers for the post-quantum hybrid KEM the secure chat uses (lib/crypto/xwing.ts).
// - X-Wing: all three vectors of the draft's spec/test-vectors.json (draft-connolly-cfrg-xwing-kem
//   repository, github.com/dconnolly/draft-connolly-cfrg-xwing-kem, commit 9b6ce9e; the file last
//   changed in 5cb311d "Move label and use SHAKE-256 for private key expansion"), copied verbatim to
//   vectors/xwing.json: seed → pk (and sk = seed), eseed → ct and ss, and decapsulation back to ss.
// - ML-KEM-768 (FIPS 203), the component X-Wing builds on: a subset of NIST's ACVP vectors
//   (usnistgov/ACVP-Server v1.1.0.43, gen-val/json-files ML-KEM-keyGen-FIPS203 and
//   ML-KEM-encapDecap-FIPS203, internalProjection.json, as mirrored in github.com/paulmillr/acvp-vectors
//   commit 2e9216c), copied to vectors/ml-kem-768-acvp.json: the first three keyGen and encapsulation
//   cases of the ML-KEM-768 groups, decapsulation cases with valid and modified ciphertexts (implicit
//   rejection), and encapsulation-key checks, valid and invalid.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex } from '../../../lib/bytes';
import { isC2CError } from '../../../lib/errors';
import { XWING_CIPHERTEXT_LENGTH, xwingDecapsulate, xwingEncapsulate, xwingKeyPair } from '../../../lib/crypto/xwing';

const load = <T>(name: string): T => JSON.parse(readFileSync(join(import.meta.dirname, 'vectors', name), 'utf8')) as T;

interface XWingVector { seed: string; sk: string; pk: string; eseed: string; ct: string; ss: string }
interface AcvpVectors {
  keyGen: { tcId: number; d: string; z: string; ek: string; dk: string }[];
  encapsulation: { tcId: number; ek: string; m: string; c: string; k: string }[];
  decapsulation: { tcId: number; reason: string; dk: string; c: string; k: string }[];
  encapsulationKeyCheck: { tcId: number; testPassed: boolean; reason: string; ek: string }[];
}

const XWING = load<XWingVector[]>('xwing.json');
const ACVP = load<AcvpVectors>('ml-kem-768-acvp.json');

describe('X-Wing (draft-connolly-cfrg-xwing-kem test vectors)', () => {
  it('has the draft’s three vectors', () => expect(XWING).toHaveLength(3));

  for (const [i, v] of XWING.entries()) {
    it(`vector ${i}: key pair, encapsulation and decapsulation match`, () => {
      const pair = xwingKeyPair(fromHex(v.seed));
      expect(toHex(pair.publicKey)).toBe(v.pk);
      expect(toHex(pair.secretKey)).toBe(v.sk);
      const { ciphertext, sharedSecret } = xwingEncapsulate(fromHex(v.pk), fromHex(v.eseed));
      expect(toHex(ciphertext)).toBe(v.ct);
      expect(toHex(sharedSecret)).toBe(v.ss);
      expect(toHex(xwingDecapsulate(fromHex(v.ct), fromHex(v.sk)))).toBe(v.ss);
    });
  }

  it('an altered ML-KEM part of the ciphertext gives another secret (implicit rejection), not an error', () => {
    const v = XWING[0]!;
    const ct = fromHex(v.ct);
    ct[10]! ^= 0x01;
    const ss = xwingDecapsulate(ct, fromHex(v.sk));
    expect(ss).toHaveLength(32);
    expect(toHex(ss)).not.toBe(v.ss);
  });

  it('an altered X25519 part of the ciphertext gives another secret', () => {
    const v = XWING[1]!;
    const ct = fromHex(v.ct);
    ct[XWING_CIPHERTEXT_LENGTH - 1]! ^= 0x40;
    expect(toHex(xwingDecapsulate(ct, fromHex(v.sk)))).not.toBe(v.ss);
  });

  it('a low-order X25519 part is refused with a specific error', () => {
    const v = XWING[2]!;
    const ct = concat(fromHex(v.ct).subarray(0, 1088), new Uint8Array(32)); // the all-zero point
    expect(() => xwingDecapsulate(ct, fromHex(v.sk))).toThrow(expect.objectContaining({ code: 'tampered' }));
  });

  it('refuses wrong lengths and a public key whose ML-KEM part fails the FIPS 203 modulus check', () => {
    const v = XWING[0]!;
    const bad = (f: () => unknown, code: string) => {
      try {
        f();
      } catch (e) {
        expect(isC2CError(e) && e.code).toBe(code);
        return;
      }
      throw new Error('accepted');
    };
    bad(() => xwingKeyPair(new Uint8Array(31)), 'malformed');
    bad(() => xwingEncapsulate(fromHex(v.pk).subarray(1)), 'malformed');
    bad(() => xwingDecapsulate(fromHex(v.ct).subarray(1), fromHex(v.sk)), 'malformed');
    const pk = fromHex(v.pk);
    pk[0] = 0xff;
    pk[1] = 0xff; // first coefficient 4095 ≥ q = 3329
    bad(() => xwingEncapsulate(pk), 'malformed');
  });

  it('a random key pair round-trips, and each encapsulation is fresh', () => {
    const pair = xwingKeyPair();
    const a = xwingEncapsulate(pair.publicKey);
    const b = xwingEncapsulate(pair.publicKey);
    expect(toHex(xwingDecapsulate(a.ciphertext, pair.secretKey))).toBe(toHex(a.sharedSecret));
    expect(toHex(a.sharedSecret)).not.toBe(toHex(b.sharedSecret));
    expect(toHex(a.ciphertext)).not.toBe(toHex(b.ciphertext));
  });
});

describe('ML-KEM-768 (FIPS 203, NIST ACVP subset)', () => {
  for (const t of ACVP.keyGen) {
    it(`keyGen tcId ${t.tcId}`, () => {
      const { publicKey, secretKey } = ml_kem768.keygen(concat(fromHex(t.d), fromHex(t.z)));
      expect(toHex(publicKey)).toBe(t.ek);
      expect(toHex(secretKey)).toBe(t.dk);
    });
  }
  for (const t of ACVP.encapsulation) {
    it(`encapsulation tcId ${t.tcId}`, () => {
      const { cipherText, sharedSecret } = ml_kem768.encapsulate(fromHex(t.ek), fromHex(t.m));
      expect(toHex(cipherText)).toBe(t.c);
      expect(toHex(sharedSecret)).toBe(t.k);
    });
  }
  for (const t of ACVP.decapsulation) {
    it(`decapsulation tcId ${t.tcId} (${t.reason})`, () => {
      expect(toHex(ml_kem768.decapsulate(fromHex(t.c), fromHex(t.dk)))).toBe(t.k);
    });
  }
  it('the subset has both valid and modified ciphertexts', () => {
    expect(new Set(ACVP.decapsulation.map((t) => t.reason))).toEqual(new Set(['valid decapsulation', 'modified ciphertext']));
  });
  for (const t of ACVP.encapsulationKeyCheck) {
    it(`encapsulation key check tcId ${t.tcId} (${t.reason}): ${t.testPassed ? 'accepted' : 'refused'}`, () => {
      const ek = fromHex(t.ek);
      // X-Wing's public key is the ML-KEM key followed by an X25519 key; a valid point stands in for the latter.
      const xwingKey = concat(ek, xwingKeyPair().publicKey.subarray(1184));
      if (t.testPassed) expect(xwingEncapsulate(xwingKey).ciphertext).toHaveLength(XWING_CIPHERTEXT_LENGTH);
      else expect(() => xwingEncapsulate(xwingKey)).toThrow(expect.objectContaining({ code: 'malformed' }));
    });
  }
});
