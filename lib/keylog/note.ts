// C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures, the envelope of key-log checkpoints:
//
//   <text, ending in a newline>
//   <blank line>
//   — <key name> <base64(4-byte key id || 64-byte signature)>      (one line per signature)
//
// key id = SHA-256(key name || 0x0A || 0x01 || public key)[:4]; a verifier key is the text
// `<name>+<key id, 8 lowercase hex>+<base64(0x01 || public key)>`. Compatible with Go's
// golang.org/x/mod/sumdb/note, whose vectors the tests use.
//
// The signature covers the note text with no domain label of our own: that is the format. It cannot be
// confused with our other Ed25519 signatures, whose signed bytes all contain a 0x00 (contextMessage),
// a byte a note text never holds.
import { sha256 } from '@noble/hashes/sha2.js';
import { buf, concat, fromBase64, toBase64, toHex, utf8 } from '../bytes';
import { ED25519_PUBLIC_LENGTH, ED25519_SIGNATURE_LENGTH } from '../crypto/identity';
import { C2CError } from '../errors';

/** Signature type byte for Ed25519 in the signed-note registry. */
const ED25519_TYPE = 0x01;

/**
 * Bounds on what we parse. The spec asks verifiers to accept at least 16 signatures, which may be
 * post-quantum cosignatures of nearly 5 kB each; 128 KiB holds that and any checkpoint text.
 */
export const MAX_NOTE_BYTES = 128 * 1024;
export const MAX_NOTE_SIGNATURES = 100;

export interface NoteSigner {
  name: string;
  publicKey: Uint8Array; // Ed25519, raw 32 bytes
  privateKey: CryptoKey; // Ed25519, usage 'sign'
}

export interface NoteVerifier {
  name: string;
  keyId: number; // uint32
  publicKey: Uint8Array; // Ed25519, raw 32 bytes
}

/** A signature the verifiers checked, by the key that made it. */
export interface NoteSignature {
  name: string;
  keyId: number;
}

export interface OpenedNote {
  text: string;
  /** Signatures by trusted keys, all verified; signatures by unknown keys are ignored, as the spec says. */
  signatures: NoteSignature[];
}

/** Key names: non-empty, no Unicode white space, no '+' (it separates the parts of a verifier key). */
function isValidName(name: string): boolean {
  return name.length > 0 && !/[\p{White_Space}+]/u.test(name) && !hasBadCharacters(name);
}

/** Lone UTF-16 surrogates (not UTF-8 encodable) and ASCII controls other than newline. */
function hasBadCharacters(text: string): boolean {
  return /\p{Cs}|[\u0000-\u0009\u000b-\u001f]/u.test(text);
}

/** Throws unless `text` may be a note text: bounded, valid Unicode, no controls but newline, ends in one. */
export function checkNoteText(text: string): void {
  if (text.length > MAX_NOTE_BYTES || utf8(text).length > MAX_NOTE_BYTES) {
    throw new C2CError('too-large', `a signed note is limited to ${MAX_NOTE_BYTES} bytes`);
  }
  if (hasBadCharacters(text)) throw new C2CError('malformed', 'a signed note may not contain control characters other than newline');
  if (!text.endsWith('\n')) throw new C2CError('malformed', 'a signed note and its text must end with a newline');
}

/** The 4-byte key id of an Ed25519 key under a name, as a uint32. */
export function noteKeyId(name: string, publicKey: Uint8Array): number {
  const digest = sha256(concat(utf8(name), new Uint8Array([0x0a, ED25519_TYPE]), publicKey));
  return new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0);
}

function keyIdBytes(keyId: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, keyId);
  return out;
}

/** What signing and formatting need of a key: a usable name and a 32-byte public key. */
function checkKey(name: string, publicKey: Uint8Array): void {
  if (!isValidName(name)) throw new C2CError('malformed', 'a key name must be non-empty, without spaces or "+"');
  if (publicKey.length !== ED25519_PUBLIC_LENGTH) throw new C2CError('malformed', 'an Ed25519 public key is 32 bytes');
}

export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  checkKey(name, publicKey);
  const id = toHex(keyIdBytes(noteKeyId(name, publicKey)));
  return `${name}+${id}+${toBase64(concat(new Uint8Array([ED25519_TYPE]), publicKey))}`;
}

