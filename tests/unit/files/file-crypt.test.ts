// The encrypted file format (lib/files/): round trips of every size class, the STREAM properties (chunks
// altered, reordered, repeated, dropped, the file cut at a chunk edge), the header (someone else's,
// relabelled, broken), the sender's end signature against a co-recipient who knows the body key, and
// streaming (plaintext comes out before the input has been read to its end).
import { beforeAll, describe, expect, it } from 'vitest';
import { buf, concat, equalBytes, u64be } from '../../../lib/bytes';
import { FORMAT_ID } from '../../../lib/crypto/format-ids';
import { SIGNATURE_CONTEXT, signWithContext } from '../../../lib/crypto/identity';
import { openMessageV2 } from '../../../lib/crypto/message-v2';
import { isC2CError } from '../../../lib/errors';
import { ByteReader } from '../../../lib/files/byte-reader';
import { CHUNK_SIZE, encryptedFileSize, openFile, paddedFileSize, SEGMENT_SIZE, sealFile } from '../../../lib/files/file-crypt';
import { type FileMeta, openFileHeader } from '../../../lib/files/file-header';
import { codeOf, makeUser, type TestUser } from '../crypto/fixtures';
import { bodyAt, collect, noise, source } from './file-fixtures';

const KIB = 1024;
const FINAL_SEGMENT = 8 + 64 + 16;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let mallory: TestUser;
const keysOf = (u: TestUser) => ({ identity: u.identity, prekeys: [u.prekey] });

beforeAll(async () => {
  [alice, bob, carol, mallory] = await Promise.all([makeUser(), makeUser(), makeUser(), makeUser()]);
});

const meta: FileMeta = { name: 'отчёт 2026.pdf', type: 'application/pdf' };

async function encrypt(data: Uint8Array, opts: { from?: TestUser; to?: TestUser[]; meta?: FileMeta } = {}): Promise<Uint8Array> {
  return collect(sealFile({ identity: (opts.from ?? alice).identity, recipients: (opts.to ?? [bob]).map((u) => u.bundle), meta: opts.meta ?? meta, input: source(data) }));
}

async function decrypt(file: Uint8Array, who: TestUser = bob, step?: number) {
  const opened = await openFile(source(file, step), keysOf(who));
  return { ...opened, data: await collect(opened.plaintext) };
}

/** The body's chunks as sent: data chunks, then the final one. */
function chunksOf(file: Uint8Array): { head: Uint8Array; data: Uint8Array[]; final: Uint8Array } {
  const at = bodyAt(file);
  const body = file.subarray(at, file.length - FINAL_SEGMENT);
  const data: Uint8Array[] = [];
  for (let i = 0; i < body.length; i += SEGMENT_SIZE) data.push(body.subarray(i, i + SEGMENT_SIZE));
  return { head: file.subarray(0, at), data, final: file.subarray(file.length - FINAL_SEGMENT) };
}

