// The two primitives an encrypted file's body needs in bulk, AES-256-GCM per chunk and SHA-256 over
// groups of chunks (file-crypt.ts), behind an interface so that a program with faster ones than WebCrypto
// can pass them in (the CLI passes node:crypto's: cli/node-file-primitives.ts) while lib/ stays
// browser-safe. Every implementation gives the same bytes: the format does not depend on which one ran.
import { buf } from '../bytes';

/** SHA-256 over everything given to `update` since the last `digest`. */
export interface GroupHasher {
  /** Takes `bytes` in before it returns (copied or hashed): the caller may then overwrite them. */
  update(bytes: Uint8Array): void;
  /** The digest so far; starts the next group. */
  digest(): Promise<Uint8Array>;
}

export interface FilePrimitives {
  /**
   * ciphertext ‖ 16-byte tag. `plain` may be overwritten by the caller as soon as this returns (before
   * the promise settles): an implementation copies or consumes it synchronously.
   */
  seal(key: CryptoKey, nonce: Uint8Array<ArrayBuffer>, plain: Uint8Array): Promise<Uint8Array>;
  /** The plaintext; rejects when the chunk does not authenticate. Same rule for `segment` as for `plain`. */
  open(key: CryptoKey, nonce: Uint8Array<ArrayBuffer>, segment: Uint8Array): Promise<Uint8Array>;
  /** A hasher for groups of at most `capacity` bytes. */
  groupHasher(capacity: number): GroupHasher;
}

/** WebCrypto has no incremental hash: a group is gathered into one reused buffer, then digested at once. */
class BufferedGroupHasher implements GroupHasher {
  private readonly group: Uint8Array;
  private used = 0;
  constructor(capacity: number) {
    this.group = new Uint8Array(capacity);
  }
  update(bytes: Uint8Array): void {
    this.group.set(bytes, this.used);
    this.used += bytes.length;
  }
  async digest(): Promise<Uint8Array> {
    const pending = crypto.subtle.digest('SHA-256', buf(this.group.subarray(0, this.used))); // copies the group first
    this.used = 0;
    return new Uint8Array(await pending);
  }
}

/** WebCrypto: copies its input before it returns, and runs off the main thread where the platform can. */
export const webFilePrimitives: FilePrimitives = {
  seal: async (key, iv, plain) => new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, buf(plain))),
  open: async (key, iv, segment) => new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, buf(segment))),
  groupHasher: (capacity) => new BufferedGroupHasher(capacity),
};
