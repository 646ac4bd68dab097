// The modern one-shot message (format id 0x01): one random content key encrypts the padded body,
// and is wrapped once per recipient with HPKE auth mode (RFC 9180: DHKEM(X25519, HKDF-SHA256),
// HKDF-SHA256, AES-256-GCM) from the sender's prekey to each recipient's signed prekey.
// Byte layout and the reasons for each binding: docs/FORMATS.md, "One-shot message".
import { expand, extract } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as sha256Sync } from '@noble/hashes/sha2.js';
import { buf, concat, equalBytes, randomBytes, toHex, u64be, utf8 } from '../bytes';
import { C2CError } from '../errors';
import { ED25519_PUBLIC_LENGTH, fingerprint, type IdentityKeyPair } from './identity';
import { FORMAT_ID } from './format-ids';
import { isBucketSize, MAX_PADDED_SIZE, pad, unpad } from './padding';
import { generateEphemeral, hpkeInfo, openOnce, sealOnce, setupRecipient, setupSender } from './hpke';
import { type PrekeyPair, prekeyIdBytes } from './prekey';
import { started } from './started';
import { assertBundleSigned, BUNDLE_KEYS_LENGTH, decodeBundleKeys, encodeBundleKeys, type PublicBundle } from './public-bundle';
import type { ReplayCache } from './replay-cache';

/** Suite id 0x01 = HPKE auth mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM; body AES-256-GCM. */
export const MODERN_SUITE_ID = 0x01;
export const MAX_RECIPIENTS = 64; // including the sender's own copy
export const MESSAGE_ID_LENGTH = 16;
/** How far in the future a timestamp may be (clock skew) before the message is refused. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

const HPKE_INFO = hpkeInfo(utf8('c2c/v1/message'));
const CONTENT_KEY_LENGTH = 32;
const HINT_LENGTH = 8;
const ENC_LENGTH = 32;
const WRAPPED_KEY_LENGTH = CONTENT_KEY_LENGTH + 16;
const TAG_LENGTH = 16;
const MAC_LENGTH = 16;
const BODY_NONCE = new Uint8Array(12); // the body key is fresh per message and used once
// Offsets in the fixed header.
const MESSAGE_ID_AT = 2;
const TIMESTAMP_AT = MESSAGE_ID_AT + MESSAGE_ID_LENGTH;
const SENDER_AT = TIMESTAMP_AT + 8;
const BODY_LENGTH_AT = SENDER_AT + BUNDLE_KEYS_LENGTH;
const WRAP_COUNT_AT = BODY_LENGTH_AT + 4;
const FIXED_HEADER_LENGTH = WRAP_COUNT_AT + 1;
const WRAP_HEAD_LENGTH = HINT_LENGTH + ENC_LENGTH;
/** The largest sealed message openMessage accepts. */
export const MAX_MESSAGE_BYTES =
  FIXED_HEADER_LENGTH + MAX_RECIPIENTS * (WRAP_HEAD_LENGTH + WRAPPED_KEY_LENGTH) + MAX_PADDED_SIZE + TAG_LENGTH + MAC_LENGTH;

export interface OpenedMessage {
  plaintext: Uint8Array;
  sender: PublicBundle; // without handle: the message does not carry one
  senderFingerprint: string;
  messageId: string; // hex
  timestamp: number; // ms since the Unix epoch, as claimed by the sender (authenticated)
  recipients: Uint8Array[]; // identity keys, authenticated, sender included
  replay: 'fresh' | 'same';
}

/**
 * Bodies up to this size are hashed and MACed on @noble/hashes, where a WebCrypto round trip costs more
 * than the hashing; larger ones on WebCrypto, which hashes them several times faster. Same results.
 */
const SYNC_HASH_LIMIT = 4096;

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  if (data.length <= SYNC_HASH_LIMIT) return sha256Sync(data);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf(data)));
}

/** Hex SHA-256 of a sealed message: the `digest` a ReplayCache compares. */
export async function messageDigest(bytes: Uint8Array): Promise<string> {
  return toHex(await sha256(bytes));
}

