// The compact one-shot message (format id 0x04). One ephemeral X25519 key serves every recipient's HPKE
// base-mode wrap of the content key K; the sender's own copy needs no wrap (K is derived from the identity
// key, see self-copy.ts); the sender is named by an 8-byte key id or the full identity key and proven by an
// Ed25519 signature over the whole message. Byte layout and reasons: docs/FORMATS.md, "One-shot message v2".
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { buf, concat, equalBytes, toHex, utf8 } from '../bytes';
import { C2CError } from '../errors';
import { pqContentKey, pqTag, pqWrapMask } from './contact-pq';
import { assertChannel, type Channel, CHANNEL_EXTENSION, decodeChannel, encodeChannel, type SealedChannel } from './channel';
import { deflateRaw, inflateRaw } from './deflate';
import { TEXT_DICTIONARY_1 } from './text-dictionary';
import { ED25519_PUBLIC_LENGTH, ED25519_SIGNATURE_LENGTH, type IdentityKeyPair, KEY_ID_LENGTH, keyIdBytes, SIGNATURE_CONTEXT, signWithContext, verifyWithContext } from './identity';
import { FORMAT_ID } from './format-ids';
import { exportSecret, generateEphemeral, hpkeInfo, setupRecipient, setupSender } from './hpke';
import { messageDigest } from './message';
import { isPaddedLength, MIN_PADDED_LENGTH, paddedLength } from './padme';
import type { PrekeyPair } from './prekey';
import { assertBundleSigned, type PublicBundle } from './public-bundle';
import type { ReplayCache } from './replay-cache';
import { selfCopyKey } from './self-copy';
import { started } from './started';
import { X25519_PUBLIC_LENGTH } from './x25519';
import { MAX_EXTENSIONS, MAX_EXTENSION_VALUE, decodeExtensions, encodeExtensions, type Extension } from './extensions';

/** Wraps a message can carry; the sender's own copy is not one of them. */
export const MAX_RECIPIENTS_V2 = 64;
/** The largest text, before compression and after decompression. */
export const MAX_TEXT_BYTES = 1024 * 1024;
/** How far in the future a timestamp may be (clock skew) before the message is refused. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;
export const MESSAGE_ID_LENGTH = 16;

const HPKE_INFO = hpkeInfo(utf8('c2c/v2/message'));
const WRAP_EXPORT_CONTEXT = utf8('c2c/v2/wrap');
const BODY_INFO = utf8('c2c/v2/body');
const KEY_LENGTH = 32;
const HINT_LENGTH = 2;
const WRAP_LENGTH = HINT_LENGTH + KEY_LENGTH;
const OUTER_FIXED = 1 + X25519_PUBLIC_LENGTH + 1;
const TAG_LENGTH = 16;
const BODY_NONCE = new Uint8Array(12); // the body key is derived per message and used once
const PAD_MARKER = 0x80;

const FLAG_FULL_KEY = 0x01;
const FLAG_COMPRESSED = 0x02;
const FLAG_EXTENSIONS = 0x04;
/** With FLAG_COMPRESSED: the DEFLATE window starts primed with TEXT_DICTIONARY_1. */
const FLAG_DICTIONARY = 0x08;
/** Every wrap and the content key are post-quantum (contact-pq.ts); signed, so a co-recipient cannot fake it. */
const FLAG_POST_QUANTUM = 0x10;
const RESERVED_FLAGS = 0xe0;
/** Wrap candidates (hint or pq tag matches) tried per message at most: a real message needs one. */
export const MAX_WRAP_TRIALS = 16;
const DICTIONARY = utf8(TEXT_DICTIONARY_1);
const CRITICAL_EXTENSION = 0x80;
const MAX_SECTION_HEAD = 1 + 4 + ED25519_PUBLIC_LENGTH + 1 + MAX_EXTENSIONS * (2 + MAX_EXTENSION_VALUE);
const MAX_TIMESTAMP_S = 2 ** 32 - 1; // u32 seconds: 2106-02-07

