// The CLI's node:crypto file primitives against lib/'s WebCrypto ones: a file sealed with either opens
// with the other to the same bytes (so the format does not depend on which ran), the group hash of both
// is SHA-256, and a chunk altered, a chunk cut or the end cut are refused through node:crypto as well.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { concat } from '../../../lib/bytes';
import { isC2CError } from '../../../lib/errors';
import { CHUNK_SIZE, openFile, SEGMENT_SIZE, sealFile } from '../../../lib/files/file-crypt';
import { type FilePrimitives, webFilePrimitives } from '../../../lib/files/file-primitives';
import { nodeFilePrimitives } from '../../../cli/node-file-primitives';
import { makeUser, type TestUser } from '../crypto/fixtures';
import { bodyAt, collect, noise, source } from '../files/file-fixtures';

let alice: TestUser;
let bob: TestUser;
const meta = { name: 'data.bin', type: '' };
/** Source pieces: large and odd, so they cross chunk edges without many calls. */
const STEP = 100_003;

beforeAll(async () => {
  [alice, bob] = await Promise.all([makeUser(), makeUser()]);
});

const seal = (data: Uint8Array, primitives: FilePrimitives) => collect(sealFile({ identity: alice.identity, recipients: [bob.bundle], meta, input: source(data, STEP), primitives }));
const open = async (file: Uint8Array, primitives: FilePrimitives) => collect((await openFile(source(file, STEP), { identity: bob.identity, prekeys: [bob.prekey] }, { primitives })).plaintext);

describe('node:crypto file primitives', { timeout: 60_000 }, () => {
  const both = [
    ['node', nodeFilePrimitives],
    ['WebCrypto', webFilePrimitives],
  ] as const;

  // 40 chunks: more than two hash-chain groups of 16, and a part-filled last group.
  it.each(both)('sealed with %s, opened with the other: the same bytes', async (name, sealer) => {
    const data = noise(40 * CHUNK_SIZE - 12_345);
    const opener = sealer === nodeFilePrimitives ? webFilePrimitives : nodeFilePrimitives;
    const file = await seal(data, sealer);
    expect(await open(file, opener), name).toEqual(data);
    expect(await open(file, sealer), name).toEqual(data);
  });

  it('the same chunk sealed by both is the same bytes, and the group hashes are SHA-256 of the pieces', async () => {
    const key = await crypto.subtle.importKey('raw', noise(32), 'AES-GCM', false, ['encrypt', 'decrypt']);
    const nonce = new Uint8Array(noise(12));
    const plain = noise(CHUNK_SIZE);
    const sealed = await nodeFilePrimitives.seal(key, nonce, plain);
    // Node gives Buffers, WebCrypto plain Uint8Arrays: compared as bytes.
    expect(new Uint8Array(sealed)).toEqual(await webFilePrimitives.seal(key, nonce, plain));
    expect(sealed.length).toBe(SEGMENT_SIZE);
    expect(new Uint8Array(await nodeFilePrimitives.open(key, nonce, sealed))).toEqual(plain);
    const pieces = [noise(SEGMENT_SIZE), noise(1000), new Uint8Array(0)];
    for (const [, p] of both) {
      const hasher = p.groupHasher(2 * SEGMENT_SIZE);
      for (let round = 0; round < 2; round++) {
        for (const piece of pieces) hasher.update(piece);
        // Each digest starts the next group: the second round gives the same digest again.
        expect(Buffer.from(await hasher.digest())).toEqual(createHash('sha256').update(concat(...pieces)).digest());
      }
    }
  });

  it('refuses an altered chunk, a short chunk and a wrong nonce', async () => {
    const key = await crypto.subtle.importKey('raw', noise(32), 'AES-GCM', false, ['encrypt', 'decrypt']);
    const nonce = new Uint8Array(12);
    const sealed = await nodeFilePrimitives.seal(key, nonce, noise(1000));
    const altered = sealed.slice();
    altered[500]! ^= 1;
    await expect(nodeFilePrimitives.open(key, nonce, altered)).rejects.toThrow();
    await expect(nodeFilePrimitives.open(key, nonce, sealed.subarray(0, 15))).rejects.toThrow();
    await expect(nodeFilePrimitives.open(key, new Uint8Array([...nonce.subarray(0, 11), 1]), sealed)).rejects.toThrow();
  });

  it('a file altered in chunk 20 or cut at a chunk edge, opened through node:crypto: tampered, truncated', async () => {
    const file = await seal(noise(30 * CHUNK_SIZE), nodeFilePrimitives);
    const bad = file.slice();
    bad[bodyAt(file) + 19 * SEGMENT_SIZE + 7]! ^= 1;
    const tampered = await open(bad, nodeFilePrimitives).catch((e: unknown) => e);
    expect(isC2CError(tampered, 'tampered')).toBe(true);
    expect((tampered as Error).message).toContain('chunk 20');
    const cut = await open(file.subarray(0, bodyAt(file) + 29 * SEGMENT_SIZE), nodeFilePrimitives).catch((e: unknown) => e);
    expect(isC2CError(cut, 'truncated')).toBe(true);
  });
});