/** Parses `<name>+<hex key id>+<base64(0x01 || key)>`, checking the id against the name and key. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  if (typeof vkey !== 'string' || vkey.length > 1024) throw new C2CError('malformed', 'this is not a verifier key');
  // The name holds no '+', the id is hex; the base64 key may contain '+', so it is the whole rest.
  const m = /^([^+]*)\+([^+]*)\+(.*)$/su.exec(vkey);
  if (!m || !isValidName(m[1]!)) throw new C2CError('malformed', 'a verifier key is <name>+<key id>+<key>, the name without spaces or "+"');
  const [, name, idHex, keyText] = m as unknown as [string, string, string, string];
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new C2CError('malformed', 'a verifier key id is 8 lowercase hex digits');
  let key: Uint8Array;
  try {
    key = fromBase64(keyText);
  } catch {
    throw new C2CError('malformed', 'the verifier key is not valid base64');
  }
  if (key.length === 0) throw new C2CError('malformed', 'the verifier key is empty');
  if (key[0] !== ED25519_TYPE) throw new C2CError('unsupported', `signature type 0x${toHex(key.subarray(0, 1))} is not supported (only Ed25519)`);
  const publicKey = key.slice(1);
  if (publicKey.length !== ED25519_PUBLIC_LENGTH) throw new C2CError('malformed', 'an Ed25519 verifier key holds 32 bytes');
  const keyId = Number.parseInt(idHex, 16);
  if (keyId !== noteKeyId(name, publicKey)) throw new C2CError('malformed', 'the verifier key id does not match its name and key');
  return { name, keyId, publicKey };
}

/** Signs a note text with each signer, in order. */
export async function signNote(text: string, signers: readonly NoteSigner[]): Promise<string> {
  checkNoteText(text);
  if (signers.length === 0) throw new C2CError('malformed', 'a signed note needs at least one signature');
  const message = utf8(text);
  let lines = '';
  for (const signer of signers) {
    checkKey(signer.name, signer.publicKey);
    const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, signer.privateKey, buf(message)));
    const id = keyIdBytes(noteKeyId(signer.name, signer.publicKey));
    lines += `— ${signer.name} ${toBase64(concat(id, signature))}\n`;
  }
  const note = `${text}\n${lines}`;
  checkNoteText(note);
  return note;
}

interface SignatureLine {
  name: string;
  keyId: number;
  signature: Uint8Array;
}

const SIGNATURE_LINE = /^— (\S+) (\S+)$/u;

function parseSignatureLine(line: string): SignatureLine {
  const m = SIGNATURE_LINE.exec(line);
  if (!m || !isValidName(m[1]!)) throw new C2CError('malformed', 'a signature line is "— <key name> <base64 signature>"');
  let raw: Uint8Array;
  try {
    raw = fromBase64(m[2]!);
  } catch {
    throw new C2CError('malformed', `the signature by ${m[1]} is not valid base64`);
  }
  if (raw.length < 5) throw new C2CError('malformed', `the signature by ${m[1]} is too short`);
  const keyId = new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0);
  return { name: m[1]!, keyId, signature: raw.slice(4) };
}

/** Splits a signed note into its text and signature lines, refusing anything off the format. */
function splitNote(note: string): { text: string; lines: SignatureLine[] } {
  if (typeof note !== 'string') throw new C2CError('malformed', 'a signed note is text');
  checkNoteText(note);
  // The text ends at the last blank line; signature lines never hold one.
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new C2CError('malformed', 'a signed note needs a blank line before its signatures');
  const block = note.slice(split + 2);
  if (block === '') throw new C2CError('malformed', 'the signed note has no signatures');
  const rows = block.slice(0, -1).split('\n');
  if (rows.length > MAX_NOTE_SIGNATURES) throw new C2CError('too-large', `a signed note may carry at most ${MAX_NOTE_SIGNATURES} signatures`);
  return { text: note.slice(0, split + 1), lines: rows.map(parseSignatureLine) };
}

async function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  try {
    const key = await crypto.subtle.importKey('raw', buf(publicKey), { name: 'Ed25519' }, false, ['verify']);
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, buf(signature), buf(message));
  } catch {
    return false;
  }
}

/**
 * Opens a signed note: every signature by a trusted key (same name and key id) must verify and at least
 * one must be there. Throws C2CError: 'malformed' / 'too-large' for anything off the format,
 * 'bad-signature' when a trusted key's signature fails, 'key-mismatch' when no trusted key signed.
 */
export async function openNote(note: string, verifiers: readonly NoteVerifier[]): Promise<OpenedNote> {
  const { text, lines } = splitNote(note);
  const message = utf8(text);
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    const trusted = verifiers.filter((v) => v.name === line.name && v.keyId === line.keyId);
    if (trusted.length === 0) continue;
    if (signatures.some((s) => s.name === line.name && s.keyId === line.keyId)) continue; // a repeated line
    // Two trusted keys with one name and id cannot be told apart: both must verify.
    for (const verifier of trusted) {
      if (!(await verifyEd25519(verifier.publicKey, message, line.signature))) {
        throw new C2CError('bad-signature', `the signature by ${line.name} does not verify`);
      }
    }
    signatures.push({ name: line.name, keyId: line.keyId });
  }
  if (signatures.length === 0) throw new C2CError('key-mismatch', 'the note is not signed by any key we trust');
  return { text, signatures };
}
