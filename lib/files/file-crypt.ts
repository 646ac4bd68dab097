// Encrypted files of any size in constant memory: the header (file-header.ts), then the body as the STREAM
// construction (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption and its Nonce-Reuse
// Misuse-Resistance", CRYPTO 2015; as in age and Tink) over AES-256-GCM 64 KiB chunks whose nonce is
// prefix ‖ chunk index ‖ last-chunk flag. The last chunk carries the length and the sender's signature over
// a hash chain of every chunk, so a co-recipient, who knows the body key, still cannot forge a body.
// Layout and reasons: docs/FORMATS.md "Encrypted file v1".
import { buf, concat, u64be } from '../bytes';
import { C2CError } from '../errors';
import { ED25519_SIGNATURE_LENGTH, type IdentityKeyPair, SIGNATURE_CONTEXT, signWithContext, verifyWithContext } from '../crypto/identity';
import type { OpeningKeys } from '../crypto/message-v2';
import { padme } from '../crypto/padme';
import type { PublicBundle } from '../crypto/public-bundle';
import { ByteReader, type ByteSource } from './byte-reader';
import { type FilePrimitives, type GroupHasher, webFilePrimitives } from './file-primitives';
import { type FileKeys, type FileMeta, openFileHeader, type OpenedHeader, sealFileHeader } from './file-header';

/** Plaintext bytes per chunk. */
export const CHUNK_SIZE = 64 * 1024;
const TAG_LENGTH = 16;
/** A whole chunk on the wire. */
export const SEGMENT_SIZE = CHUNK_SIZE + TAG_LENGTH;
/** The last chunk's plaintext: u64 content length ‖ signature. */
const FINAL_PLAIN = 8 + ED25519_SIGNATURE_LENGTH;
const FINAL_SEGMENT = FINAL_PLAIN + TAG_LENGTH;
/** Every file's padded body is at least one chunk: all files up to 64 KiB look alike. */
export const MIN_PADDED_SIZE = CHUNK_SIZE;
const MAX_CHUNKS = 2 ** 32; // the index is a u32
/** Chunks in flight at once (WebCrypto runs them on worker threads); bounds memory to a few chunks. */
const WINDOW = 4;
const CHAIN_LABEL = new TextEncoder().encode('c2c/v1/file/chain');
/** Data chunks hashed together in the chain (1 MiB). */
const CHAIN_GROUP = 16;
const ZEROS = new Uint8Array(CHUNK_SIZE);

/** The padded size of a body holding `length` bytes: Padmé, at least one chunk. */
export function paddedFileSize(length: number): number {
  return Math.max(MIN_PADDED_SIZE, padme(length));
}

/** The size of the encrypted file, given its header size and content length. */
export function encryptedFileSize(headerLength: number, length: number): number {
  const padded = paddedFileSize(length);
  return headerLength + padded + Math.ceil(padded / CHUNK_SIZE) * TAG_LENGTH + FINAL_SEGMENT;
}

function nonceOf(prefix: Uint8Array, index: number, last: boolean): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(12);
  nonce.set(prefix);
  new DataView(nonce.buffer).setUint32(7, index);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf(data)));
}

/**
 * The hash the end signature covers: h = SHA-256(label ‖ header), then for each group of CHAIN_GROUP data
 * chunks h = SHA-256(h ‖ SHA-256(chunk ‖ … ‖ chunk)) over the chunks as sent: one digest per group rather
 * than per chunk.
 */
class HashChain {
  private head: Promise<Uint8Array>;
  private readonly group: GroupHasher;
  private count = 0;
  constructor(header: Uint8Array, primitives: FilePrimitives) {
    this.head = sha256(concat(CHAIN_LABEL, header));
    this.group = primitives.groupHasher(CHAIN_GROUP * SEGMENT_SIZE);
  }
  /** Takes the next chunk, in order (taken in now); settles once a group it completes has been digested. */
  add(segment: Uint8Array): Promise<unknown> {
    this.group.update(segment);
    return ++this.count === CHAIN_GROUP ? this.fold() : Promise.resolve();
  }
  value(): Promise<Uint8Array> {
    if (this.count > 0) void this.fold();
    return this.head;
  }
  private fold(): Promise<Uint8Array> {
    const digest = this.group.digest();
    this.count = 0;
    this.head = Promise.all([this.head, digest]).then(([h, d]) => sha256(concat(h, d)));
    this.head.catch(() => undefined); // reported where the chunk itself is awaited
    return digest;
  }
}

const signedEnd = (chain: Uint8Array, length: number) => concat(chain, u64be(length));

