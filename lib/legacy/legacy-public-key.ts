// Legacy (cryptico) public keys: the stock string is base64 of the RSA modulus; e is always 3.
import { equalBytes, fromBase64, toBase64 } from '../bytes';
import { C2CError } from '../errors';
import { fingerprint } from '../crypto/identity';

/** Smallest modulus we encrypt to or pin: the paper's RSA-512 keys can be factored by anyone. */
export const MIN_PINNABLE_BITS = 1024;
/** Smallest modulus whose signature we still check (stock users may sign with 512-bit keys). */
export const MIN_SIGNER_BITS = 512;
export const MAX_MODULUS_BITS = 4096;

/** The RSA modulus (big-endian, no leading zero byte) of a stock cryptico public key string. */
export function legacyModulus(publicKey: string, minBits = MIN_PINNABLE_BITS): Uint8Array {
  let modulus: Uint8Array;
  try {
    modulus = fromBase64(publicKey.trim());
  } catch {
    throw new C2CError('malformed', 'not a legacy (cryptico) public key');
  }
  const top = modulus[0];
  const last = modulus[modulus.length - 1];
  if (top === undefined || top === 0 || last === undefined || (last & 1) === 0) {
    throw new C2CError('malformed', 'not a legacy (cryptico) public key');
  }
  const bits = modulus.length * 8 - Math.clz32(top) + 24;
  if (bits > MAX_MODULUS_BITS) throw new C2CError('too-large', `legacy key of ${bits} bits is larger than supported`);
  // Stock cryptico's "1024-bit" keys are the product of two 512-bit primes, so about a third of them
  // have a 1023-bit modulus: accept the nominal size, or those CRYPT2CHAT users could never be pinned.
  if (bits < minBits - 1) {
    throw new C2CError('unsupported', `legacy key of ${bits} bits is too weak (at least ${minBits} bits required)`);
  }
  return modulus;
}

/** The stock cryptico public key string for a modulus (what cryptico.publicKeyString returns). */
export function legacyPublicKeyFromModulus(modulus: Uint8Array): string {
  return toBase64(modulus);
}

/** SHA-256 of the modulus bytes, shown like modern fingerprints (64 hex digits in groups of four). */
export async function legacyFingerprint(publicKey: string): Promise<string> {
  return fingerprint(legacyModulus(publicKey, MIN_SIGNER_BITS));
}

/** True when both strings carry the same modulus; false for anything unparseable. */
export function sameLegacyKey(a: string, b: string): boolean {
  try {
    return equalBytes(legacyModulus(a, MIN_SIGNER_BITS), legacyModulus(b, MIN_SIGNER_BITS));
  } catch {
    return false;
  }
}