const BODY_INFO = utf8('c2c/v1/message/body');
const MAC_INFO = utf8('c2c/v1/message/mac');

/**
 * Separate body and MAC keys from the content key (HKDF-SHA256, empty salt), on @noble/hashes (32-byte
 * inputs: cheaper than WebCrypto round trips). The caller wipes `mac` once it has used it.
 */
async function deriveKeys(contentKey: Uint8Array): Promise<{ body: CryptoKey; mac: Uint8Array }> {
  const prk = extract(sha256Sync, contentKey, new Uint8Array(0));
  const raw = expand(sha256Sync, prk, BODY_INFO, 32);
  const mac = expand(sha256Sync, prk, MAC_INFO, 32);
  prk.fill(0);
  const body = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
  raw.fill(0);
  return { body, mac };
}

/** HMAC-SHA256 truncated to 16 bytes; wipes the key. */
async function macOf(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  try {
    if (data.length <= SYNC_HASH_LIMIT) return hmac(sha256Sync, key, data).slice(0, MAC_LENGTH);
    const imported = await crypto.subtle.importKey('raw', buf(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await crypto.subtle.sign('HMAC', imported, buf(data))).slice(0, MAC_LENGTH);
  } finally {
    key.fill(0);
  }
}

function senderBundle(prekey: PrekeyPair, identity: IdentityKeyPair): PublicBundle {
  return { identityKey: identity.publicKey, prekey: { publicKey: prekey.publicKey, created: prekey.created, signature: prekey.signature } };
}

/** The recipients in order, deduplicated by identity, with the sender's own copy last. */
function recipientList(recipients: PublicBundle[], self: PublicBundle): PublicBundle[] {
  const seen = new Set([toHex(self.identityKey)]);
  const list: PublicBundle[] = [];
  for (const r of recipients) {
    const id = toHex(r.identityKey);
    if (!seen.has(id)) {
      seen.add(id);
      list.push(r);
    }
  }
  list.push(self);
  if (list.length > MAX_RECIPIENTS) throw new C2CError('too-large', `a message can have at most ${MAX_RECIPIENTS - 1} recipients besides you`);
  return list;
}

/** Formats that use this layout: the first byte is authenticated, so one cannot be passed off as the other. */
export type SealedFormat = typeof FORMAT_ID.modernMessageV1 | typeof FORMAT_ID.chatInviteV1;

export async function sealMessage(args: {
  sender: { identity: IdentityKeyPair; prekey: PrekeyPair };
  recipients: PublicBundle[];
  plaintext: Uint8Array;
  messageId?: Uint8Array;
  timestamp?: number;
  /** Default: the one-shot text message. */
  format?: SealedFormat;
}): Promise<Uint8Array> {
  const { identity, prekey } = args.sender;
  const self = senderBundle(prekey, identity);
  const messageId = args.messageId ?? randomBytes(MESSAGE_ID_LENGTH);
  if (messageId.length !== MESSAGE_ID_LENGTH) throw new C2CError('malformed', 'a message id is 16 bytes');
  const timestamp = args.timestamp ?? Date.now();
  const recipients = recipientList(args.recipients, self);
  await Promise.all(recipients.map(assertBundleSigned));
  // The wraps' key agreements run while the body is sealed; their failure is reported after the body's.
  const sender = { privateKey: prekey.privateKey, publicKey: prekey.publicKey };
  const ephemerals = await Promise.all(recipients.map(() => generateEphemeral()));
  const schedules = started(
    Promise.all(
      recipients.map(async (r, i) => {
        try {
          return await setupSender({ ephemeral: ephemerals[i]!, recipient: r.prekey.publicKey, sender, info: HPKE_INFO });
        } catch {
          throw new C2CError('malformed', 'a recipient prekey cannot be used for encryption');
        }
      }),
    ),
  );

  const inner = concat(new Uint8Array([recipients.length]), ...recipients.map((r) => r.identityKey), args.plaintext);
  const padded = pad(inner);
  const heads = await Promise.all(recipients.map(async (r, i) => concat(await prekeyIdBytes(r.prekey.publicKey), ephemerals[i]!.enc)));
  const bodyLength = new Uint8Array(4);
  new DataView(bodyLength.buffer).setUint32(0, padded.length);
  const header = concat(
    new Uint8Array([args.format ?? FORMAT_ID.modernMessageV1, MODERN_SUITE_ID]),
    messageId,
    u64be(timestamp),
    encodeBundleKeys(self),
    bodyLength,
    new Uint8Array([recipients.length]),
    ...heads,
  );

  const contentKey = randomBytes(CONTENT_KEY_LENGTH);
  const keys = await deriveKeys(contentKey);
  const body = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: BODY_NONCE, additionalData: buf(header) }, keys.body, buf(padded)),
  );
  // Binding the body's hash into every wrap stops a recipient (who learns the content key) from
  // passing off a different body to the other recipients.
  const wrapAad = concat(header, await sha256(body));
  const wrapped = await Promise.all((await schedules).map((schedule) => sealOnce(schedule, wrapAad, contentKey)));
  const unmacked = concat(header, ...wrapped, body);
  return concat(unmacked, await macOf(keys.mac, unmacked));
}