/** The largest sealed message openMessageV2 accepts. */
export const MAX_MESSAGE_BYTES_V2 =
  OUTER_FIXED + MAX_RECIPIENTS_V2 * WRAP_LENGTH + paddedLength(MAX_SECTION_HEAD + MAX_TEXT_BYTES + 1) + ED25519_SIGNATURE_LENGTH + TAG_LENGTH;
const MIN_BODY_LENGTH = MIN_PADDED_LENGTH + ED25519_SIGNATURE_LENGTH + TAG_LENGTH;

/** A section extension. Types with bit 0x80 are critical: a reader that does not know one refuses the message. */
export type MessageExtension = Extension;

/**
 * Formats with this layout: the first byte is in the outer (the body's AAD, under the signature), so one
 * cannot be passed off as the other. A file header (lib/files/) is this message with its own first byte.
 */
export type MessageV2Format = typeof FORMAT_ID.modernMessageV2 | typeof FORMAT_ID.fileV1 | typeof FORMAT_ID.p2pOfferV1 | typeof FORMAT_ID.p2pAnswerV1;

/** An opened one-shot text message, whatever its format. */
export interface OpenedText {
  format: typeof FORMAT_ID.modernMessageV1 | MessageV2Format;
  plaintext: Uint8Array;
  /** identityKey is undefined when the message names its sender by key id and the caller does not know it. */
  sender: { keyId: Uint8Array; identityKey: Uint8Array | undefined };
  /** 'checked': the sender's key proved it sealed the message; 'unchecked': nothing says who sent it. */
  signature: 'checked' | 'unchecked';
  /** The opener's own message, read through the sender's copy. */
  ownCopy: boolean;
  messageId: string; // hex
  timestamp: number; // ms since the Unix epoch, as claimed by the sender
  /** Where the sender sealed it for (hashes only); undefined when it names no channel (v1, or `c2c` without --channel). */
  channel: SealedChannel | undefined;
  /** Non-critical extensions, which the caller may ignore. */
  extensions: MessageExtension[];
  replay: 'fresh' | 'same';
  /** Opened through a post-quantum secret, and the sender signed that every wrap is post-quantum. */
  postQuantum: boolean;
}

/** What post-quantum sealing needs: the own pq secret and the contacts' PQS by identity key (hex). */
export interface SealPostQuantum {
  self: Uint8Array;
  contacts: Map<string, Uint8Array>;
}

const xor = (a: Uint8Array, b: Uint8Array) => a.map((x, i) => x ^ b[i]!);

/** The body key: HKDF-SHA256 of the content key, empty salt (on @noble/hashes: 32 bytes in, a round trip saved). */
async function bodyKey(contentKey: Uint8Array): Promise<CryptoKey> {
  const raw = hkdf(sha256, contentKey, new Uint8Array(0), BODY_INFO, KEY_LENGTH);
  const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
  raw.fill(0);
  return key;
}

/** The message id: the first 16 bytes of SHA-256(enc); enc is fresh per message. */
function messageIdOf(enc: Uint8Array): Uint8Array {
  return sha256(enc).slice(0, MESSAGE_ID_LENGTH);
}