describe('file format: round trips', { timeout: 60_000 }, () => {
  it.each([
    ['empty', 0],
    ['one byte', 1],
    ['exactly one chunk (64 KiB)', 64 * KIB],
    ['one chunk and one byte', 64 * KIB + 1],
    ['several chunks, not on a chunk edge', 5 * 64 * KIB + 12_345],
  ])('%s: recipient gets the bytes, name and type; the size is the documented padded size', async (_, size) => {
    const data = noise(size);
    const file = await encrypt(data);
    expect(file[0]).toBe(FORMAT_ID.fileV1);
    expect(file.length).toBe(encryptedFileSize(bodyAt(file), size));
    const opened = await decrypt(file);
    expect(equalBytes(opened.data, data)).toBe(true);
    expect(opened.meta).toEqual(meta);
    expect(equalBytes(opened.sender, alice.identity.publicKey)).toBe(true);
    expect(opened.ownCopy).toBe(false);
  });

  it('content that ends in zeros, or is all zeros, keeps every zero (padding is zeros too)', async () => {
    for (const data of [concat(noise(70_000), new Uint8Array(200_000)), new Uint8Array(300 * KIB), new Uint8Array(64 * KIB - 1)]) {
      const opened = await decrypt(await encrypt(data));
      expect(opened.data.length).toBe(data.length);
      expect(equalBytes(opened.data, data)).toBe(true);
    }
  });

  it('every recipient and the sender (own copy) open the same file; someone else gets not-addressed', async () => {
    const data = noise(150 * KIB);
    const file = await encrypt(data, { to: [bob, carol] });
    for (const who of [bob, carol]) expect(equalBytes((await decrypt(file, who)).data, data)).toBe(true);
    const own = await decrypt(file, alice);
    expect(own.ownCopy).toBe(true);
    expect(equalBytes(own.data, data)).toBe(true);
    expect(await codeOf(decrypt(file, mallory))).toBe('not-addressed');
  });

  it('reads from sources of any chunking (one byte at a time, whole file at once)', async () => {
    const data = noise(64 * KIB + 300);
    const file = await encrypt(data);
    for (const step of [1, file.length, SEGMENT_SIZE, SEGMENT_SIZE + 1, 65_536 * 3]) {
      expect(equalBytes((await decrypt(file, bob, step)).data, data), `step ${step}`).toBe(true);
    }
  });

  it('pads the size to Padmé buckets of at least one chunk: nearby sizes give the same length', async () => {
    expect(paddedFileSize(0)).toBe(CHUNK_SIZE);
    expect(paddedFileSize(CHUNK_SIZE)).toBe(CHUNK_SIZE);
    expect(paddedFileSize(2 ** 30 + 1)).toBe(2 ** 30 + 2 ** 25);
    const [a, b] = await Promise.all([encrypt(noise(1)), encrypt(noise(60 * KIB))]);
    expect(a.length).toBe(b.length);
    // Padmé(196,609..200,704) = 200,704 (multiples of 4 KiB at this size).
    const [c, d] = await Promise.all([encrypt(noise(196_609)), encrypt(noise(200_704))]);
    expect(c.length).toBe(d.length);
  });

  it('refuses names that are paths or carry control characters, and malformed media types', async () => {
    for (const bad of [{ name: '../etc/passwd', type: '' }, { name: 'a\\b', type: '' }, { name: 'a\u001b[2Jb', type: '' }, { name: '..', type: '' }, { name: 'x', type: 'Text/Plain' }, { name: 'x', type: 'text' }, { name: 'é'.repeat(128), type: '' }]) {
      expect(['malformed', 'too-large']).toContain(await codeOf(encrypt(noise(10), { meta: bad })));
    }
  });
});

