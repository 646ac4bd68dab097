// Padmé padding lengths (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication
// with PURBs", PETS 2019): a length L is rounded up so that only its top ⌊log2 log2 L⌋ + 1 bits may be
// non-zero. Overhead is at most ~12% (less for longer inputs) and the padded length leaks O(log log L) bits.

/** Sections shorter than this are padded to it, so short messages all look alike. */
export const MIN_PADDED_LENGTH = 40;

/** ⌊log2 n⌋ for 1 ≤ n < 2^53 (Math.clz32 sees 32 bits, so larger n are taken in two steps). */
const log2 = (n: number): number => (n < 2 ** 32 ? 31 - Math.clz32(n) : 32 + log2(Math.floor(n / 2 ** 32)));

/** Padmé(L): E = ⌊log2 L⌋, S = ⌊log2 E⌋ + 1, z = E − S, mask = 2^z − 1, result (L + mask) & ~mask. */
export function padme(length: number): number {
  // Safe integers: file sizes (lib/files/) go past 2^32.
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError('padme: length out of range');
  if (length < 2) return length; // E = 0: log2 E is undefined, and there is nothing to round
  const e = log2(length);
  const s = log2(e) + 1;
  const z = e - s;
  if (z <= 0) return length;
  const mask = 2 ** z - 1;
  // Plain arithmetic instead of 32-bit bit operations: (L + mask) − ((L + mask) mod 2^z).
  const sum = length + mask;
  return sum - (sum % 2 ** z);
}

/** The padded length of an unpadded section of `length` bytes. */
export function paddedLength(length: number): number {
  return Math.max(MIN_PADDED_LENGTH, padme(length));
}

/** True when some unpadded length pads to exactly `length` (Padmé lengths are its fixed points). */
export function isPaddedLength(length: number): boolean {
  return Number.isSafeInteger(length) && length >= MIN_PADDED_LENGTH && length < 2 ** 31 && padme(length) === length;
}
