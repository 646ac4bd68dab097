// Stand-in for Node's `crypto` module in the extension bundle (aliased there by scripts/vite-cryptico.ts
// for imports from cryptico only). cryptico hashes synchronously with
// createHash(alg).update(text, 'utf8').digest('hex'); WebCrypto's digest is async, so this uses
// @noble/hashes. In Node the real module is used.
import { sha256 } from '@noble/hashes/sha2.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { concat, toHex, utf8 } from '../bytes';

const HASHES = { sha256, sha1, md5 } as const;

export interface ShimHash {
  update(text: string, encoding?: 'utf8'): ShimHash;
  digest(encoding: 'hex'): string;
}

export function createHash(algorithm: string): ShimHash {
  const hash = HASHES[algorithm as keyof typeof HASHES];
  if (!hash) throw new Error(`hash ${algorithm} is not available in this build`);
  const chunks: Uint8Array[] = [];
  const api: ShimHash = {
    update(text, encoding = 'utf8') {
      if (encoding !== 'utf8') throw new Error('only utf8 input is supported');
      chunks.push(utf8(text));
      return api;
    },
    digest(encoding) {
      if (encoding !== 'hex') throw new Error('only hex digests are supported');
      return toHex(hash(concat(...chunks)));
    },
  };
  return api;
}
