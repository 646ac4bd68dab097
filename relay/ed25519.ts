// Synchronous Ed25519 verification with node:crypto for the relay's hot path (one per connection).
// WebCrypto's import + async verify cost about a third of the relay's CPU per authenticated connect;
// this does the same check — same labels, same bytes (lib/crypto/identity.ts contextMessage) — inline.
import { createPublicKey, verify } from 'node:crypto';
import { contextMessage, ED25519_PUBLIC_LENGTH, ED25519_SIGNATURE_LENGTH } from '../lib/crypto/identity';

/** Returns false (never throws) for a malformed key or signature, like verifyWithContext. */
export function verifyWithContextSync(publicKey: Uint8Array, context: string, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  try {
    // A JWK import builds the key straight from its raw bytes; a DER import goes through OpenSSL 3's
    // decoder search and measured ~9x slower here.
    const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('base64url');
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    return verify(null, contextMessage(context, message), key, signature);
  } catch {
    return false;
  }
}