/** Recipients deduplicated by identity, without the sender (whose copy needs no wrap). */
function wrapRecipients(recipients: PublicBundle[], sender: Uint8Array): PublicBundle[] {
  const seen = new Set([toHex(sender)]);
  const list = recipients.filter((r) => {
    const id = toHex(r.identityKey);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  if (list.length > MAX_RECIPIENTS_V2) throw new C2CError('too-large', `a message can have at most ${MAX_RECIPIENTS_V2} recipients besides you`);
  return list;
}

/** Whether every recipient has a PQS: then the message is post-quantum as a whole (FLAG_POST_QUANTUM). */
function allPostQuantum(recipients: PublicBundle[], pq: SealPostQuantum | undefined): boolean {
  return !!pq && recipients.every((r) => pq.contacts.has(toHex(r.identityKey)));
}

/**
 * The ephemeral key, the content key and one wrap of it per recipient. Classical wrap: prekey hint ‖
 * K ⊕ HPKE export. Post-quantum wrap (the recipient has a PQS): pq tag ‖ K ⊕ pqWrapMask; the tag takes the
 * hint's place, so the layout (and an old reader's view of its own classical wrap) is unchanged.
 */
async function wrapContentKey(
  identity: IdentityKeyPair,
  recipients: PublicBundle[],
  pq: SealPostQuantum | undefined,
): Promise<{ enc: Uint8Array; contentKey: Uint8Array; wraps: Uint8Array[] }> {
  const ephemeral = await generateEphemeral();
  const { enc } = ephemeral;
  const [ownCopyKey, masks] = await Promise.all([
    selfCopyKey(identity.privateKey, enc),
    Promise.all(
      recipients.map(async (r) => {
        try {
          // The same ephemeral key for every recipient: DHKEM stays secure under this randomness re-use.
          const schedule = await setupSender({ ephemeral, recipient: r.prekey.publicKey, info: HPKE_INFO });
          return exportSecret(schedule, WRAP_EXPORT_CONTEXT, KEY_LENGTH);
        } catch {
          throw new C2CError('malformed', 'a recipient prekey cannot be used for encryption');
        }
      }),
    ),
  ]);
  const secrets = recipients.map((r) => pq?.contacts.get(toHex(r.identityKey)));
  // Without the own pq secret, K would follow from the Ed25519 identity key alone (self-copy.ts).
  const contentKey = pq && (allPostQuantum(recipients, pq) || secrets.some((s) => s)) ? pqContentKey(ownCopyKey, pq.self, enc) : ownCopyKey;
  const wraps = recipients.map((r, i) => {
    const secret = secrets[i];
    const mask = masks[i]!;
    if (!secret) return concat(sha256(r.prekey.publicKey).subarray(0, HINT_LENGTH), xor(contentKey, mask));
    return concat(pqTag(secret, enc, r.prekey.publicKey), xor(contentKey, pqWrapMask(mask, secret, enc)));
  });
  return { enc, contentKey, wraps };
}

/**
 * The text as stored, up to the padding: UTF-8 and the pad marker, or, when that gives a shorter padded
 * section, DEFLATE with the preset dictionary and no marker (the stream ends itself; the zeros after its
 * final block are not read).
 */
function storedText(text: Uint8Array, headLength: number): { bytes: Uint8Array; compressed: boolean } {
  const marked = concat(text, new Uint8Array([PAD_MARKER]));
  const plain = paddedLength(headLength + marked.length);
  if (plain === MIN_PADDED_LENGTH) return { bytes: marked, compressed: false };
  const deflated = deflateRaw(text, DICTIONARY);
  return paddedLength(headLength + deflated.length) < plain ? { bytes: deflated, compressed: true } : { bytes: marked, compressed: false };
}

function timestampSeconds(ms: number): number {
  const s = Math.floor(ms / 1000);
  if (!Number.isSafeInteger(s) || s < 0 || s > MAX_TIMESTAMP_S) throw new C2CError('malformed', 'the timestamp does not fit the message format (1970 to 2106)');
  return s;
}

export async function sealMessageV2(args: {
  identity: IdentityKeyPair;
  recipients: PublicBundle[];
  plaintext: Uint8Array;
  /** 'key-id' (8 bytes; default) or 'full' (the 32-byte identity key, for readers who may not know the sender). */
  senderKey?: 'key-id' | 'full';
  timestamp?: number; // ms; stored as whole seconds
  /** Where the message is sent (extension 0x81); none: readers show it wherever it appears. */
  channel?: Channel;
  extensions?: MessageExtension[];
  /** Default: the one-shot text message. */
  format?: MessageV2Format;
  /** Post-quantum wraps for the recipients with a PQS; without it every wrap is classical. */
  postQuantum?: SealPostQuantum;
}): Promise<Uint8Array> {
  const { identity } = args;
  if (args.extensions?.some((e) => e.type === CHANNEL_EXTENSION)) throw new C2CError('malformed', 'the channel is given as `channel`, not as a raw extension');
  if (args.plaintext.length > MAX_TEXT_BYTES) throw new C2CError('too-large', `a message can hold at most ${MAX_TEXT_BYTES} bytes of text`);
  const recipients = wrapRecipients(args.recipients, identity.publicKey);
  // Independent steps run at once (signature checks, key wraps, compression: each mostly waits on
  // WebCrypto or zlib); their failures are reported in this order: signatures, wraps, section.
  const signed = started(Promise.all(recipients.map(assertBundleSigned)));
  const wrapped = started(wrapContentKey(identity, recipients, args.postQuantum));
  const pqFlag = allPostQuantum(recipients, args.postQuantum) ? FLAG_POST_QUANTUM : 0;
  const head = started(
    (async () => {
      const full = args.senderKey === 'full';
      const channel = args.channel ? [{ type: CHANNEL_EXTENSION, value: await encodeChannel(args.channel) }] : [];
      const extensions = [...channel, ...(args.extensions ?? [])];
      const time = new Uint8Array(4);
      new DataView(time.buffer).setUint32(0, timestampSeconds(args.timestamp ?? Date.now()));
      const senderField = full ? identity.publicKey : await keyIdBytes(identity.publicKey);
      const extensionBlock = extensions.length > 0 ? encodeExtensions(extensions) : new Uint8Array(0);
      const text = storedText(args.plaintext, 1 + time.length + senderField.length + extensionBlock.length);
      const flags = (full ? FLAG_FULL_KEY : 0) | (text.compressed ? FLAG_COMPRESSED | FLAG_DICTIONARY : 0) | (extensions.length > 0 ? FLAG_EXTENSIONS : 0) | pqFlag;
      const unpadded = concat(new Uint8Array([flags]), time, senderField, extensionBlock, text.bytes);
      const section = new Uint8Array(paddedLength(unpadded.length));
      section.set(unpadded);
      return section;
    })(),
  );
  await signed;
  const { enc, contentKey, wraps } = await wrapped;
  const section = await head;
  const outer = concat(new Uint8Array([args.format ?? FORMAT_ID.modernMessageV2]), enc, new Uint8Array([wraps.length]), ...wraps);

  const [signature, key] = await Promise.all([
    signWithContext(identity.privateKey, SIGNATURE_CONTEXT.messageV2, concat(outer, section)),
    bodyKey(contentKey),
  ]);
  const body = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: BODY_NONCE, additionalData: buf(outer) }, key, buf(concat(section, signature)));
  return concat(outer, new Uint8Array(body));
}

