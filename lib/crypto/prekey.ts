// X25519 prekeys certified by the Ed25519 identity. Messages are wrapped to a prekey, so the
// identity key never does DH. Rotation = generate a new prekey and publish it; callers keep the
// old private prekeys (for as long as they want to read older messages) and pass them all to
// openMessage, which picks the right one by its id.
import { sha256 } from '@noble/hashes/sha2.js';
import { buf, concat, equalBytes, toHex, u64be } from '../bytes';
import { C2CError } from '../errors';
import { type IdentityKeyPair, SIGNATURE_CONTEXT, signWithContext, verifyWithContext } from './identity';
import { x25519PublicOf } from './x25519';

/** How often prekeys rotate: the extension's alarm and the CLI's `c2c rotate` both aim at weekly. */
export const PREKEY_ROTATION_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * How long a retired prekey is kept after it was replaced: as long as messages sealed to it may still
 * arrive (a sender who looked our bundle up before the rotation, a relay or page holding a message for a
 * while). Trade-off: while a retired prekey is kept, someone who takes the keyring or key file can read the
 * messages sealed to it; once it is dropped, those messages can no longer be opened by anyone.
 */
export const PREKEY_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/**
 * How old a v1 sender's prekey may be at the message's own time. v1 authenticates its sender only through
 * HPKE auth mode with that prekey (no key-compromise impersonation protection: RFC 9180 §9.1.1), so an old,
 * perhaps leaked, prekey must not vouch for new messages. 90 days: weekly rotation plus a generous margin
 * for identities that rotated rarely before rotation existed.
 */
export const V1_SENDER_PREKEY_MAX_AGE_MS = 90 * 24 * 60 * 60 * 1000;

/** Refuses a v1 message whose sender prekey was created more than V1_SENDER_PREKEY_MAX_AGE_MS before it. */
export function checkV1SenderPrekeyAge(prekeyCreated: number, messageTime: number): void {
  if (messageTime - prekeyCreated > V1_SENDER_PREKEY_MAX_AGE_MS) {
    throw new C2CError('key-mismatch', 'the sender used a prekey more than 90 days older than the message: not trusted to vouch for the sender');
  }
}

/** The public, signed half of a prekey, as published in a public bundle. */
export interface SignedPrekey {
  publicKey: Uint8Array; // raw X25519, 32 bytes
  created: number; // ms since the Unix epoch
  signature: Uint8Array; // Ed25519 by the identity key, 64 bytes
}

export interface PrekeyPair extends SignedPrekey {
  id: string; // prekeyId(publicKey)
  privateKey: CryptoKey; // X25519, usage 'deriveBits'
}

/** The bytes the identity signs: prekey public key || u64be(created). */
function signedBytes(publicKey: Uint8Array, created: number): Uint8Array {
  return concat(publicKey, u64be(created));
}

/** 8-byte prekey id: the first 8 bytes of SHA-256 of the raw public key (32 bytes: @noble/hashes, no round trip). */
export async function prekeyIdBytes(publicKey: Uint8Array): Promise<Uint8Array> {
  return sha256(publicKey).slice(0, 8);
}

/** The prekey id as 16 lowercase hex digits. */
export async function prekeyId(publicKey: Uint8Array): Promise<string> {
  return toHex(await prekeyIdBytes(publicKey));
}

/** `extractable` is false for the browser keyring and true for CLI key files and backups. */
export async function generatePrekey(
  identity: IdentityKeyPair,
  opts: { extractable?: boolean; now?: number } = {},
): Promise<PrekeyPair> {
  const created = opts.now ?? Date.now();
  const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, opts.extractable ?? false, ['deriveBits'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const signature = await signWithContext(identity.privateKey, SIGNATURE_CONTEXT.prekey, signedBytes(publicKey, created));
  return { id: await prekeyId(publicKey), publicKey, privateKey: pair.privateKey, created, signature };
}

/**
 * Prekey signatures that checked out, by the exact bytes checked (identity key, prekey, time, signature):
 * every message to or from a contact checks the same bundles again, and one Ed25519 verification costs
 * more than the rest of a short message's wrap. The verdict is a function of these public bytes alone, so
 * remembering it weakens nothing; failures are not remembered. Bounded; the oldest entry goes first.
 */
const verifiedPrekeys = new Set<string>();
const MAX_VERIFIED_PREKEYS = 1024;

/** True when `identityKey` signed this prekey. Never throws. */
export async function verifyPrekey(identityKey: Uint8Array, prekey: SignedPrekey): Promise<boolean> {
  if (!Number.isSafeInteger(prekey.created) || prekey.created < 0) return false;
  const signed = signedBytes(prekey.publicKey, prekey.created);
  const memo = `${toHex(identityKey)}.${toHex(signed)}.${toHex(prekey.signature)}`;
  if (verifiedPrekeys.has(memo)) return true;
  const valid = await verifyWithContext(identityKey, SIGNATURE_CONTEXT.prekey, signed, prekey.signature);
  if (valid) {
    if (verifiedPrekeys.size >= MAX_VERIFIED_PREKEYS) verifiedPrekeys.delete(verifiedPrekeys.values().next().value!);
    verifiedPrekeys.add(memo);
  }
  return valid;
}

/** PKCS#8 of the private prekey, for CLI key files and backups. */
export async function exportPrekeyPrivate(prekey: PrekeyPair): Promise<Uint8Array> {
  try {
    return new Uint8Array(await crypto.subtle.exportKey('pkcs8', prekey.privateKey));
  } catch {
    throw new C2CError('unsupported', 'this prekey is stored non-extractable and cannot be exported');
  }
}

/**
 * Rebuilds a prekey pair from its PKCS#8 private key and its published half. Checks that the private
 * key belongs to that public key ('key-mismatch') and that `identityKey` signed it ('bad-signature').
 */
export async function importPrekey(
  identityKey: Uint8Array,
  record: SignedPrekey & { pkcs8: Uint8Array },
  extractable = false,
): Promise<PrekeyPair> {
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey('pkcs8', buf(record.pkcs8), { name: 'X25519' }, extractable, ['deriveBits']);
  } catch {
    throw new C2CError('malformed', 'the private prekey is not a valid X25519 PKCS#8 key');
  }
  const derived = await x25519PublicOf(privateKey);
  if (!equalBytes(derived, record.publicKey)) {
    throw new C2CError('key-mismatch', 'the private prekey does not match its public key');
  }
  if (!(await verifyPrekey(identityKey, record))) {
    throw new C2CError('bad-signature', 'the prekey is not signed by this identity');
  }
  const { publicKey, created, signature } = record;
  return { id: await prekeyId(publicKey), publicKey, privateKey, created, signature };
}