/** Parses the clear framing, or throws 'unknown-version' / 'too-large' / 'truncated' / 'malformed'. */
function parseFrame(bytes: Uint8Array, format: SealedFormat) {
  if (bytes.length === 0) throw new C2CError('truncated', 'the message is empty');
  if (bytes[0] !== format) throw new C2CError('unknown-version', format === FORMAT_ID.modernMessageV1 ? 'not a modern v1 message' : 'not a chat invitation');
  if (bytes.length < 2) throw new C2CError('truncated', 'the message ends early');
  if (bytes[1] !== MODERN_SUITE_ID) throw new C2CError('unknown-version', 'the message uses an unsupported cipher suite');
  if (bytes.length > MAX_MESSAGE_BYTES) throw new C2CError('too-large', 'the message is larger than any valid message');
  if (bytes.length < FIXED_HEADER_LENGTH) throw new C2CError('truncated', 'the message ends inside its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const paddedLength = view.getUint32(BODY_LENGTH_AT);
  const count = bytes[WRAP_COUNT_AT]!;
  if (!isBucketSize(paddedLength)) throw new C2CError('malformed', 'the message declares an invalid body size');
  if (count === 0 || count > MAX_RECIPIENTS) throw new C2CError('malformed', 'the message declares an invalid number of recipients');
  const headerLength = FIXED_HEADER_LENGTH + count * WRAP_HEAD_LENGTH;
  const bodyAt = headerLength + count * WRAPPED_KEY_LENGTH;
  const macAt = bodyAt + paddedLength + TAG_LENGTH;
  if (bytes.length < macAt + MAC_LENGTH) throw new C2CError('truncated', 'the message ends early');
  if (bytes.length > macAt + MAC_LENGTH) throw new C2CError('malformed', 'the message has extra bytes at the end');
  const wraps = Array.from({ length: count }, (_, i) => {
    const head = FIXED_HEADER_LENGTH + i * WRAP_HEAD_LENGTH;
    const key = headerLength + i * WRAPPED_KEY_LENGTH;
    return {
      hint: toHex(bytes.subarray(head, head + HINT_LENGTH)),
      enc: bytes.slice(head + HINT_LENGTH, head + WRAP_HEAD_LENGTH),
      wrappedKey: bytes.slice(key, key + WRAPPED_KEY_LENGTH),
    };
  });
  return {
    messageId: bytes.slice(MESSAGE_ID_AT, MESSAGE_ID_AT + MESSAGE_ID_LENGTH),
    timestamp: Number(view.getBigUint64(TIMESTAMP_AT)),
    sender: decodeBundleKeys(bytes, SENDER_AT),
    header: bytes.subarray(0, headerLength),
    wraps,
    body: bytes.subarray(bodyAt, macAt),
    unmacked: bytes.subarray(0, macAt),
    mac: bytes.subarray(macAt),
  };
}

/** Unwraps the content key with whichever of my prekeys the message names. */
async function unwrapContentKey(
  frame: ReturnType<typeof parseFrame>,
  prekeys: PrekeyPair[],
  wrapAad: Uint8Array,
): Promise<Uint8Array> {
  let addressed = false;
  for (const wrap of frame.wraps) {
    for (const prekey of prekeys.filter((p) => p.id === wrap.hint)) {
      addressed = true;
      try {
        const recipient = { privateKey: prekey.privateKey, publicKey: prekey.publicKey };
        const schedule = await setupRecipient({ recipient, enc: wrap.enc, senderPublic: frame.sender.prekey.publicKey, info: HPKE_INFO });
        const key = await openOnce(schedule, wrapAad, wrap.wrappedKey);
        if (key.length === CONTENT_KEY_LENGTH) return key;
      } catch {
        // Try the next candidate; the outcome is reported below without saying which step failed.
      }
    }
  }
  if (!addressed) throw new C2CError('not-addressed', 'this message is not encrypted to any of your keys');
  throw new C2CError('tampered', 'the message was altered: its key for you does not authenticate');
}

export async function openMessage(
  bytes: Uint8Array,
  me: { identityKey: Uint8Array; prekeys: PrekeyPair[] },
  opts: { replayCache?: ReplayCache; context?: string; now?: number; format?: SealedFormat } = {},
): Promise<OpenedMessage> {
  const frame = parseFrame(bytes, opts.format ?? FORMAT_ID.modernMessageV1);
  // The unwrap runs while the sender's signature is checked, the body's decryption while the MAC is: each
  // verdict is still reported first.
  const unwrapped = started((async () => unwrapContentKey(frame, me.prekeys, concat(frame.header, await sha256(frame.body))))());
  await assertBundleSigned(frame.sender);
  const keys = await deriveKeys(await unwrapped);
  const decrypted = started(crypto.subtle.decrypt({ name: 'AES-GCM', iv: BODY_NONCE, additionalData: buf(frame.header) }, keys.body, buf(frame.body)));
  if (!equalBytes(await macOf(keys.mac, frame.unmacked), frame.mac)) {
    throw new C2CError('tampered', 'the message was altered after it was sealed');
  }
  let padded: Uint8Array;
  try {
    padded = new Uint8Array(await decrypted);
  } catch {
    throw new C2CError('tampered', 'the message body does not authenticate');
  }
  const inner = unpad(padded);
  const count = inner[0] ?? 0;
  const listEnd = 1 + count * ED25519_PUBLIC_LENGTH;
  if (count !== frame.wraps.length || inner.length < listEnd) throw new C2CError('malformed', 'the recipient list inside the message is inconsistent');
  const recipients = Array.from({ length: count }, (_, i) => inner.slice(1 + i * ED25519_PUBLIC_LENGTH, 1 + (i + 1) * ED25519_PUBLIC_LENGTH));
  if (!recipients.some((r) => equalBytes(r, me.identityKey))) {
    throw new C2CError('not-addressed', 'this message was not addressed to your identity');
  }
  const now = opts.now ?? Date.now();
  if (frame.timestamp > now + MAX_FUTURE_SKEW_MS) throw new C2CError('malformed', 'the message is dated in the future');
  const messageId = toHex(frame.messageId);
  let replay: OpenedMessage['replay'] = 'fresh';
  if (opts.replayCache) {
    const verdict = await opts.replayCache.check({ sender: toHex(frame.sender.identityKey), messageId, digest: await messageDigest(bytes), context: opts.context ?? '' });
    if (verdict === 'replayed') throw new C2CError('replayed', 'this message was already seen with different contents or in another conversation');
    replay = verdict;
  }
  return {
    plaintext: inner.slice(listEnd),
    sender: frame.sender,
    senderFingerprint: await fingerprint(frame.sender.identityKey),
    messageId,
    timestamp: frame.timestamp,
    recipients,
    replay,
  };
}
