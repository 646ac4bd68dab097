// Per-contact post-quantum secret (PQS) for v2 one-shot messages: derived once from a version-2 secure
// chat (X25519 + X-Wing), then mixed into every later wrap between the two contacts, so a recorded token
// stays secret unless X25519 and ML-KEM-768 are both broken. Layout and reasons: docs/FORMATS.md,
// "Per-contact post-quantum secret for v2 messages".
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, randomBytes, utf8 } from '../bytes';

export const PQ_SECRET_LENGTH = 32;
/** Bytes of the pq tag, which takes the place of the prekey hint in a post-quantum wrap. */
export const PQ_TAG_LENGTH = 2;

const CONTACT_PQ_INFO = utf8('c2c/contact-pq/v1');
const TAG_LABEL = utf8('c2c/v2/pq-tag');
const WRAP_PQ_INFO = utf8('c2c/v2/wrap-pq');
const SELF_COPY_PQ_INFO = utf8('c2c/v2/self-copy-pq');

/** PQS = HKDF-SHA256(ikm = k1 ‖ k2, salt = h, info "c2c/contact-pq/v1"): both sides of a v2 chat get the same. */
export function contactSecretFromChat(k1: Uint8Array, k2: Uint8Array, handshakeHash: Uint8Array): Uint8Array {
  const ikm = concat(k1, k2);
  const out = hkdf(sha256, ikm, handshakeHash, CONTACT_PQ_INFO, PQ_SECRET_LENGTH);
  ikm.fill(0);
  return out;
}

/** A fresh own secret, mixed into the content key of post-quantum messages (the own copy is otherwise Ed25519-derived). */
export function newSelfPqSecret(): Uint8Array {
  return randomBytes(PQ_SECRET_LENGTH);
}

/** pq tag = HMAC-SHA256(PQS, "c2c/v2/pq-tag" ‖ enc ‖ recipient prekey)[:2]: fresh per message, so it links nothing. */
export function pqTag(secret: Uint8Array, enc: Uint8Array, prekeyPublic: Uint8Array): Uint8Array {
  return hmac(sha256, secret, concat(TAG_LABEL, enc, prekeyPublic)).slice(0, PQ_TAG_LENGTH);
}

/** The post-quantum wrap mask: HKDF-SHA256(ikm = HPKE export ‖ PQS, salt = enc, info "c2c/v2/wrap-pq"). */
export function pqWrapMask(classicalMask: Uint8Array, secret: Uint8Array, enc: Uint8Array): Uint8Array {
  const ikm = concat(classicalMask, secret);
  const out = hkdf(sha256, ikm, enc, WRAP_PQ_INFO, 32);
  ikm.fill(0);
  return out;
}

/** The content key of a post-quantum message: HKDF-SHA256(ikm = own-copy key ‖ own pq secret, salt = enc, info "c2c/v2/self-copy-pq"). */
export function pqContentKey(selfCopyKey: Uint8Array, selfPq: Uint8Array, enc: Uint8Array): Uint8Array {
  const ikm = concat(selfCopyKey, selfPq);
  const out = hkdf(sha256, ikm, enc, SELF_COPY_PQ_INFO, 32);
  ikm.fill(0);
  return out;
}
