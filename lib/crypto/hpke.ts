// Single-shot HPKE (RFC 9180) for the one suite the messages use: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
// AES-256-GCM, in base mode (v2 wraps, through the exporter) and auth mode (v1 wraps, one seal at sequence 0).
// X25519 and AES-GCM run on WebCrypto, so private keys stay non-extractable CryptoKeys. The key schedule
// (a dozen HMACs of a few dozen bytes) runs synchronously on @noble/hashes: through WebCrypto each HMAC
// costs an import and a round trip, which made HPKE several times dearer than its two DH operations.
// SHA-256 and HMAC in @noble/hashes have no secret-dependent branches or table lookups.
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { buf, concat, toHex, utf8 } from '../bytes';
import { importX25519Public, X25519_PUBLIC_LENGTH } from './x25519';

export const HPKE_MODE_BASE = 0x00;
export const HPKE_MODE_AUTH = 0x02;
export type HpkeMode = typeof HPKE_MODE_BASE | typeof HPKE_MODE_AUTH;

const KEM_ID = 0x0020;
const KDF_ID = 0x0001;
const AEAD_ID = 0x0002;
const KEY_LENGTH = 32;
const NONCE_LENGTH = 12;
const SECRET_LENGTH = 32;

const u16 = (n: number) => new Uint8Array([n >> 8, n & 0xff]);
const VERSION = utf8('HPKE-v1');
const KEM_SUITE = concat(utf8('KEM'), u16(KEM_ID));
const HPKE_SUITE = concat(utf8('HPKE'), u16(KEM_ID), u16(KDF_ID), u16(AEAD_ID));
const EMPTY = new Uint8Array(0);
const label = (s: string) => utf8(s);
const L_EAE_PRK = label('eae_prk');
const L_SHARED_SECRET = label('shared_secret');
const L_PSK_ID_HASH = label('psk_id_hash');
const L_INFO_HASH = label('info_hash');
const L_SECRET = label('secret');
const L_KEY = label('key');
const L_BASE_NONCE = label('base_nonce');
const L_EXP = label('exp');
const L_SEC = label('sec');

function labeledExtract(suite: Uint8Array, salt: Uint8Array, lbl: Uint8Array, ikm: Uint8Array): Uint8Array {
  return extract(sha256, concat(VERSION, suite, lbl, ikm), salt);
}

function labeledExpand(suite: Uint8Array, prk: Uint8Array, lbl: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return expand(sha256, prk, concat(u16(length), VERSION, suite, lbl, info), length);
}

/** What one HPKE context holds; a single-shot seal or open uses sequence number 0, so the nonce is base_nonce. */
export interface HpkeSchedule {
  key: Uint8Array;
  baseNonce: Uint8Array;
  exporterSecret: Uint8Array;
}

/** A fresh ephemeral key: `enc` is its public half as sent. */
export interface HpkeEphemeral {
  privateKey: CryptoKey;
  enc: Uint8Array;
}

export async function generateEphemeral(): Promise<HpkeEphemeral> {
  const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
  return { privateKey: pair.privateKey, enc: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)) };
}

/**
 * Imported prekey public keys by their bytes: the same few contacts' prekeys (and our own, for our copy)
 * are used message after message. Public values only; bounded, the oldest entry goes first. An enc is
 * fresh per message and is imported without this.
 */
const prekeyKeys = new Map<string, Promise<CryptoKey>>();
const MAX_PREKEY_KEYS = 256;

function importPrekeyPublic(raw: Uint8Array): Promise<CryptoKey> {
  const id = toHex(raw);
  let key = prekeyKeys.get(id);
  if (!key) {
    key = importX25519Public(raw);
    if (prekeyKeys.size >= MAX_PREKEY_KEYS) prekeyKeys.delete(prekeyKeys.keys().next().value!);
    prekeyKeys.set(id, key);
    key.catch(() => prekeyKeys.delete(id));
  }
  return key;
}

/** X25519 with RFC 9180 §7.1.4's check: an all-zero result (a low-order peer key) is refused. */
async function dh(privateKey: CryptoKey, peer: CryptoKey): Promise<Uint8Array> {
  const shared = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: peer }, privateKey, 256));
  let any = 0;
  for (const b of shared) any |= b;
  if (any === 0) throw new Error('X25519 gave the all-zero value');
  return shared;
}

/** DHKEM ExtractAndExpand; wipes the DH output. */
function kemSharedSecret(dhs: Uint8Array[], kemContext: Uint8Array): Uint8Array {
  const ikm = concat(...dhs);
  const prk = labeledExtract(KEM_SUITE, EMPTY, L_EAE_PRK, ikm);
  const secret = labeledExpand(KEM_SUITE, prk, L_SHARED_SECRET, kemContext, SECRET_LENGTH);
  for (const part of [ikm, prk, ...dhs]) part.fill(0);
  return secret;
}

