// Wire frames of the secure chat (docs/CHAT-PROTOCOL.md): version ‖ type ‖ session id ‖ body, with
// exact or bounded body lengths per version and type, checked before any cryptography runs.
import { concat } from '../bytes';
import { C2CError } from '../errors';
import { XWING_CIPHERTEXT_LENGTH, XWING_PUBLIC_KEY_LENGTH } from '../crypto/xwing';
import { RATCHET_HEADER_LENGTH } from './ratchet';

/** 1: Noise XX (classical). 2: Noise XXhfs with the X-Wing hybrid KEM (post-quantum). */
export const CHAT_VERSION = { classical: 1, hybrid: 2 } as const;
export type ChatVersion = (typeof CHAT_VERSION)[keyof typeof CHAT_VERSION];
export const CHAT_VERSIONS: readonly ChatVersion[] = [CHAT_VERSION.hybrid, CHAT_VERSION.classical];
export const FRAME_TYPE = { hs1: 0x01, hs2: 0x02, hs3: 0x03, message: 0x10 } as const;
export type FrameType = (typeof FRAME_TYPE)[keyof typeof FRAME_TYPE];
export const SESSION_ID_LENGTH = 16;
export const FRAME_PREFIX_LENGTH = 2 + SESSION_ID_LENGTH;
/** Handshake payload: identity key (32) ‖ certificate signature (64) ‖ first ratchet key (32). */
export const HANDSHAKE_PAYLOAD_LENGTH = 128;
/** Between two apps that speak them, an extension list follows in HS2 and HS3 (lib/crypto/extensions.ts), this long at most. */
export const MAX_HANDSHAKE_EXTENSIONS_LENGTH = 256;
/** Largest padded chat content (the 16 KiB padding bucket). */
export const MAX_CONTENT_PADDED = 16 * 1024;

const TAG = 16;
const KEY = 32;
type HandshakeType = Exclude<FrameType, 0x10>;
const CLASSICAL_BODY: Record<HandshakeType, number> = {
  [FRAME_TYPE.hs1]: KEY, // e
  [FRAME_TYPE.hs2]: KEY + (KEY + TAG) + (HANDSHAKE_PAYLOAD_LENGTH + TAG), // e, enc(s), enc(payload)
  [FRAME_TYPE.hs3]: KEY + TAG + (HANDSHAKE_PAYLOAD_LENGTH + TAG), // enc(s), enc(payload)
};
const BODY_LENGTH: Record<ChatVersion, Record<HandshakeType, number>> = {
  [CHAT_VERSION.classical]: CLASSICAL_BODY,
  [CHAT_VERSION.hybrid]: {
    [FRAME_TYPE.hs1]: KEY + XWING_PUBLIC_KEY_LENGTH, // e, e1
    [FRAME_TYPE.hs2]: CLASSICAL_BODY[FRAME_TYPE.hs2] + XWING_CIPHERTEXT_LENGTH + TAG, // e, enc(ekem1 ciphertext), enc(s), enc(payload)
    [FRAME_TYPE.hs3]: CLASSICAL_BODY[FRAME_TYPE.hs3],
  },
};
const MIN_MESSAGE_BODY = RATCHET_HEADER_LENGTH + 256 + TAG; // the smallest padding bucket is 256 bytes
const MAX_MESSAGE_BODY = RATCHET_HEADER_LENGTH + MAX_CONTENT_PADDED + TAG;
export const MAX_FRAME_LENGTH = FRAME_PREFIX_LENGTH + MAX_MESSAGE_BODY;

export interface Frame {
  version: ChatVersion;
  type: FrameType;
  sessionId: Uint8Array;
  /** version ‖ type ‖ session id: authenticated with every chat message. */
  prefix: Uint8Array;
  body: Uint8Array;
}

export function framePrefix(version: ChatVersion, type: FrameType, sessionId: Uint8Array): Uint8Array {
  return concat(new Uint8Array([version, type]), sessionId);
}

export function encodeFrame(version: ChatVersion, type: FrameType, sessionId: Uint8Array, body: Uint8Array): Uint8Array {
  return concat(framePrefix(version, type, sessionId), body);
}

/**
 * `versions`: those this side speaks (a frame of another version is 'unknown-version'). `extensions`:
 * whether HS2 and HS3 may carry a handshake extension list (up to MAX_HANDSHAKE_EXTENSIONS_LENGTH more).
 * Throws C2CError 'too-large', 'truncated', 'unknown-version' or 'malformed'.
 */
export function decodeFrame(bytes: Uint8Array, versions: readonly ChatVersion[] = CHAT_VERSIONS, extensions = true): Frame {
  if (bytes.length > MAX_FRAME_LENGTH) throw new C2CError('too-large', 'a chat frame is larger than the protocol allows');
  if (bytes.length < FRAME_PREFIX_LENGTH) throw new C2CError('truncated', 'a chat frame is too short');
  const version = bytes[0] as ChatVersion;
  if (!versions.includes(version)) throw new C2CError('unknown-version', 'a chat frame uses a protocol version this app does not speak');
  const type = bytes[1]!;
  const body = bytes.subarray(FRAME_PREFIX_LENGTH);
  if (type === FRAME_TYPE.message) {
    if (body.length < MIN_MESSAGE_BODY) throw new C2CError('truncated', 'a chat message is too short');
  } else if (type === FRAME_TYPE.hs1 || type === FRAME_TYPE.hs2 || type === FRAME_TYPE.hs3) {
    const exact = BODY_LENGTH[version][type];
    const most = extensions && type !== FRAME_TYPE.hs1 ? exact + MAX_HANDSHAKE_EXTENSIONS_LENGTH : exact;
    if (body.length < exact || body.length > most) throw new C2CError('malformed', 'a handshake frame has the wrong length');
  } else {
    throw new C2CError('malformed', 'a chat frame has an unknown type');
  }
  return {
    version,
    type: type as FrameType,
    sessionId: bytes.slice(2, FRAME_PREFIX_LENGTH),
    prefix: bytes.slice(0, FRAME_PREFIX_LENGTH),
    body,
  };
}