/** Yields `size`-byte pieces of the source (the last one shorter), each valid until the next is asked for. */
async function* pieces(source: ByteSource, size: number): AsyncGenerator<Uint8Array> {
  const reader = new ByteReader(source);
  try {
    for (;;) {
      const piece = await reader.read(size);
      if (piece.length > 0) yield piece;
      if (piece.length < size) return;
    }
  } finally {
    await reader.close();
  }
}

/** A queue of at most WINDOW pending results, yielded in order. */
class Window {
  private readonly queue: Promise<Uint8Array>[] = [];
  push(p: Promise<Uint8Array>): void {
    p.catch(() => undefined); // awaited in order by drain(); this only stops an early unhandled report
    this.queue.push(p);
  }
  get full(): boolean {
    return this.queue.length >= WINDOW;
  }
  async *drain(all: boolean): AsyncGenerator<Uint8Array> {
    while (this.queue.length > (all ? 0 : WINDOW - 1)) yield await this.queue.shift()!;
  }
}

export interface SealFileArgs {
  identity: IdentityKeyPair;
  recipients: PublicBundle[];
  meta: FileMeta;
  input: ByteSource;
  timestamp?: number;
  /** AES-GCM and SHA-256 for the body; WebCrypto's when not given. */
  primitives?: FilePrimitives;
}

/** The encrypted file, as a stream of byte chunks (the header first). */
export async function* sealFile(args: SealFileArgs): AsyncGenerator<Uint8Array> {
  const header = await sealFileHeader(args);
  const primitives = args.primitives ?? webFilePrimitives;
  yield header.bytes;
  const chain = new HashChain(header.bytes, primitives);
  const window = new Window();
  let index = 0;
  // Chunks enter the chain in order, whichever encryption finishes first.
  let chained: Promise<unknown> = Promise.resolve();
  const encrypt = (plain: Uint8Array) => {
    if (index >= MAX_CHUNKS - 1) throw new C2CError('too-large', 'the file is larger than the format allows (256 TiB)');
    const segment = encryptSegment(primitives, header, index++, false, plain);
    chained = chained.then(async () => chain.add(await segment));
    chained.catch(() => undefined); // reported where the chunk itself is awaited
    window.push(Promise.all([segment, chained]).then(([s]) => s));
  };
  let length = 0;
  let tail: Uint8Array = new Uint8Array(0);
  for await (const piece of pieces(args.input, CHUNK_SIZE)) {
    if (piece.length < CHUNK_SIZE) {
      tail = piece.slice(); // kept past the next pull
      break;
    }
    length += piece.length;
    encrypt(piece);
    if (window.full) yield* window.drain(false);
  }
  length += tail.length;
  // Padding: zeros after the content up to the padded size, in whole chunks but the last.
  let left = paddedFileSize(length) - (length - tail.length);
  let first = true;
  while (left > 0) {
    const size = Math.min(CHUNK_SIZE, left);
    const plain = first && tail.length > 0 ? concat(tail, ZEROS.subarray(0, size - tail.length)) : ZEROS.subarray(0, size);
    first = false;
    encrypt(plain);
    left -= size;
    if (window.full) yield* window.drain(false);
  }
  await chained;
  const signature = await signWithContext(args.identity.privateKey, SIGNATURE_CONTEXT.fileV1, signedEnd(await chain.value(), length));
  window.push(encryptSegment(primitives, header, index, true, concat(u64be(length), signature)));
  yield* window.drain(true);
}

/** `plain` is taken in before this returns (FilePrimitives), so the caller may reuse its memory. */
function encryptSegment(primitives: FilePrimitives, keys: FileKeys, index: number, last: boolean, plain: Uint8Array): Promise<Uint8Array> {
  return primitives.seal(keys.payloadKey, nonceOf(keys.noncePrefix, index, last), plain);
}

async function decryptSegment(primitives: FilePrimitives, keys: FileKeys, index: number, last: boolean, segment: Uint8Array): Promise<Uint8Array> {
  try {
    return await primitives.open(keys.payloadKey, nonceOf(keys.noncePrefix, index, last), segment);
  } catch {
    throw last
      ? new C2CError('truncated', 'the file was cut short (or its end altered or added to): its last chunk is missing or does not authenticate')
      : new C2CError('tampered', `chunk ${index + 1} does not authenticate: the file was altered, or chunks were reordered or repeated`);
  }
}

export interface OpenedFile {
  meta: FileMeta;
  /** The sender's Ed25519 identity key; the last chunk's signature proves it. */
  sender: Uint8Array;
  ownCopy: boolean;
  timestamp: number;
  /**
   * The plaintext. It authenticates only when this stream ends without an error: a consumer that must not
   * keep unauthenticated plaintext writes it aside and keeps it only then.
   */
  plaintext: AsyncGenerator<Uint8Array>;
}

