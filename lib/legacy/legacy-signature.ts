// Strict check of cryptico's message signatures: RSA (e = 3) PKCS#1 v1.5 over SHA-256 of the UTF-8
// encoding of the signed JS string (cryptico hashes with createHash().update(s, 'utf8')).
// Stock cryptico's own check is lax (it accepts a shortened 0x01 FF… prefix and SHA-1 digests, the kind
// of parsing e = 3 forgeries feed on); this accepts exactly the encoding stock signers produce.
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, fromHex, toHex, utf8 } from '../bytes';

const SHA256_DIGEST_INFO = fromHex('3031300d060960864801650304020105000420');

export function verifyLegacySignature(message: string, signature: Uint8Array, modulus: Uint8Array): boolean {
  const n = toBigInt(modulus);
  const s = toBigInt(signature);
  if (signature.length > modulus.length || s >= n) return false;
  const encoded = ((s * s) % n) * s % n;
  const digest = sha256(utf8(message));
  const filler = new Uint8Array(modulus.length - 3 - SHA256_DIGEST_INFO.length - digest.length).fill(0xff);
  return encoded === toBigInt(concat(Uint8Array.of(0, 1), filler, Uint8Array.of(0), SHA256_DIGEST_INFO, digest));
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + toHex(bytes));
}
