// Key-log entries: one per key event, each signed by its author, as the relay appends them to its Merkle
// log (docs/FORMATS.md "Key-log entry"). An entry is ASCII text, one field per line, each line ending in
// a newline; the Merkle leaf is its bytes. The parser accepts only the canonical text (it re-encodes
// and compares), so one event has exactly one leaf.
//
//   c2c-key-event/v1
//   <type>            register | rotate | key-change | revoke | adopt
//   <handle>
//   <time>            relay's clock, ms since 1970 (a hint for people; nothing is decided by it)
//   <fields of the type, below>
//
// register   key, bundle, sig        sig: the client's relay-register signature (relayRegister context)
// rotate     key, bundle             the bundle's prekey signature by `key` is the author's signature
// key-change old, new, bundle, sig   sig: the OLD key's key-change statement; bundle is the new key's
// revoke     key, sig                sig: the relay's log key (keyLogEntry context), the admin's act
// adopt      key, bundle, sig        sig: the relay's log key; a handle registered before the log existed
import { equalBytes, fromBase64Url, toBase64Url, utf8 } from '../bytes';
import { ED25519_PUBLIC_LENGTH, ED25519_SIGNATURE_LENGTH, SIGNATURE_CONTEXT, verifyWithContext } from '../crypto/identity';
import { decodePublicBundle, type PublicBundle } from '../crypto/public-bundle';
import { HANDLE_RE, LOG_ENTRY_MAX, keyChangeMessage, registerMessage } from '../protocol/relay';

export const ENTRY_MAGIC = 'c2c-key-event/v1';

export type EntryType = 'register' | 'rotate' | 'key-change' | 'revoke' | 'adopt';

interface Common {
  handle: string;
  time: number;
}
export type KeyEvent =
  | (Common & { type: 'register'; key: Uint8Array; bundle: string; sig: Uint8Array })
  | (Common & { type: 'rotate'; key: Uint8Array; bundle: string })
  | (Common & { type: 'key-change'; oldKey: Uint8Array; newKey: Uint8Array; bundle: string; sig: Uint8Array })
  | (Common & { type: 'revoke'; key: Uint8Array; sig: Uint8Array })
  | (Common & { type: 'adopt'; key: Uint8Array; bundle: string; sig: Uint8Array });

/** Why an entry was refused; the caller words it. */
export class EntryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EntryError';
  }
}

/** The identity key an entry leaves the handle with (key-change: the new one). */
export function entryKey(e: KeyEvent): Uint8Array {
  return e.type === 'key-change' ? e.newKey : e.key;
}

/** The lines of an entry before any relay signature: what the log key signs for revoke and adopt. */
function unsignedLines(e: KeyEvent): string[] {
  const head = [ENTRY_MAGIC, e.type, e.handle, String(e.time)];
  switch (e.type) {
    case 'register':
    case 'rotate':
    case 'adopt':
      return [...head, toBase64Url(e.key), e.bundle];
    case 'key-change':
      return [...head, toBase64Url(e.oldKey), toBase64Url(e.newKey), e.bundle];
    case 'revoke':
      return [...head, toBase64Url(e.key)];
  }
}

const text = (lines: string[]) => lines.map((l) => `${l}\n`).join('');

/** What the relay's log key signs, under SIGNATURE_CONTEXT.keyLogEntry, for revoke and adopt. */
export function relaySignedMessage(e: KeyEvent): Uint8Array {
  return utf8(text(unsignedLines(e)));
}

export function encodeEntry(e: KeyEvent): string {
  const lines = unsignedLines(e);
  if (e.type !== 'rotate') lines.push(toBase64Url(e.sig));
  const out = text(lines);
  if (out.length > LOG_ENTRY_MAX) throw new EntryError('a key-log entry is limited to 2048 bytes');
  return out;
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const FIELDS: Record<EntryType, number> = { register: 3, rotate: 2, 'key-change': 4, revoke: 2, adopt: 3 };

function bytesField(value: string, length: number, name: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(value);
  } catch {
    throw new EntryError(`the entry's ${name} is not base64url`);
  }
  if (bytes.length !== length) throw new EntryError(`the entry's ${name} is not ${length} bytes`);
  return bytes;
}