interface Frame {
  enc: Uint8Array;
  outer: Uint8Array;
  wraps: { hint: string; wrapped: Uint8Array }[];
  body: Uint8Array;
}

/** Parses the clear framing, or throws 'truncated' / 'unknown-version' / 'too-large' / 'malformed'. */
function parseFrame(bytes: Uint8Array, format: MessageV2Format): Frame {
  if (bytes.length === 0) throw new C2CError('truncated', 'the message is empty');
  if (bytes[0] !== format) throw new C2CError('unknown-version', format === FORMAT_ID.modernMessageV2 ? 'not a v2 message' : format === FORMAT_ID.fileV1 ? 'not a file header' : 'not a peer-to-peer token of this kind');
  if (bytes.length > MAX_MESSAGE_BYTES_V2) throw new C2CError('too-large', 'the message is larger than any valid message');
  if (bytes.length < OUTER_FIXED) throw new C2CError('truncated', 'the message ends inside its header');
  const count = bytes[OUTER_FIXED - 1]!;
  if (count > MAX_RECIPIENTS_V2) throw new C2CError('malformed', 'the message declares too many recipients');
  const bodyAt = OUTER_FIXED + count * WRAP_LENGTH;
  if (bytes.length < bodyAt + MIN_BODY_LENGTH) throw new C2CError('truncated', 'the message ends early');
  // The body length is implied: it must hold a valid padded section, else bytes were cut off or added.
  if (!isPaddedLength(bytes.length - bodyAt - ED25519_SIGNATURE_LENGTH - TAG_LENGTH)) {
    throw new C2CError('malformed', 'the message has a length no sealed message has (bytes cut off or added)');
  }
  const wraps = Array.from({ length: count }, (_, i) => {
    const at = OUTER_FIXED + i * WRAP_LENGTH;
    return { hint: toHex(bytes.subarray(at, at + HINT_LENGTH)), wrapped: bytes.subarray(at + HINT_LENGTH, at + WRAP_LENGTH) };
  });
  return { enc: bytes.subarray(1, 1 + X25519_PUBLIC_LENGTH), outer: bytes.subarray(0, bodyAt), wraps, body: bytes.subarray(bodyAt) };
}

