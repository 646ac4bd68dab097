// node:crypto's AES-256-GCM and SHA-256 for file bodies (lib/files/file-primitives.ts). In Node, each
// WebCrypto call is a thread-pool job that copies its input (and wipes the copy), allocates its output
// and settles through the event loop; these run the same OpenSSL code in place, and hash chunks as they
// come instead of gathering them first (bench/README.md, files).
import { createCipheriv, createDecipheriv, createHash, type Hash, KeyObject } from 'node:crypto';
import type { FilePrimitives, GroupHasher } from '../lib/files/file-primitives';

const TAG_LENGTH = 16;
/** One KeyObject per body key: converting a CryptoKey costs more than a chunk. */
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

function keyObject(key: CryptoKey): KeyObject {
  let object = keyObjects.get(key);
  if (!object) keyObjects.set(key, (object = KeyObject.from(key)));
  return object;
}

function seal(key: CryptoKey, nonce: Uint8Array, plain: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', keyObject(key), nonce);
  const body = cipher.update(plain);
  cipher.final(); // GCM adds no bytes here
  const out = Buffer.allocUnsafeSlow(body.length + TAG_LENGTH);
  out.set(body);
  out.set(cipher.getAuthTag(), body.length);
  return out;
}

function open(key: CryptoKey, nonce: Uint8Array, segment: Uint8Array): Uint8Array {
  const at = segment.length - TAG_LENGTH;
  if (at < 0) throw new Error('a chunk shorter than its tag');
  const decipher = createDecipheriv('aes-256-gcm', keyObject(key), nonce);
  decipher.setAuthTag(segment.subarray(at));
  const plain = decipher.update(segment.subarray(0, at));
  decipher.final(); // throws when the tag does not match
  return plain;
}

/** Runs `f` now (the input is consumed before this returns, as FilePrimitives asks) and settles with it. */
function now(f: () => Uint8Array): Promise<Uint8Array> {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e as Error);
  }
}

class StreamingGroupHasher implements GroupHasher {
  private hash: Hash = createHash('sha256');
  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }
  digest(): Promise<Uint8Array> {
    const digest = this.hash.digest();
    this.hash = createHash('sha256');
    return Promise.resolve(digest);
  }
}

export const nodeFilePrimitives: FilePrimitives = {
  seal: (key, nonce, plain) => now(() => seal(key, nonce, plain)),
  open: (key, nonce, segment) => now(() => open(key, nonce, segment)),
  groupHasher: () => new StreamingGroupHasher(),
};