describe('file format: hostile input', { timeout: 60_000 }, () => {
  let data: Uint8Array;
  let file: Uint8Array;
  beforeAll(async () => {
    data = noise(4 * 64 * KIB + 999); // 5 data chunks once padded
    file = await encrypt(data);
  });

  it('a flipped byte in any data chunk → tampered, naming that chunk', async () => {
    const { data: chunks } = chunksOf(file);
    expect(chunks.length).toBe(5);
    for (const i of [0, 2, 4]) {
      const bad = file.slice();
      bad[bodyAt(file) + i * SEGMENT_SIZE + 100]! ^= 1;
      const e = await decrypt(bad).catch((err: unknown) => err);
      expect(isC2CError(e, 'tampered')).toBe(true);
      expect((e as Error).message).toContain(`chunk ${i + 1}`);
    }
  });

  it('reordered or repeated chunks → tampered', async () => {
    const { head, data: chunks, final } = chunksOf(file);
    const swapped = concat(head, chunks[1]!, chunks[0]!, ...chunks.slice(2), final);
    expect(await codeOf(decrypt(swapped))).toBe('tampered');
    const repeated = concat(head, chunks[0]!, chunks[0]!, ...chunks.slice(1), final);
    expect(await codeOf(decrypt(repeated))).toBe('tampered');
    const dropped = concat(head, chunks[0]!, ...chunks.slice(2), final);
    expect(await codeOf(decrypt(dropped))).toBe('tampered');
  });

  it('cut at a chunk edge (the final chunk gone, or the last data chunks too) → truncated', async () => {
    const { head, data: chunks } = chunksOf(file);
    expect(await codeOf(decrypt(concat(head, ...chunks)))).toBe('truncated');
    expect(await codeOf(decrypt(concat(head, ...chunks.slice(0, 3))))).toBe('truncated');
    expect(await codeOf(decrypt(file.subarray(0, file.length - 1)))).toBe('truncated');
    expect(await codeOf(decrypt(head))).toBe('truncated');
  });

  it('bytes added at the end, or the final chunk altered → truncated (no final chunk where one should be)', async () => {
    expect(await codeOf(decrypt(concat(file, new Uint8Array([0]))))).toBe('truncated');
    // A second final chunk: the first one now sits where the last data chunk should end.
    const { head, data: chunks, final } = chunksOf(file);
    expect(await codeOf(decrypt(concat(head, ...chunks, final, final)))).toBe('tampered');
    const bad = file.slice();
    bad[bad.length - 10]! ^= 0x80;
    expect(await codeOf(decrypt(bad))).toBe('truncated');
  });

  it('the final chunk of another file with the same header does not fit → truncated', async () => {
    const other = await encrypt(noise(10));
    expect(await codeOf(decrypt(concat(chunksOf(file).head, ...chunksOf(file).data, chunksOf(other).final)))).toBe('truncated');
  });

  it('nothing is given out for a file whose first chunk is altered', async () => {
    const bad = file.slice();
    bad[bodyAt(file) + 5]! ^= 1;
    const opened = await openFile(source(bad), keysOf(bob));
    const got: Uint8Array[] = [];
    const e = await (async () => {
      for await (const c of opened.plaintext) got.push(c);
    })().catch((err: unknown) => err);
    expect(isC2CError(e, 'tampered')).toBe(true);
    expect(got).toEqual([]);
  });

  it('the header: empty, cut, someone else’s format, relabelled as a text message, altered', async () => {
    expect(await codeOf(decrypt(new Uint8Array(0)))).toBe('truncated');
    expect(await codeOf(decrypt(file.subarray(0, 2)))).toBe('truncated');
    expect(await codeOf(decrypt(file.subarray(0, 100)))).toBe('truncated');
    expect(await codeOf(decrypt(concat(new Uint8Array([FORMAT_ID.modernMessageV2]), file.subarray(1))))).toBe('unknown-version');
    // The header's own first byte is authenticated: as a text message it does not open.
    const header = file.slice(3, bodyAt(file));
    header[0] = FORMAT_ID.modernMessageV2;
    expect(await codeOf(openMessageV2(header, keysOf(bob)))).toBe('tampered');
    const bad = file.slice();
    bad[bodyAt(file) - 20]! ^= 1;
    expect(await codeOf(decrypt(bad))).toBe('tampered');
    const longer = file.slice();
    new DataView(longer.buffer).setUint16(1, bodyAt(file) - 3 + 1);
    expect(['tampered', 'malformed']).toContain(await codeOf(decrypt(longer)));
  });

  it('a header for someone else → not-addressed, before any body byte is read', async () => {
    let pulled = 0;
    async function* counting() {
      for await (const c of source(file)) {
        pulled += c.length;
        yield c;
      }
    }
    expect(await codeOf(openFile(counting(), keysOf(carol)))).toBe('not-addressed');
    expect(pulled).toBeLessThan(bodyAt(file) + 10_007);
  });
});

/** The nonce of docs/FORMATS.md: prefix (7) ‖ u32 chunk index ‖ last-chunk flag. */
function nonce(prefix: Uint8Array, index: number, last: boolean): Uint8Array<ArrayBuffer> {
  const n = new Uint8Array(12);
  n.set(prefix);
  new DataView(n.buffer).setUint32(7, index);
  n[11] = last ? 1 : 0;
  return n;
}