/** The body plaintext if `contentKey` opens it, else undefined. */
async function tryBody(frame: Frame, contentKey: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    const key = await bodyKey(contentKey);
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: BODY_NONCE, additionalData: buf(frame.outer) }, key, buf(frame.body)));
  } catch {
    return undefined;
  }
}

interface WrapCandidate {
  wrapped: Uint8Array;
  prekey: PrekeyPair;
  secret: Uint8Array | undefined; // a PQS whose tag matched, else the classical hint matched
}

/**
 * The wraps that may be mine: a prekey hint (a prekey id is the first 8 bytes of SHA-256(prekey), so its
 * first 4 hex digits are the hint) or a pq tag of one of my (PQS, prekey) pairs. Tags cost one HMAC per
 * pair per message; each candidate costs at most one X25519 per prekey (cached) and one body trial.
 */
function wrapCandidates(frame: Frame, me: OpeningKeys): WrapCandidate[] {
  const tagged = new Map<string, { prekey: PrekeyPair; secret: Uint8Array }[]>();
  for (const secret of me.contactSecrets ?? []) {
    for (const prekey of me.prekeys) {
      const tag = toHex(pqTag(secret, frame.enc, prekey.publicKey));
      tagged.set(tag, [...(tagged.get(tag) ?? []), { prekey, secret }]);
    }
  }
  return frame.wraps.flatMap((wrap) => [
    ...me.prekeys.filter((p) => p.id.startsWith(wrap.hint)).map((prekey) => ({ wrapped: wrap.wrapped, prekey, secret: undefined })),
    ...(tagged.get(wrap.hint) ?? []).map((t) => ({ wrapped: wrap.wrapped, ...t })),
  ]);
}

/** Opens the body through a wrap for one of my prekeys (classical or post-quantum), or else through the sender's own copy. */
async function openBody(frame: Frame, me: OpeningKeys): Promise<{ plain: Uint8Array; ownCopy: boolean; postQuantum: boolean }> {
  const candidates = wrapCandidates(frame, me);
  const masks = new Map<string, Promise<Uint8Array>>();
  const maskFor = (prekey: PrekeyPair) => {
    let mask = masks.get(prekey.id);
    if (!mask) {
      const recipient = { privateKey: prekey.privateKey, publicKey: prekey.publicKey };
      mask = setupRecipient({ recipient, enc: frame.enc, info: HPKE_INFO }).then((s) => exportSecret(s, WRAP_EXPORT_CONTEXT, KEY_LENGTH));
      masks.set(prekey.id, mask);
    }
    return mask;
  };
  for (const c of candidates.slice(0, MAX_WRAP_TRIALS)) {
    try {
      const mask = await maskFor(c.prekey);
      const plain = await tryBody(frame, xor(c.wrapped, c.secret ? pqWrapMask(mask, c.secret, frame.enc) : mask));
      if (plain) return { plain, ownCopy: false, postQuantum: !!c.secret };
    } catch {
      // An enc that is not a usable X25519 key: try the other candidates, report below.
    }
  }
  const ownCopyKey = await selfCopyKey(me.identity.privateKey, frame.enc);
  const plain = await tryBody(frame, ownCopyKey);
  if (plain) return { plain, ownCopy: true, postQuantum: false };
  if (me.selfPqSecret) {
    const pqPlain = await tryBody(frame, pqContentKey(ownCopyKey, me.selfPqSecret, frame.enc));
    if (pqPlain) return { plain: pqPlain, ownCopy: true, postQuantum: true };
  }
  // A pq tag matches a foreign wrap by chance S × P times more often than a hint does (one tag per kept
  // secret and prekey): a failed tag alone is far likelier a message for someone else than an altered one.
  if (candidates.every((c) => c.secret)) {
    throw new C2CError('not-addressed', 'this message is not encrypted to any of your keys (or to a post-quantum secret this keyring no longer holds)');
  }
  throw new C2CError('tampered', 'the message was altered: it does not open with your key');
}

