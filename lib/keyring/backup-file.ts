// Passphrase-protected file format (JSON text) shared by keyring backups and, if it wants, the CLI's
// key files. scrypt derives 64 bytes from the passphrase: the first 32 are the AES-256-GCM key, the
// last 32 give a short check value that tells a wrong passphrase apart from a tampered file. The
// header (everything but the ciphertext, in canonical form) is the AEAD's associated data.
// Layout and reasoning: docs/KEYRING.md.
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { z } from 'zod';
import { buf, concat, equalBytes, fromBase64Url, randomBytes, toBase64Url, utf8 } from '../bytes';
import { C2CError } from '../errors';

export const BACKUP_FORMAT = 'c2c-backup';
export const BACKUP_VERSION = 1;
export const SCRYPT_N = 2 ** 17;
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;
/** Lowest N ever accepted (tests only may go down to it); highest N read back (bounds memory: 256 MiB). */
export const MIN_SCRYPT_N = 2 ** 14;
export const MAX_SCRYPT_N = 2 ** 18;
export const MIN_PASSPHRASE_CHARS = 10;
const MAX_PASSPHRASE_CHARS = 1024;
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
const MAX_TEXT_LENGTH = 6 * 1024 * 1024;
const CHECK_LABEL = 'c2c/v1/backup-check';

export interface BackupParams {
  kind: string; // what the payload is ('keyring', a CLI key file...): authenticated, checked by the reader
  /** Lower scrypt cost, for tests only; never below MIN_SCRYPT_N. */
  testingOnlyScryptN?: number;
}

export interface OpenedBackup {
  kind: string;
  payload: Uint8Array;
  kdf: { N: number; r: number; p: number };
}

const b64 = (bytes?: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/)
    .transform((text, ctx) => {
      try {
        const out = fromBase64Url(text);
        if (bytes === undefined || out.length === bytes) return out;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'bad base64url field' });
      return z.NEVER;
    });

const powerOfTwo = (n: number) => Number.isInteger(Math.log2(n));

const fileSchema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_VERSION),
  kind: z.string().regex(/^[a-z0-9-]{1,32}$/),
  kdf: z
    .strictObject({
      name: z.literal('scrypt'),
      N: z.number().int().min(MIN_SCRYPT_N).max(MAX_SCRYPT_N).refine(powerOfTwo),
      r: z.literal(SCRYPT_R),
      p: z.number().int().min(1).max(4),
      salt: b64(16),
    })
    // A file may ask for at most the work of one N = 2^18 derivation (p runs that many in turn): found by
    // fuzzing, N = 2^18 with p = 4 held a restore for seconds of CPU time.
    .refine((k) => k.N * k.p <= MAX_SCRYPT_N),
  cipher: z.strictObject({ name: z.literal('AES-256-GCM'), iv: b64(12) }),
  check: b64(16),
  ciphertext: b64(),
});
export type BackupFile = z.output<typeof fileSchema>;
interface BackupHeader {
  format: string;
  version: number;
  kind: string;
  kdf: { name: string; N: number; r: number; p: number; salt: Uint8Array };
  cipher: { name: string; iv: Uint8Array };
  check: Uint8Array;
}

/** The associated data: every header field in a fixed order, so JSON key order or spacing do not matter. */
function headerBytes(f: BackupHeader): Uint8Array {
  return utf8(
    JSON.stringify([f.format, f.version, f.kind, f.kdf.name, f.kdf.N, f.kdf.r, f.kdf.p, toBase64Url(f.kdf.salt), f.cipher.name, toBase64Url(f.cipher.iv), toBase64Url(f.check)]),
  );
}

function normalizePassphrase(passphrase: unknown): Uint8Array {
  if (typeof passphrase !== 'string' || passphrase.length > MAX_PASSPHRASE_CHARS) {
    throw new C2CError('malformed', 'The passphrase must be text of at most 1024 characters.');
  }
  // NFC so the same passphrase typed on another system (composed vs decomposed letters) still opens it.
  return utf8(passphrase.normalize('NFC'));
}

/** scrypt(passphrase, salt) → 64 bytes. Exported for the RFC 7914 test vector. */
export async function deriveBackupKeyMaterial(passphrase: string, salt: Uint8Array, kdf: { N: number; r: number; p: number }): Promise<Uint8Array> {
  return scryptAsync(normalizePassphrase(passphrase), salt, { ...kdf, dkLen: 64, maxmem: 128 * kdf.r * MAX_SCRYPT_N + 1024 * 1024 });
}

