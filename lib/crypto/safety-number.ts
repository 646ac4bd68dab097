// Signal-style safety numbers (libsignal NumericFingerprintGenerator) and the QR verification payload.
// SHA-512 is iterated 5200 times per side; @noble/hashes does that synchronously about 3x faster than
// awaiting crypto.subtle.digest 5200 times, which matters for a contact list.
import { sha512 } from '@noble/hashes/sha2.js';
import { concat, equalBytes, fromHex, toHex } from '../bytes';
import { C2CError } from '../errors';
import { fingerprintBytes } from './identity';

export const SAFETY_NUMBER_ITERATIONS = 5200;

/**
 * 30 digits for one side, exactly as libsignal computes them: start from version u16be || key ||
 * identifier (not hashed), then `iterations` times hash = SHA-512(hash || key).
 */
export function numericFingerprint(key: Uint8Array, identifier: Uint8Array, version = 0, iterations = SAFETY_NUMBER_ITERATIONS): string {
  let hash = concat(new Uint8Array([version >> 8, version & 0xff]), key, identifier);
  for (let i = 0; i < iterations; i++) hash = sha512(concat(hash, key));
  let digits = '';
  for (let chunk = 0; chunk < 6; chunk++) {
    let n = 0;
    for (let j = 0; j < 5; j++) n = n * 256 + hash[chunk * 5 + j]!; // 40 bits: exact in a double
    digits += String(n % 100000).padStart(5, '0');
  }
  return digits;
}

/** The 60 displayed digits: both sides' 30 digits, sorted, so both parties see the same number. */
export function displayableFingerprint(local: string, remote: string): string {
  return local <= remote ? local + remote : remote + local;
}

/**
 * Our safety number: raw 32-byte Ed25519 identity keys, empty identifier, version 0, as 12 groups of
 * five digits. Symmetric in A and B.
 */
export async function safetyNumber(identityKeyA: Uint8Array, identityKeyB: Uint8Array): Promise<string> {
  const key = `${toHex(identityKeyA)}:${toHex(identityKeyB)}`;
  const known = computed.get(key);
  if (known !== undefined) return known;
  const empty = new Uint8Array(0);
  const digits = displayableFingerprint(numericFingerprint(identityKeyA, empty), numericFingerprint(identityKeyB, empty));
  const number = digits.match(/\d{5}/g)!.join(' ');
  computed.set(key, number);
  if (computed.size > SAFETY_NUMBERS_KEPT) computed.delete(computed.keys().next().value!);
  return number;
}

/**
 * Safety numbers already computed, by key pair (public values only). Each costs 10,400 SHA-512 rounds and
 * the popup lists every contact's every 1.5 s: in Firefox ESR 140 that alone kept the extension process
 * at a full core with one contact (measured), and every other request waited seconds.
 */
const computed = new Map<string, string>();
const SAFETY_NUMBERS_KEPT = 512;

const PAYLOAD = /^c2cverify1:([0-9a-f]{64}):([0-9a-f]{64})$/;

/** QR text shown by `mine`: its own fingerprint first, then the one it pinned for `theirs`. */
export async function verificationPayload(mine: Uint8Array, theirs: Uint8Array): Promise<string> {
  return `c2cverify1:${toHex(await fingerprintBytes(mine))}:${toHex(await fingerprintBytes(theirs))}`;
}

/**
 * Checks a payload scanned from the other party's screen: it must name their key first and mine second.
 * Throws C2CError 'malformed' for anything that is not a payload.
 */
export async function checkVerificationPayload(text: string, mine: Uint8Array, theirs: Uint8Array): Promise<'match' | 'mismatch'> {
  const m = PAYLOAD.exec(text.trim());
  if (!m) throw new C2CError('malformed', 'this is not a Crypt2Chat verification code');
  const [theirsFp, mineFp] = await Promise.all([fingerprintBytes(theirs), fingerprintBytes(mine)]);
  return equalBytes(fromHex(m[1]!), theirsFp) && equalBytes(fromHex(m[2]!), mineFp) ? 'match' : 'mismatch';
}
