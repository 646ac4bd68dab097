// Wire frames of the secure chat (docs/CHAT-PROTOCOL.md): version ‖ type ‖ session id ‖ body, with
// exact or bounded body lengths per type, checked before any cryptography runs.
import { concat } from '../bytes';
import { C2CError } from '../errors';
import { RATCHET_HEADER_LENGTH } from './ratchet';

export const CHAT_VERSION = 1;
export const FRAME_TYPE = { hs1: 0x01, hs2: 0x02, hs3: 0x03, message: 0x10 } as const;
export type FrameType = (typeof FRAME_TYPE)[keyof typeof FRAME_TYPE];
export const SESSION_ID_LENGTH = 16;
export const FRAME_PREFIX_LENGTH = 2 + SESSION_ID_LENGTH;
/** Handshake payload: identity key (32) ‖ certificate signature (64) ‖ first ratchet key (32). */
export const HANDSHAKE_PAYLOAD_LENGTH = 128;
/** Largest padded chat content (the 16 KiB padding bucket). */
export const MAX_CONTENT_PADDED = 16 * 1024;

const TAG = 16;
const KEY = 32;
const BODY_LENGTH: Record<Exclude<FrameType, 0x10>, number> = {
  [FRAME_TYPE.hs1]: KEY, // e
  [FRAME_TYPE.hs2]: KEY + (KEY + TAG) + (HANDSHAKE_PAYLOAD_LENGTH + TAG), // e, enc(s), enc(payload)
  [FRAME_TYPE.hs3]: KEY + TAG + (HANDSHAKE_PAYLOAD_LENGTH + TAG), // enc(s), enc(payload)
};
const MIN_MESSAGE_BODY = RATCHET_HEADER_LENGTH + 256 + TAG; // the smallest padding bucket is 256 bytes
const MAX_MESSAGE_BODY = RATCHET_HEADER_LENGTH + MAX_CONTENT_PADDED + TAG;
export const MAX_FRAME_LENGTH = FRAME_PREFIX_LENGTH + MAX_MESSAGE_BODY;

export interface Frame {
  type: FrameType;
  sessionId: Uint8Array;
  /** version ‖ type ‖ session id: authenticated with every chat message. */
  prefix: Uint8Array;
  body: Uint8Array;
}

export function framePrefix(type: FrameType, sessionId: Uint8Array): Uint8Array {
  return concat(new Uint8Array([CHAT_VERSION, type]), sessionId);
}

export function encodeFrame(type: FrameType, sessionId: Uint8Array, body: Uint8Array): Uint8Array {
  return concat(framePrefix(type, sessionId), body);
}

/** Throws C2CError 'too-large', 'truncated', 'unknown-version' or 'malformed'. */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length > MAX_FRAME_LENGTH) throw new C2CError('too-large', 'a chat frame is larger than the protocol allows');
  if (bytes.length < FRAME_PREFIX_LENGTH) throw new C2CError('truncated', 'a chat frame is too short');
  if (bytes[0] !== CHAT_VERSION) throw new C2CError('unknown-version', 'a chat frame uses a protocol version this app does not speak');
  const type = bytes[1]!;
  const body = bytes.subarray(FRAME_PREFIX_LENGTH);
  if (type === FRAME_TYPE.message) {
    if (body.length < MIN_MESSAGE_BODY) throw new C2CError('truncated', 'a chat message is too short');
  } else if (type === FRAME_TYPE.hs1 || type === FRAME_TYPE.hs2 || type === FRAME_TYPE.hs3) {
    if (body.length !== BODY_LENGTH[type]) throw new C2CError('malformed', 'a handshake frame has the wrong length');
  } else {
    throw new C2CError('malformed', 'a chat frame has an unknown type');
  }
  return {
    type: type as FrameType,
    sessionId: bytes.slice(2, FRAME_PREFIX_LENGTH),
    prefix: bytes.slice(0, FRAME_PREFIX_LENGTH),
    body,
  };
}