async function splitKeys(material: Uint8Array): Promise<{ aesKey: CryptoKey; check: Uint8Array }> {
  const aesKey = await crypto.subtle.importKey('raw', buf(material.slice(0, 32)), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  const digest = await crypto.subtle.digest('SHA-256', buf(concat(utf8(CHECK_LABEL), new Uint8Array([0]), material.subarray(32))));
  material.fill(0);
  return { aesKey, check: new Uint8Array(digest).slice(0, 16) };
}

export async function encryptBackupPayload(payload: Uint8Array, passphrase: string, params: BackupParams): Promise<string> {
  if (typeof passphrase !== 'string' || [...passphrase.normalize('NFC')].length < MIN_PASSPHRASE_CHARS) {
    throw new C2CError('weak-passphrase', `The passphrase is too short: use at least ${MIN_PASSPHRASE_CHARS} characters (a few random words work well).`);
  }
  const N = params.testingOnlyScryptN ?? SCRYPT_N;
  if (!powerOfTwo(N) || N < MIN_SCRYPT_N || N > MAX_SCRYPT_N) {
    throw new C2CError('unsupported', `scrypt N must be a power of two from 2^14 to 2^18.`);
  }
  if (!/^[a-z0-9-]{1,32}$/.test(params.kind)) throw new C2CError('malformed', 'A backup kind is 1 to 32 of a-z 0-9 -.');
  if (payload.length > MAX_PAYLOAD_BYTES) throw new C2CError('too-large', 'The backup is too large.');
  const kdf = { name: 'scrypt' as const, N, r: SCRYPT_R, p: SCRYPT_P, salt: randomBytes(16) };
  const { aesKey, check } = await splitKeys(await deriveBackupKeyMaterial(passphrase, kdf.salt, kdf));
  const header: BackupHeader = { format: BACKUP_FORMAT, version: BACKUP_VERSION, kind: params.kind, kdf, cipher: { name: 'AES-256-GCM' as const, iv: randomBytes(12) }, check };
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: buf(header.cipher.iv), additionalData: buf(headerBytes(header)) },
    aesKey,
    buf(payload),
  );
  const file = {
    ...header,
    kdf: { ...kdf, salt: toBase64Url(kdf.salt) },
    cipher: { ...header.cipher, iv: toBase64Url(header.cipher.iv) },
    check: toBase64Url(check),
    ciphertext: toBase64Url(new Uint8Array(ciphertext)),
  };
  return JSON.stringify(file, null, 1) + '\n';
}

/** The file's outer checks, before any key derivation: what a file can ask of scrypt is bounded here. */
export function parseBackupFile(text: unknown): BackupFile {
  if (typeof text !== 'string') throw new C2CError('malformed', 'A backup is text.');
  if (text.length > MAX_TEXT_LENGTH) throw new C2CError('too-large', 'This file is too large to be a backup.');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new C2CError('malformed', 'This is not a complete Crypt2Chat backup (it may be cut short).');
  }
  const head = json as { format?: unknown; version?: unknown } | null;
  if (typeof head !== 'object' || head === null || head.format !== BACKUP_FORMAT) {
    throw new C2CError('malformed', 'This is not a Crypt2Chat backup.');
  }
  if (head.version !== BACKUP_VERSION) {
    throw new C2CError(typeof head.version === 'number' ? 'unknown-version' : 'malformed', 'This backup was made by an unsupported version.');
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new C2CError('malformed', 'The backup file is damaged: a field is missing or invalid.');
  return parsed.data;
}

/**
 * Opens a file made by encryptBackupPayload. 'wrong-passphrase' when the check value differs (a
 * changed salt or KDF parameter looks the same: the key cannot be known), 'tampered' when the
 * passphrase is right but the ciphertext or header was altered.
 */
export async function decryptBackupPayload(text: string, passphrase: string): Promise<OpenedBackup> {
  const file = parseBackupFile(text);
  const { aesKey, check } = await splitKeys(await deriveBackupKeyMaterial(passphrase, file.kdf.salt, file.kdf));
  if (!equalBytes(check, file.check)) throw new C2CError('wrong-passphrase', 'Wrong passphrase for this backup.');
  let payload: ArrayBuffer;
  try {
    payload = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: buf(file.cipher.iv), additionalData: buf(headerBytes(file)) },
      aesKey,
      buf(file.ciphertext),
    );
  } catch {
    throw new C2CError('tampered', 'The backup was altered or damaged: it does not authenticate.');
  }
  return { kind: file.kind, payload: new Uint8Array(payload), kdf: { N: file.kdf.N, r: file.kdf.r, p: file.kdf.p } };
}
