// Synchronous Ed25519 verification with node:crypto for the relay's hot path (one per connection).
// WebCrypto's import + async verify cost about a third of the relay's CPU per authenticated connect;
// this does the same check — same labels, same bytes (lib/crypto/identity.ts contextMessage) — inline.
import { createPublicKey, verify } from 'node:crypto';
import { contextMessage, ED25519_PUBLIC_LENGTH, ED25519_SIGNATURE_LENGTH } from '../lib/crypto/identity';

// DER SubjectPublicKeyInfo header for an Ed25519 key (RFC 8410): the raw 32-byte key follows.
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Returns false (never throws) for a malformed key or signature, like verifyWithContext. */
export function verifyWithContextSync(publicKey: Uint8Array, context: string, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
    return verify(null, contextMessage(context, message), key, signature);
  } catch {
    return false;
  }
}
