// X-Wing (draft-connolly-cfrg-xwing-kem): the hybrid KEM ML-KEM-768 + X25519 with its SHA3-256
// combiner, on @noble/post-quantum. Its shared secret stays secret while either component holds, so a
// session keyed from it resists "harvest now, decrypt later" by a future quantum computer without
// trusting ML-KEM alone. Synchronous and in Uint8Arrays, so secrets can be zeroed after use.
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { randomBytes } from '../bytes';
import { C2CError } from '../errors';

export const XWING_PUBLIC_KEY_LENGTH = 1216; // ML-KEM-768 encapsulation key (1184) ‖ X25519 (32)
export const XWING_CIPHERTEXT_LENGTH = 1120; // ML-KEM-768 ciphertext (1088) ‖ X25519 ephemeral (32)
export const XWING_SECRET_KEY_LENGTH = 32; // the seed both private keys are expanded from
export const XWING_SHARED_SECRET_LENGTH = 32;
const ENCAPSULATION_SEED_LENGTH = 64;

export interface XWingKeyPair {
  publicKey: Uint8Array;
  /** The 32-byte decapsulation seed: zero it when done. */
  secretKey: Uint8Array;
}

export interface XWingEncapsulation {
  ciphertext: Uint8Array;
  sharedSecret: Uint8Array;
}

/** A fresh key pair; `seed` only for published test vectors. */
export function xwingKeyPair(seed: Uint8Array = randomBytes(XWING_SECRET_KEY_LENGTH)): XWingKeyPair {
  if (seed.length !== XWING_SECRET_KEY_LENGTH) throw new C2CError('malformed', 'an X-Wing seed must be 32 bytes');
  const { publicKey, secretKey } = ml_kem768_x25519.keygen(seed);
  return { publicKey, secretKey };
}

/**
 * A shared secret and the ciphertext that carries it to the holder of `publicKey`. `eseed` only for
 * published test vectors. A key that is not a valid ML-KEM-768 key (FIPS 203 §7.2 modulus check) or a
 * low-order X25519 point is refused: 'malformed'.
 */
export function xwingEncapsulate(publicKey: Uint8Array, eseed: Uint8Array = randomBytes(ENCAPSULATION_SEED_LENGTH)): XWingEncapsulation {
  if (publicKey.length !== XWING_PUBLIC_KEY_LENGTH) throw new C2CError('malformed', 'a post-quantum public key must be 1216 bytes');
  if (eseed.length !== ENCAPSULATION_SEED_LENGTH) throw new C2CError('malformed', 'an X-Wing encapsulation seed must be 64 bytes');
  try {
    const { cipherText, sharedSecret } = ml_kem768_x25519.encapsulate(publicKey, eseed);
    return { ciphertext: cipherText, sharedSecret };
  } catch {
    throw new C2CError('malformed', 'the other side sent an invalid post-quantum public key');
  }
}

/**
 * The shared secret in `ciphertext`. An altered ML-KEM part yields an unrelated secret (implicit
 * rejection), so the caller's next authenticated step fails; a low-order X25519 part is refused here:
 * 'tampered'.
 */
export function xwingDecapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (ciphertext.length !== XWING_CIPHERTEXT_LENGTH) throw new C2CError('malformed', 'a post-quantum ciphertext must be 1120 bytes');
  if (secretKey.length !== XWING_SECRET_KEY_LENGTH) throw new C2CError('malformed', 'an X-Wing secret key must be 32 bytes');
  try {
    return ml_kem768_x25519.decapsulate(ciphertext, secretKey);
  } catch {
    throw new C2CError('tampered', 'the post-quantum ciphertext is invalid');
  }
}