/** Removes the Padmé padding (text ‖ 0x80 ‖ 0x00…); any other shape is 'tampered'. */
function unpad(section: Uint8Array): Uint8Array {
  let end = section.length;
  while (end > 0 && section[end - 1] === 0) end--;
  if (end === 0 || section[end - 1] !== PAD_MARKER) throw new C2CError('tampered', 'the message padding is invalid');
  return section.subarray(0, end - 1);
}

interface Section {
  /** How the text was compressed: not, plain DEFLATE (older writers), or DEFLATE with TEXT_DICTIONARY_1. */
  compression: 'none' | 'deflate' | 'deflate-dictionary';
  timestamp: number; // seconds
  senderField: Uint8Array;
  fullKey: boolean;
  allPostQuantum: boolean;
  channel: SealedChannel | undefined;
  extensions: MessageExtension[];
  text: Uint8Array;
}

function parseSection(content: Uint8Array): Section {
  const cut = () => new C2CError('tampered', 'the message content ends inside its header');
  const flags = content[0];
  if (flags === undefined) throw cut();
  if ((flags & RESERVED_FLAGS) !== 0) throw new C2CError('unsupported', 'the message uses features this version does not know');
  if ((flags & (FLAG_DICTIONARY | FLAG_COMPRESSED)) === FLAG_DICTIONARY) throw new C2CError('tampered', 'the message names a dictionary for text it does not compress');
  const fullKey = (flags & FLAG_FULL_KEY) !== 0;
  const senderEnd = 5 + (fullKey ? ED25519_PUBLIC_LENGTH : KEY_ID_LENGTH);
  if (content.length < senderEnd) throw cut();
  const timestamp = new DataView(content.buffer, content.byteOffset + 1, 4).getUint32(0);
  let at = senderEnd;
  const extensions: MessageExtension[] = [];
  let channel: SealedChannel | undefined;
  if ((flags & FLAG_EXTENSIONS) !== 0) {
    const list = decodeExtensions(content, at, 'the message', cut);
    at = list.end;
    for (const { type, value } of list.extensions) {
      // An unknown critical type is a feature we cannot honour; unknown others are passed on.
      if (type === CHANNEL_EXTENSION) channel = decodeChannel(value);
      else if ((type & CRITICAL_EXTENSION) !== 0) throw new C2CError('unsupported', 'the message needs a feature this version does not know');
      else extensions.push({ type, value });
    }
  }
  return {
    compression: (flags & FLAG_COMPRESSED) === 0 ? 'none' : (flags & FLAG_DICTIONARY) !== 0 ? 'deflate-dictionary' : 'deflate',
    timestamp,
    senderField: content.slice(5, senderEnd),
    fullKey,
    allPostQuantum: (flags & FLAG_POST_QUANTUM) !== 0,
    channel,
    extensions,
    text: content.subarray(at),
  };
}

/** The sender's identity key when the message or the caller knows it; checks the message's own-copy claim. */
async function senderOf(
  section: Section,
  ownCopy: boolean,
  me: OpeningKeys,
  resolveSender: ((keyId: Uint8Array) => Promise<Uint8Array | undefined>) | undefined,
): Promise<OpenedText['sender']> {
  const keyId = section.fullKey ? await keyIdBytes(section.senderField) : section.senderField;
  let identityKey = section.fullKey ? section.senderField : undefined;
  if (ownCopy) {
    // Only our identity key derives the own-copy key, so the message must name us.
    if (!equalBytes(keyId, await keyIdBytes(me.identity.publicKey)) || (identityKey && !equalBytes(identityKey, me.identity.publicKey))) {
      throw new C2CError('tampered', 'the message opens as your own but names another sender');
    }
    identityKey = me.identity.publicKey;
  } else if (!identityKey && resolveSender) {
    identityKey = await resolveSender(keyId);
    if (identityKey && !equalBytes(await keyIdBytes(identityKey), keyId)) {
      throw new C2CError('key-mismatch', 'the key found for the sender does not have the sender’s key id');
    }
  }
  return { keyId, identityKey };
}

