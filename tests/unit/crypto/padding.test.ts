import { describe, expect, it } from 'vitest';
import { isBucketSize, MAX_PADDABLE, MAX_PADDED_SIZE, pad, paddedSize, unpad } from '../../../lib/crypto/padding';
import { isC2CError, type C2CErrorCode } from '../../../lib/errors';

function codeOf(fn: () => unknown): C2CErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    if (isC2CError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('padding', () => {
  it.each([
    [0, 256],
    [252, 256],
    [253, 1024],
    [1020, 1024],
    [1021, 4096],
    [4092, 4096],
    [16380, 16384],
    [16381, 65536],
    [65532, 65536],
    [65533, 131072],
    [200_000, 262144],
    [MAX_PADDABLE, MAX_PADDED_SIZE],
  ])('%i bytes pad to %i', (length, bucket) => {
    expect(paddedSize(length)).toBe(bucket);
    const data = new Uint8Array(length).fill(0xab);
    const padded = pad(data);
    expect(padded.length).toBe(bucket);
    expect(unpad(padded)).toEqual(data);
  });

  it('only reveals the bucket: different lengths in one bucket give equal sizes', () => {
    expect(pad(new Uint8Array(1)).length).toBe(pad(new Uint8Array(200)).length);
    expect(pad(new Uint8Array(300)).length).toBe(pad(new Uint8Array(1000)).length);
  });

  it('refuses more than 1 MiB with too-large', () => {
    expect(codeOf(() => pad(new Uint8Array(MAX_PADDABLE + 1)))).toBe('too-large');
  });

  it('knows the bucket sizes', () => {
    for (const s of [256, 1024, 4096, 16384, 65536, 131072, MAX_PADDED_SIZE]) expect(isBucketSize(s)).toBe(true);
    for (const s of [0, 255, 257, 2048, 65537, 98304, MAX_PADDED_SIZE + 65536]) expect(isBucketSize(s)).toBe(false);
  });

  it('rejects malformed padding as tampered', () => {
    const good = pad(new Uint8Array([1, 2, 3]));
    const nonZero = good.slice();
    nonZero[200] = 1;
    expect(codeOf(() => unpad(nonZero))).toBe('tampered');
    const tooLong = good.slice();
    new DataView(tooLong.buffer).setUint32(0, 253);
    expect(codeOf(() => unpad(tooLong))).toBe('tampered');
    expect(codeOf(() => unpad(good.slice(0, 255)))).toBe('tampered');
    expect(codeOf(() => unpad(new Uint8Array(0)))).toBe('tampered');
    // A longer declared length that stays inside the buffer exposes padding zeros, not data: still valid
    // framing, so it is the AEAD that must catch it; unpad alone returns the longer slice.
    const longer = good.slice();
    new DataView(longer.buffer).setUint32(0, 10);
    expect(unpad(longer).length).toBe(10);
  });
});