/** Parses an entry's text (shape only; verifyEntry checks signatures). Throws EntryError. */
export function parseEntry(entry: string): KeyEvent {
  if (typeof entry !== 'string' || entry.length > LOG_ENTRY_MAX || !/^[\x20-\x7e\n]*$/.test(entry) || !entry.endsWith('\n')) {
    throw new EntryError('a key-log entry is printable ASCII lines of at most 2048 bytes');
  }
  const [magic, type, handle, time, ...fields] = entry.slice(0, -1).split('\n');
  if (magic !== ENTRY_MAGIC) throw new EntryError('not a key-log entry of version 1');
  if (!type || !Object.hasOwn(FIELDS, type)) throw new EntryError('unknown key-log entry type');
  if (!handle || !HANDLE_RE.test(handle)) throw new EntryError("the entry's handle breaks the handle rules");
  if (!time || !DECIMAL.test(time) || !Number.isSafeInteger(Number(time))) throw new EntryError("the entry's time is not a decimal number");
  if (fields.length !== FIELDS[type as EntryType]) throw new EntryError(`a ${type} entry has ${FIELDS[type as EntryType]} fields`);
  const common = { handle, time: Number(time) };
  const key = (i: number, name = 'key') => bytesField(fields[i]!, ED25519_PUBLIC_LENGTH, name);
  const sig = (i: number) => bytesField(fields[i]!, ED25519_SIGNATURE_LENGTH, 'signature');
  let parsed: KeyEvent;
  switch (type as EntryType) {
    case 'register':
      parsed = { ...common, type: 'register', key: key(0), bundle: fields[1]!, sig: sig(2) };
      break;
    case 'rotate':
      parsed = { ...common, type: 'rotate', key: key(0), bundle: fields[1]! };
      break;
    case 'key-change':
      parsed = { ...common, type: 'key-change', oldKey: key(0, 'old key'), newKey: key(1, 'new key'), bundle: fields[2]!, sig: sig(3) };
      break;
    case 'revoke':
      parsed = { ...common, type: 'revoke', key: key(0), sig: sig(1) };
      break;
    case 'adopt':
      parsed = { ...common, type: 'adopt', key: key(0), bundle: fields[1]!, sig: sig(2) };
      break;
  }
  if (encodeEntry(parsed) !== entry) throw new EntryError('the key-log entry is not in its canonical form');
  return parsed;
}

async function bundleOf(e: KeyEvent & { bundle: string }, key: Uint8Array): Promise<PublicBundle> {
  let bundle: PublicBundle;
  try {
    bundle = await decodePublicBundle(e.bundle);
  } catch {
    throw new EntryError(`the ${e.type} entry's public key does not decode or its prekey signature fails`);
  }
  if (e.bundle !== e.bundle.trim()) throw new EntryError(`the ${e.type} entry's public key line has spaces around it`);
  if (!equalBytes(bundle.identityKey, key)) {
    throw new EntryError(`the ${e.type} entry's public key is for another identity`);
  }
  if (bundle.handle !== undefined && bundle.handle.toLowerCase() !== e.handle) throw new EntryError(`the ${e.type} entry's public key names another handle`);
  return bundle;
}

/**
 * Parses an entry and checks its author's signature: the client's for register, rotate and key-change,
 * the relay's log key (`logKey`, raw Ed25519) for revoke and adopt. Throws EntryError.
 */
export async function verifyEntry(entry: string, logKey: Uint8Array): Promise<{ event: KeyEvent; bundle?: PublicBundle }> {
  const e = parseEntry(entry);
  const check = async (ok: Promise<boolean>, who: string) => {
    if (!(await ok)) throw new EntryError(`the ${e.type} entry for ${e.handle} is not signed by ${who}`);
  };
  switch (e.type) {
    case 'register':
      await check(verifyWithContext(e.key, SIGNATURE_CONTEXT.relayRegister, registerMessage(e.handle, e.bundle), e.sig), 'its key');
      return { event: e, bundle: await bundleOf(e, e.key) };
    case 'rotate':
      return { event: e, bundle: await bundleOf(e, e.key) };
    case 'key-change':
      await check(verifyWithContext(e.oldKey, SIGNATURE_CONTEXT.keyChange, keyChangeMessage(e.handle, e.oldKey, e.newKey), e.sig), 'the old key');
      return { event: e, bundle: await bundleOf(e, e.newKey) };
    case 'revoke':
    case 'adopt':
      await check(verifyWithContext(logKey, SIGNATURE_CONTEXT.keyLogEntry, relaySignedMessage(e), e.sig), "the relay's log key");
      return e.type === 'adopt' ? { event: e, bundle: await bundleOf(e, e.key) } : { event: e };
  }
}

