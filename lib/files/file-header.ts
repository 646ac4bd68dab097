// The header of an encrypted file: a one-shot v2 message (message-v2.ts: HPKE to each recipient, the
// sender's own copy, sender-signed) whose first byte is the file format id and whose text is the file's
// metadata: the body's key and nonce prefix, the file name and media type. Layout: docs/FORMATS.md "Encrypted file v1".
import { concat, fromUtf8, randomBytes, utf8 } from '../bytes';
import { C2CError } from '../errors';
import { FORMAT_ID } from '../crypto/format-ids';
import type { IdentityKeyPair } from '../crypto/identity';
import { MAX_MESSAGE_BYTES_V2, type OpeningKeys, openMessageV2, sealMessageV2 } from '../crypto/message-v2';
import type { PublicBundle } from '../crypto/public-bundle';
import type { ByteReader } from './byte-reader';

const META_VERSION = 0x01;
export const PAYLOAD_KEY_LENGTH = 32;
export const NONCE_PREFIX_LENGTH = 7;
export const MAX_NAME_BYTES = 255;
export const MAX_TYPE_BYTES = 127;
/** format id (1) ‖ header length (2), before the header message. */
const PREFIX_LENGTH = 3;
const MAX_HEADER_LENGTH = 0xffff;

/** What the sender says about the file; both travel inside the encryption. */
export interface FileMeta {
  /** A bare file name (no folders), possibly empty. */
  name: string;
  /** A media type such as `image/png`, or empty when unknown. */
  type: string;
}

export interface FileKeys {
  payloadKey: CryptoKey;
  noncePrefix: Uint8Array;
}

export interface OpenedHeader extends FileKeys {
  meta: FileMeta;
  sender: Uint8Array; // Ed25519 identity key; the header always names it in full
  ownCopy: boolean;
  timestamp: number; // ms, as claimed by the sender (signed)
  /** The bytes before the body, which the end-of-file signature covers. */
  bytes: Uint8Array;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const MEDIA_TYPE = /^([a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*)?$/;

/** Refuses names that could act as a path or drive a terminal: the reader may save under this name. */
export function checkMeta(meta: FileMeta): void {
  const name = utf8(meta.name);
  if (name.length > MAX_NAME_BYTES) throw new C2CError('too-large', `a file name is at most ${MAX_NAME_BYTES} bytes of UTF-8`);
  if (/[/\\]/.test(meta.name) || CONTROL.test(meta.name) || meta.name === '.' || meta.name === '..') {
    throw new C2CError('malformed', 'a file name has no folders and no control characters');
  }
  if (meta.type.length > MAX_TYPE_BYTES || !MEDIA_TYPE.test(meta.type)) throw new C2CError('malformed', 'the media type is not of the form type/subtype (lower case)');
}

function encodeMeta(keyBytes: Uint8Array, noncePrefix: Uint8Array, meta: FileMeta): Uint8Array {
  checkMeta(meta);
  const name = utf8(meta.name);
  const type = utf8(meta.type);
  return concat(new Uint8Array([META_VERSION]), keyBytes, noncePrefix, new Uint8Array([name.length]), name, new Uint8Array([type.length]), type);
}

function decodeMeta(text: Uint8Array): { keyBytes: Uint8Array; noncePrefix: Uint8Array; meta: FileMeta } {
  const bad = () => new C2CError('malformed', 'the file header content has the wrong shape');
  if (text[0] !== META_VERSION) throw new C2CError('unknown-version', 'the file header uses a version this program does not know');
  let at = 1;
  const keyBytes = text.slice(at, (at += PAYLOAD_KEY_LENGTH));
  const noncePrefix = text.slice(at, (at += NONCE_PREFIX_LENGTH));
  const nameLength = text[at++];
  if (nameLength === undefined || at + nameLength > text.length) throw bad();
  const nameBytes = text.subarray(at, (at += nameLength));
  const typeLength = text[at++];
  if (typeLength === undefined || at + typeLength !== text.length) throw bad();
  const typeBytes = text.subarray(at, at + typeLength);
  let meta: FileMeta;
  try {
    meta = { name: fromUtf8(nameBytes), type: fromUtf8(typeBytes) };
  } catch {
    throw bad();
  }
  checkMeta(meta);
  return { keyBytes, noncePrefix, meta };
}

const importPayloadKey = (raw: Uint8Array) => crypto.subtle.importKey('raw', raw.slice(), 'AES-GCM', false, ['encrypt', 'decrypt']);

/** A fresh body key and the header that carries it to every recipient and to the sender. */
export async function sealFileHeader(args: {
  identity: IdentityKeyPair;
  recipients: PublicBundle[];
  meta: FileMeta;
  timestamp?: number;
}): Promise<FileKeys & { bytes: Uint8Array }> {
  const keyBytes = randomBytes(PAYLOAD_KEY_LENGTH);
  const noncePrefix = randomBytes(NONCE_PREFIX_LENGTH);
  const message = await sealMessageV2({
    identity: args.identity,
    recipients: args.recipients,
    plaintext: encodeMeta(keyBytes, noncePrefix, args.meta),
    // Files have room for the full key, so every reader can check the signatures without knowing the sender.
    senderKey: 'full',
    format: FORMAT_ID.fileV1,
    ...(args.timestamp === undefined ? {} : { timestamp: args.timestamp }),
  });
  const payloadKey = await importPayloadKey(keyBytes);
  keyBytes.fill(0);
  const length = new Uint8Array(2);
  new DataView(length.buffer).setUint16(0, message.length);
  return { bytes: concat(new Uint8Array([FORMAT_ID.fileV1]), length, message), payloadKey, noncePrefix };
}

/** Reads and opens the header at the start of `reader`; the reader is left at the first body byte. */
export async function openFileHeader(reader: ByteReader, me: OpeningKeys, opts: { now?: number } = {}): Promise<OpenedHeader> {
  const prefix = await reader.read(PREFIX_LENGTH);
  if (prefix.length === 0) throw new C2CError('truncated', 'the file is empty');
  if (prefix[0] !== FORMAT_ID.fileV1) throw new C2CError('unknown-version', 'not an encrypted file of a version this program knows');
  if (prefix.length < PREFIX_LENGTH) throw new C2CError('truncated', 'the file ends inside its header');
  const length = new DataView(prefix.buffer, prefix.byteOffset, PREFIX_LENGTH).getUint16(1);
  if (length > Math.min(MAX_MESSAGE_BYTES_V2, MAX_HEADER_LENGTH)) throw new C2CError('malformed', 'the file header declares an impossible length');
  const message = await reader.read(length);
  if (message.length < length) throw new C2CError('truncated', 'the file ends inside its header');
  // Copies: the reader's buffers are views that later reads move past.
  const header = concat(prefix, message);
  const opened = await openMessageV2(header.subarray(PREFIX_LENGTH), me, { format: FORMAT_ID.fileV1, ...(opts.now === undefined ? {} : { now: opts.now }) });
  if (!opened.sender.identityKey) throw new C2CError('malformed', 'the file header does not name its sender in full');
  if (opened.channel || opened.extensions.length > 0) throw new C2CError('malformed', 'a file header carries no extensions');
  const { keyBytes, noncePrefix, meta } = decodeMeta(opened.plaintext);
  const payloadKey = await importPayloadKey(keyBytes);
  keyBytes.fill(0);
  opened.plaintext.fill(0);
  return { payloadKey, noncePrefix, meta, sender: opened.sender.identityKey, ownCopy: opened.ownCopy, timestamp: opened.timestamp, bytes: header };
}
