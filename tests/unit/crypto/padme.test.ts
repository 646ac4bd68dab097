import { describe, expect, it } from 'vitest';
import { isPaddedLength, MIN_PADDED_LENGTH, padme, paddedLength } from '../../../lib/crypto/padme';

describe('Padmé', () => {
  // Worked by hand from the paper's formula: E = ⌊log2 L⌋, S = ⌊log2 E⌋ + 1, z = E − S, round up to 2^z.
  it.each([
    [14, 14], // E = 3, S = 2, z = 1: already even
    [34, 36], // E = 5, S = 3, z = 2: multiple of 4
    [41, 44], // E = 5, S = 3, z = 2
    [100, 104], // E = 6, S = 3, z = 3: multiple of 8
    [255, 256], // E = 7, S = 3, z = 4: multiple of 16
    [257, 272], // E = 8, S = 4, z = 4
    [1025, 1088], // E = 10, S = 4, z = 6: multiple of 64
    [5000, 5120], // E = 12, S = 4, z = 8: multiple of 256
    [65537, 67584], // E = 16, S = 5, z = 11: multiple of 2048
    [2 ** 30 + 1, 2 ** 30 + 2 ** 25], // E = 30, S = 5, z = 25: a 1 GiB file rounds to 32 MiB
    [2 ** 32 + 1, 2 ** 32 + 2 ** 26], // E = 32, S = 6, z = 26: past 32 bits
    [2 ** 40 - 1, 2 ** 40], // E = 39, S = 6, z = 33
  ])('Padmé(%i) = %i', (length, padded) => {
    expect(padme(length)).toBe(padded);
  });

  it('a section is at least 40 bytes; shorter ones pad to 40', () => {
    expect(paddedLength(1)).toBe(MIN_PADDED_LENGTH);
    expect(paddedLength(34)).toBe(40);
    expect(paddedLength(41)).toBe(44);
  });

  it('never shrinks, costs at most 12% and pads every length to a fixed point', () => {
    for (let length = 2; length < 70_000; length += 1 + (length >> 6)) {
      const padded = padme(length);
      expect(padded).toBeGreaterThanOrEqual(length);
      expect(padded).toBeLessThanOrEqual(Math.ceil(length * 1.12));
      expect(padme(padded)).toBe(padded);
      if (padded >= MIN_PADDED_LENGTH) expect(isPaddedLength(padded)).toBe(true);
    }
  });

  it('recognises which lengths a reader may accept', () => {
    expect([39, 40, 41, 42, 43, 44, 271, 272, 1087, 1088].map(isPaddedLength)).toEqual([false, true, false, false, false, true, false, true, false, true]);
    expect(isPaddedLength(-1)).toBe(false);
    expect(isPaddedLength(40.5)).toBe(false);
  });
});
