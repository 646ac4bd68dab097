// Standard padded base64 (RFC 4648 §4), the encoding of every field in cryptico's strings.
// Built on lib/bytes' strict base64url codec: one value has exactly one accepted text form.
import { fromBase64Url, toBase64Url } from '../bytes';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function toBase64(bytes: Uint8Array): string {
  const text = toBase64Url(bytes).replace(/-/g, '+').replace(/_/g, '/');
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

/** Throws a plain Error on anything but canonical, correctly padded base64. */
export function fromBase64(text: string): Uint8Array {
  if (!BASE64.test(text) || text.length % 4 !== 0) throw new Error('invalid base64');
  return fromBase64Url(text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
}

export function isBase64Shaped(text: string): boolean {
  return BASE64.test(text);
}
