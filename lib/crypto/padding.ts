// Length hiding: the padded size reveals only a bucket. Layout: u32be(length) || data || zero bytes,
// total = the smallest bucket that fits. Unpadding happens inside the AEAD, so malformed padding
// means the sender's key holder built a bad message or the AEAD was bypassed: 'tampered'.
import { C2CError } from '../errors';

const KIB = 1024;
const SMALL_BUCKETS = [256, KIB, 4 * KIB, 16 * KIB, 64 * KIB];
const LARGE_STEP = 64 * KIB;
export const MAX_PADDED_SIZE = 1024 * KIB;
const LENGTH_PREFIX = 4;
/** The largest input pad() accepts. */
export const MAX_PADDABLE = MAX_PADDED_SIZE - LENGTH_PREFIX;

/** The bucket a `length`-byte input is padded to. */
export function paddedSize(length: number): number {
  const needed = length + LENGTH_PREFIX;
  if (needed > MAX_PADDED_SIZE) throw new C2CError('too-large', `a message can hold at most ${MAX_PADDABLE} bytes`);
  return SMALL_BUCKETS.find((b) => b >= needed) ?? Math.ceil(needed / LARGE_STEP) * LARGE_STEP;
}

export function isBucketSize(size: number): boolean {
  return SMALL_BUCKETS.includes(size) || (size % LARGE_STEP === 0 && size > LARGE_STEP && size <= MAX_PADDED_SIZE);
}

export function pad(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(paddedSize(data.length));
  new DataView(out.buffer).setUint32(0, data.length);
  out.set(data, LENGTH_PREFIX);
  return out;
}

export function unpad(padded: Uint8Array): Uint8Array {
  if (!isBucketSize(padded.length)) throw new C2CError('tampered', 'the padded message has an invalid size');
  const length = new DataView(padded.buffer, padded.byteOffset, padded.byteLength).getUint32(0);
  const end = LENGTH_PREFIX + length;
  if (end > padded.length) throw new C2CError('tampered', 'the padded message declares a wrong length');
  let nonZero = 0;
  for (let i = end; i < padded.length; i++) nonZero |= padded[i]!;
  if (nonZero !== 0) throw new C2CError('tampered', 'the message padding is not zero');
  return padded.slice(LENGTH_PREFIX, end);
}