/** An application's `info`, as the parts of the key schedule that depend on nothing else. */
export interface HpkeInfo {
  /** key_schedule_context by mode: mode ‖ psk_id_hash ‖ info_hash (no PSK). */
  context: Record<HpkeMode, Uint8Array>;
}

/** Prepares `info` once (a module constant), so each message's key schedule skips two of its nine HMACs. */
export function hpkeInfo(info: Uint8Array): HpkeInfo {
  const hashes = concat(labeledExtract(HPKE_SUITE, EMPTY, L_PSK_ID_HASH, EMPTY), labeledExtract(HPKE_SUITE, EMPTY, L_INFO_HASH, info));
  const withMode = (mode: HpkeMode) => concat(new Uint8Array([mode]), hashes);
  return { context: { [HPKE_MODE_BASE]: withMode(HPKE_MODE_BASE), [HPKE_MODE_AUTH]: withMode(HPKE_MODE_AUTH) } };
}

/** KeySchedule without a PSK (modes 0 and 2); wipes the shared secret. */
function keySchedule(mode: HpkeMode, sharedSecret: Uint8Array, info: HpkeInfo): HpkeSchedule {
  const context = info.context[mode];
  const secret = labeledExtract(HPKE_SUITE, sharedSecret, L_SECRET, EMPTY);
  const schedule = {
    key: labeledExpand(HPKE_SUITE, secret, L_KEY, context, KEY_LENGTH),
    baseNonce: labeledExpand(HPKE_SUITE, secret, L_BASE_NONCE, context, NONCE_LENGTH),
    exporterSecret: labeledExpand(HPKE_SUITE, secret, L_EXP, context, SECRET_LENGTH),
  };
  secret.fill(0);
  sharedSecret.fill(0);
  return schedule;
}

function assertPublic(raw: Uint8Array): void {
  if (raw.length !== X25519_PUBLIC_LENGTH) throw new Error('an X25519 public key must be 32 bytes');
}

/**
 * The sender's context (SetupBaseS, or SetupAuthS when `sender` is given) with the ephemeral key
 * `ephemeral`. Throws a plain Error for an unusable recipient key.
 */
export async function setupSender(args: {
  ephemeral: HpkeEphemeral;
  recipient: Uint8Array; // raw pkR
  sender?: { privateKey: CryptoKey; publicKey: Uint8Array };
  info: HpkeInfo;
}): Promise<HpkeSchedule> {
  const { ephemeral, recipient, sender } = args;
  assertPublic(recipient);
  const pkR = await importPrekeyPublic(recipient);
  const dhs = await Promise.all([dh(ephemeral.privateKey, pkR), ...(sender ? [dh(sender.privateKey, pkR)] : [])]);
  const kemContext = concat(ephemeral.enc, recipient, ...(sender ? [sender.publicKey] : []));
  return keySchedule(sender ? HPKE_MODE_AUTH : HPKE_MODE_BASE, kemSharedSecret(dhs, kemContext), args.info);
}

/** The recipient's context (SetupBaseR, or SetupAuthR when `senderPublic` is given). Throws a plain Error for a bad enc. */
export async function setupRecipient(args: {
  recipient: { privateKey: CryptoKey; publicKey: Uint8Array };
  enc: Uint8Array;
  senderPublic?: Uint8Array;
  info: HpkeInfo;
}): Promise<HpkeSchedule> {
  const { recipient, enc, senderPublic } = args;
  assertPublic(enc);
  if (senderPublic) assertPublic(senderPublic);
  const [pkE, pkS] = await Promise.all([importX25519Public(enc), senderPublic && importPrekeyPublic(senderPublic)]);
  const dhs = await Promise.all([dh(recipient.privateKey, pkE), ...(pkS ? [dh(recipient.privateKey, pkS)] : [])]);
  const kemContext = concat(enc, recipient.publicKey, ...(senderPublic ? [senderPublic] : []));
  return keySchedule(senderPublic ? HPKE_MODE_AUTH : HPKE_MODE_BASE, kemSharedSecret(dhs, kemContext), args.info);
}

async function aeadKey(schedule: HpkeSchedule, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', buf(schedule.key), 'AES-GCM', false, [usage]);
}

/** Seal at sequence number 0: the context's one message. */
export async function sealOnce(schedule: HpkeSchedule, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const key = await aeadKey(schedule, 'encrypt');
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: buf(schedule.baseNonce), additionalData: buf(aad) }, key, buf(plaintext)));
}

/** Open at sequence number 0; rejects (a plain OperationError) when the ciphertext does not authenticate. */
export async function openOnce(schedule: HpkeSchedule, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
  const key = await aeadKey(schedule, 'decrypt');
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(schedule.baseNonce), additionalData: buf(aad) }, key, buf(ciphertext)));
}

/** The secret export interface: Export(exporter_context, L). */
export function exportSecret(schedule: HpkeSchedule, exporterContext: Uint8Array, length: number): Uint8Array {
  return labeledExpand(HPKE_SUITE, schedule.exporterSecret, L_SEC, exporterContext, length);
}