describe('file format: the sender’s end signature', { timeout: 60_000 }, () => {
  it('a co-recipient who knows the body key re-encrypts a chunk: it authenticates, the signature does not (bad-signature)', async () => {
    const data = noise(3 * 64 * KIB);
    const file = await encrypt(data, { to: [bob, carol] });
    // Carol opens the header as any recipient can and uses the body key to forge chunk 0 for Bob.
    const header = await openFileHeader(new ByteReader(source(file)), keysOf(carol));
    const forged = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce(header.noncePrefix, 0, false) }, header.payloadKey, buf(noise(CHUNK_SIZE))));
    const { head, data: chunks, final } = chunksOf(file);
    expect(await codeOf(decrypt(concat(head, forged, ...chunks.slice(1), final)))).toBe('bad-signature');
  });

  it('a co-recipient who also re-signs the end with her own key → bad-signature (the header names the sender)', async () => {
    const file = await encrypt(noise(10), { to: [bob, carol] });
    const header = await openFileHeader(new ByteReader(source(file)), keysOf(carol));
    const { head, data: chunks } = chunksOf(file);
    const signature = await signWithContext(carol.identity.privateKey, SIGNATURE_CONTEXT.fileV1, concat(new Uint8Array(32), u64be(10)));
    const end = new Uint8Array(
      await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce(header.noncePrefix, chunks.length, true) }, header.payloadKey, buf(concat(u64be(10), signature))),
    );
    expect(await codeOf(decrypt(concat(head, ...chunks, end)))).toBe('bad-signature');
  });

  it('a final chunk sealed as a data chunk (flag 0) at the end → truncated', async () => {
    const file = await encrypt(noise(10));
    const header = await openFileHeader(new ByteReader(source(file)), keysOf(bob));
    const { head, data: chunks, final } = chunksOf(file);
    const plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce(header.noncePrefix, 1, true) }, header.payloadKey, buf(final)));
    const relabelled = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce(header.noncePrefix, 1, false) }, header.payloadKey, buf(plain)));
    expect(await codeOf(decrypt(concat(head, ...chunks, relabelled)))).toBe('truncated');
  });
});

describe('file format: streaming', { timeout: 60_000 }, () => {
  it('gives out plaintext before it has read the whole file, and reads ahead by a bounded amount', async () => {
    const data = noise(40 * 64 * KIB);
    const file = await encrypt(data);
    let pulled = 0;
    async function* counting() {
      for await (const c of source(file, 64 * KIB)) {
        pulled += c.length;
        yield c;
      }
    }
    const opened = await openFile(counting(), keysOf(bob));
    const it = opened.plaintext[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    // Some chunks in flight and one of look-ahead, far from the whole 2.5 MiB.
    expect(pulled).toBeLessThan(8 * SEGMENT_SIZE + bodyAt(file));
    await it.return?.(undefined);
  });

  it('encrypts lazily too: the header comes out before the input is read', async () => {
    let pulled = 0;
    async function* counting() {
      for await (const c of source(noise(20 * 64 * KIB), 64 * KIB)) {
        pulled += c.length;
        yield c;
      }
    }
    const sealed = sealFile({ identity: alice.identity, recipients: [bob.bundle], meta, input: counting() });
    const first = await sealed.next();
    expect(first.value?.[0]).toBe(FORMAT_ID.fileV1);
    expect(pulled).toBe(0);
    await sealed.return(undefined);
  });

  it('a source that reuses its buffers (as the CLI’s file reader does) still round-trips', async () => {
    const data = noise(9 * 64 * KIB + 5);
    async function* ring(bytes: Uint8Array, size: number) {
      const buffers = [new Uint8Array(size), new Uint8Array(size), new Uint8Array(size)];
      for (let at = 0, i = 0; at < bytes.length; at += size, i++) {
        const b = buffers[i % 3]!;
        const piece = bytes.subarray(at, at + size);
        b.set(piece);
        yield b.subarray(0, piece.length);
      }
    }
    for (const size of [100_000, 1024 * 1024, 65_552]) {
      const file = await collect(sealFile({ identity: alice.identity, recipients: [bob.bundle], meta, input: ring(data, size) }));
      const opened = await openFile(ring(file, size), keysOf(bob));
      expect(equalBytes(await collect(opened.plaintext), data), `size ${size}`).toBe(true);
    }
  });
});
