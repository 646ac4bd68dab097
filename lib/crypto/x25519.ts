// X25519 helpers on WebCrypto shared by prekeys and messages.
import { buf } from '../bytes';
import { C2CError } from '../errors';

export const X25519_PUBLIC_LENGTH = 32;

const BASE_POINT = new Uint8Array(X25519_PUBLIC_LENGTH);
BASE_POINT[0] = 9;

export async function importX25519Public(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== X25519_PUBLIC_LENGTH) throw new C2CError('malformed', 'an X25519 public key must be 32 bytes');
  return crypto.subtle.importKey('raw', buf(raw), { name: 'X25519' }, true, []);
}

/**
 * The public key of an X25519 private key, computed as DH with the base point: this works for
 * non-extractable keys too, which cannot be exported to read their public half.
 */
export async function x25519PublicOf(privateKey: CryptoKey): Promise<Uint8Array> {
  const base = await importX25519Public(BASE_POINT);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: base }, privateKey, 256));
}
