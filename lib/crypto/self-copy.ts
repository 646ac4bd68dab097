// The sender's own copy of a v2 message costs no bytes: its content key is derived from the identity key,
// K = HKDF-SHA256(ikm = selfSecret, salt = enc, info "c2c/v2/self-copy"). selfSecret is the identity's
// Ed25519 signature over a fixed label. Ed25519 is deterministic (RFC 8032), so the secret can be
// recomputed from a non-extractable key, and from the same key restored from a backup.
import { buf, equalBytes, utf8 } from '../bytes';
import { C2CError } from '../errors';
import { SIGNATURE_CONTEXT, signWithContext } from './identity';

const SELF_COPY_INFO = utf8('c2c/v2/self-copy');
const cache = new WeakMap<CryptoKey, Promise<CryptoKey>>();

async function deriveSelfSecret(identityPrivate: CryptoKey): Promise<CryptoKey> {
  const [a, b] = await Promise.all([
    signWithContext(identityPrivate, SIGNATURE_CONTEXT.selfCopyKey, new Uint8Array(0)),
    signWithContext(identityPrivate, SIGNATURE_CONTEXT.selfCopyKey, new Uint8Array(0)),
  ]);
  // A randomized signer would give a different key each time: own copies could never be read again.
  if (!equalBytes(a, b)) throw new C2CError('unsupported', 'this platform signs non-deterministically, so own copies cannot be derived');
  const key = await crypto.subtle.importKey('raw', buf(a), 'HKDF', false, ['deriveBits']);
  a.fill(0);
  b.fill(0);
  return key;
}

/** The HKDF key of this identity's self-copy secret, derived once per CryptoKey object. */
function selfSecretKey(identityPrivate: CryptoKey): Promise<CryptoKey> {
  let pending = cache.get(identityPrivate);
  if (!pending) {
    pending = deriveSelfSecret(identityPrivate);
    cache.set(identityPrivate, pending);
    pending.catch(() => cache.delete(identityPrivate));
  }
  return pending;
}

/** The content key of the sender's own copy of the message whose ephemeral key is `enc`. */
export async function selfCopyKey(identityPrivate: CryptoKey, enc: Uint8Array): Promise<Uint8Array> {
  const secret = await selfSecretKey(identityPrivate);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: buf(enc), info: buf(SELF_COPY_INFO) }, secret, 256));
}