/** Opens the header now (who sent it, to whom, name and type); the plaintext follows as a stream. */
export async function openFile(input: ByteSource, me: OpeningKeys, opts: { now?: number; primitives?: FilePrimitives } = {}): Promise<OpenedFile> {
  const reader = new ByteReader(input);
  let header: OpenedHeader;
  try {
    header = await openFileHeader(reader, me, opts);
  } catch (e) {
    await reader.close();
    throw e;
  }
  return { meta: header.meta, sender: header.sender, ownCopy: header.ownCopy, timestamp: header.timestamp, plaintext: readBody(reader, header, opts.primitives ?? webFilePrimitives) };
}

async function* readBody(reader: ByteReader, header: OpenedHeader, primitives: FilePrimitives): AsyncGenerator<Uint8Array> {
  try {
    yield* decryptBody(reader, header, primitives);
  } finally {
    await reader.close();
  }
}

/**
 * The body: data chunks of SEGMENT_SIZE on the wire (the last data chunk may be shorter), then the final
 * chunk of FINAL_SEGMENT bytes. Trailing zero bytes are counted, not held: they are padding or content,
 * which only the final chunk's length says.
 */
async function* decryptBody(reader: ByteReader, header: OpenedHeader, primitives: FilePrimitives): AsyncGenerator<Uint8Array> {
  const chain = new HashChain(header.bytes, primitives);
  const window = new Window();
  let index = 0;
  let pendingZeros = 0;
  let emitted = 0; // plaintext bytes given out, padding candidates excluded
  let total = 0; // decrypted body bytes, padding included

  async function* deliver(plain: Uint8Array): AsyncGenerator<Uint8Array> {
    total += plain.length;
    let end = plain.length;
    while (end > 0 && plain[end - 1] === 0) end--;
    if (end === 0) {
      pendingZeros += plain.length;
      return;
    }
    yield* zeros(pendingZeros);
    emitted += pendingZeros + end;
    pendingZeros = plain.length - end;
    yield plain.subarray(0, end);
  }
  const decrypt = (segment: Uint8Array) => {
    if (index >= MAX_CHUNKS - 1) throw new C2CError('too-large', 'the file has more chunks than the format allows');
    // Both calls take `segment` in before they return (FilePrimitives), so the reader may reuse its memory.
    const plain = decryptSegment(primitives, header, index++, false, segment);
    window.push(Promise.all([plain, chain.add(segment)]).then(([p]) => p));
  };

  // More than a whole chunk and the final chunk ahead: the next SEGMENT_SIZE bytes are a whole data chunk.
  while (await reader.has(SEGMENT_SIZE + FINAL_SEGMENT + 1)) {
    decrypt(await reader.read(SEGMENT_SIZE));
    if (window.full) for await (const plain of window.drain(false)) yield* deliver(plain);
  }
  // rest = the last data chunk ‖ the final chunk.
  const rest = (await reader.read(SEGMENT_SIZE + FINAL_SEGMENT)).slice();
  if (rest.length < FINAL_SEGMENT + TAG_LENGTH + 1) throw new C2CError('truncated', 'the file ends early: its body is incomplete');
  for await (const plain of window.drain(true)) yield* deliver(plain);
  decrypt(rest.subarray(0, rest.length - FINAL_SEGMENT));
  // The end first: a file cut anywhere (or with bytes added) has no final chunk where one should be, which
  // says more than the last data chunk failing to authenticate.
  const end = await decryptSegment(primitives, header, index, true, rest.subarray(rest.length - FINAL_SEGMENT));
  for await (const plain of window.drain(true)) yield* deliver(plain);
  const length = Number(new DataView(end.buffer, end.byteOffset, 8).getBigUint64(0));
  if (!(await verifyWithContext(header.sender, SIGNATURE_CONTEXT.fileV1, signedEnd(await chain.value(), length), end.subarray(8)))) {
    throw new C2CError('bad-signature', 'the file is not signed by the sender its header names');
  }
  // Signed, so only the sender could get these wrong; checked all the same.
  if (!Number.isSafeInteger(length) || paddedFileSize(length) !== total || emitted > length) {
    throw new C2CError('tampered', 'the file length does not match its padded body');
  }
  yield* zeros(length - emitted);
}

function* zeros(count: number): Generator<Uint8Array> {
  for (let left = count; left > 0; left -= CHUNK_SIZE) yield ZEROS.subarray(0, Math.min(CHUNK_SIZE, left));
}