/** What opening needs: the identity (for the own copy) and every retained prekey. */
export interface OpeningKeys {
  identity: IdentityKeyPair;
  prekeys: PrekeyPair[];
  /** Every kept per-contact post-quantum secret (current and replaced ones still within their 30 days). */
  contactSecrets?: Uint8Array[];
  /** The own pq secret, for own copies of post-quantum messages. */
  selfPqSecret?: Uint8Array;
}

export interface OpenOptions {
  replayCache?: ReplayCache;
  context?: string;
  /** Where the message is shown: a message sealed for another channel is 'wrong-channel' (channel.ts). */
  channel?: Channel;
  now?: number;
  /** The identity key for a sender key id, when the caller knows it (pinned contacts). */
  resolveSender?: (keyId: Uint8Array) => Promise<Uint8Array | undefined>;
}

/** `format`: what the caller expects (default the text message); any other first byte → 'unknown-version'. */
export async function openMessageV2(bytes: Uint8Array, me: OpeningKeys, opts: OpenOptions & { format?: MessageV2Format } = {}): Promise<OpenedText> {
  const format = opts.format ?? FORMAT_ID.modernMessageV2;
  const frame = parseFrame(bytes, format);
  const { plain, ownCopy, postQuantum } = await openBody(frame, me);
  const sectionBytes = plain.subarray(0, plain.length - ED25519_SIGNATURE_LENGTH);
  // Dictionary-compressed text needs no pad marker: DEFLATE's final block ends it, and inflation stops there.
  const section = parseSection(((sectionBytes[0] ?? 0) & FLAG_DICTIONARY) !== 0 ? sectionBytes : unpad(sectionBytes));
  // A sender who signs "every wrap is post-quantum" never wraps classically nor derives K classically.
  if (section.allPostQuantum && !postQuantum) throw new C2CError('tampered', 'the message claims post-quantum protection its key does not have');
  const sender = await senderOf(section, ownCopy, me, opts.resolveSender);
  if (sender.identityKey) {
    const signed = concat(frame.outer, sectionBytes);
    if (!(await verifyWithContext(sender.identityKey, SIGNATURE_CONTEXT.messageV2, signed, plain.subarray(sectionBytes.length)))) {
      throw new C2CError('bad-signature', 'the message is not signed by its sender');
    }
  }
  const timestamp = section.timestamp * 1000;
  if (timestamp > (opts.now ?? Date.now()) + MAX_FUTURE_SKEW_MS) throw new C2CError('malformed', 'the message is dated in the future');
  if (section.compression === 'none' && section.text.length > MAX_TEXT_BYTES) throw new C2CError('too-large', 'the message text is too long');
  // Inflated (bounded) only once the sender's signature holds.
  const plaintext =
    section.compression === 'none' ? section.text.slice() : inflateRaw(section.text, MAX_TEXT_BYTES, section.compression === 'deflate-dictionary' ? DICTIONARY : undefined);
  // Before the replay cache: a message shown in the wrong place is not recorded anywhere.
  if (opts.channel) await assertChannel(section.channel, opts.channel);
  const messageId = messageIdOf(frame.enc);
  let replay: OpenedText['replay'] = 'fresh';
  if (opts.replayCache) {
    const verdict = await opts.replayCache.check({
      // A sender whose signature was not checked gets a namespace of its own: a forger who names
      // someone's key id cannot make that person's genuine message a replay.
      sender: sender.identityKey ? toHex(sender.identityKey) : `unchecked:${toHex(sender.keyId)}`,
      messageId: toHex(messageId),
      digest: await messageDigest(bytes),
      context: opts.context ?? '',
    });
    if (verdict === 'replayed') throw new C2CError('replayed', 'this message was already seen with different contents or in another conversation');
    replay = verdict;
  }
  return {
    format,
    plaintext,
    sender,
    signature: sender.identityKey ? 'checked' : 'unchecked',
    ownCopy,
    messageId: toHex(messageId),
    timestamp,
    channel: section.channel,
    extensions: section.extensions,
    replay,
    postQuantum: postQuantum && section.allPostQuantum,
  };
}
