// Ed25519 identity keys on WebCrypto. An identity key signs the user's prekeys, relay challenges and
// key-change statements; its fingerprint is SHA-256 of the raw 32-byte public key.
import { sha256 } from '@noble/hashes/sha2.js';
import { buf, concat, toHex, utf8 } from '../bytes';

export const ED25519_PUBLIC_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

export interface IdentityKeyPair {
  publicKey: Uint8Array; // raw 32 bytes
  privateKey: CryptoKey; // Ed25519, usage 'sign'
}

/** `extractable` is false for keys kept in the browser keyring and true for CLI key files. */
export async function generateIdentity(extractable = false): Promise<IdentityKeyPair> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, extractable, ['sign', 'verify'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { publicKey, privateKey: pair.privateKey };
}

export async function importIdentityPrivate(pkcs8: Uint8Array, extractable = false): Promise<CryptoKey> {
  return crypto.subtle.importKey('pkcs8', buf(pkcs8), { name: 'Ed25519' }, extractable, ['sign']);
}

export async function exportIdentityPrivate(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('pkcs8', key));
}

/** The bytes actually signed: label ‖ 0x00 ‖ message. Exported for verifiers that use another Ed25519 API. */
export function contextMessage(context: string, message: Uint8Array): Uint8Array {
  return concat(utf8(context), new Uint8Array([0]), message);
}

/**
 * Signs `message` under a domain-separation label, so a signature made for one purpose
 * (a prekey, a relay challenge, a key change) can never be replayed as another.
 */
export async function signWithContext(privateKey: CryptoKey, context: string, message: Uint8Array): Promise<Uint8Array> {
  const data = contextMessage(context, message);
  return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, buf(data)));
}

/** Returns false (never throws) for a malformed key or signature: callers turn that into a specific error. */
export async function verifyWithContext(
  publicKey: Uint8Array,
  context: string,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (publicKey.length !== ED25519_PUBLIC_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  try {
    const key = await crypto.subtle.importKey('raw', buf(publicKey), { name: 'Ed25519' }, false, ['verify']);
    const data = contextMessage(context, message);
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, buf(signature), buf(data));
  } catch {
    return false;
  }
}

/** SHA-256 of the raw key (32 bytes: @noble/hashes, cheaper than a WebCrypto round trip). */
export async function fingerprintBytes(publicKey: Uint8Array): Promise<Uint8Array> {
  return sha256(publicKey);
}

export const KEY_ID_LENGTH = 8;

/** Key id: the first 8 bytes of the fingerprint, which names a sender in compact messages. */
export async function keyIdBytes(publicKey: Uint8Array): Promise<Uint8Array> {
  return (await fingerprintBytes(publicKey)).slice(0, KEY_ID_LENGTH);
}

const grouped = (bytes: Uint8Array) => toHex(bytes).toUpperCase().match(/.{4}/g)!.join(' ');

/** Fingerprint as shown to people: 64 hex digits in groups of four. */
export async function fingerprint(publicKey: Uint8Array): Promise<string> {
  return grouped(await fingerprintBytes(publicKey));
}

/** A key id as shown to people: the fingerprint's first 16 hex digits, then an ellipsis. */
export function keyIdText(keyId: Uint8Array): string {
  return `${grouped(keyId)} …`;
}

/** Domain-separation labels for every signature the system makes. */
export const SIGNATURE_CONTEXT = {
  prekey: 'c2c/v1/prekey',
  relayAuth: 'c2c/v1/relay-auth',
  relayRegister: 'c2c/v1/relay-register',
  keyChange: 'c2c/v1/key-change',
  /** The relay's log key on the key-log entries it authors (revocations, adopted handles). */
  keyLogEntry: 'c2c/v1/key-log-entry',
  chatStatic: 'c2c/v1/chat-static',
  messageV2: 'c2c/v2/message',
  /** The end of an encrypted file: its length and every chunk (lib/files/). */
  fileV1: 'c2c/v1/file',
  /** Never sent anywhere: this signature is the secret the sender's own copies are derived from. */
  selfCopyKey: 'c2c/v2/self-copy-key',
  /** A contact card's self-signature over its handle and keys (contact-card.ts). */
  contactCard: 'c2c/v1/contact-card',
  /** A peer-to-peer offer's or answer's DTLS fingerprint and ICE fields, for one recipient (p2p-token.ts). */
  p2pDtls: 'c2c/v1/p2p-dtls',
} as const;
