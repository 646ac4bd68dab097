// What a chat message carries inside the ratchet's AEAD, before padding (docs/CHAT-PROTOCOL.md):
// text = 0x01 ‖ seq u32 ‖ id (8) ‖ ttlMs u32 ‖ UTF-8 text; end = 0x02.
import { concat, fromUtf8, utf8 } from '../bytes';
import { C2CError } from '../errors';
import { pad, unpad } from '../crypto/padding';
import { MAX_CONTENT_PADDED } from './frame';

export const MESSAGE_ID_LENGTH = 8;
const TEXT_HEADER = 1 + 4 + MESSAGE_ID_LENGTH + 4;
/** Largest text in UTF-8 bytes: the whole content, padded, fits the 16 KiB bucket. */
export const MAX_TEXT_BYTES = MAX_CONTENT_PADDED - 4 - TEXT_HEADER;
/** Longest per-message timer: u32 milliseconds, about 49 days. */
export const MAX_TTL_MS = 0xffffffff;

export type ChatContent =
  | { kind: 'text'; seq: number; id: Uint8Array; ttlMs: number; text: string }
  | { kind: 'end' };

export function encodeContent(c: ChatContent): Uint8Array {
  if (c.kind === 'end') return pad(new Uint8Array([2]));
  const text = utf8(c.text);
  if (text.length > MAX_TEXT_BYTES) throw new C2CError('too-large', `a chat message can hold at most ${MAX_TEXT_BYTES} bytes of text`);
  const head = new Uint8Array(TEXT_HEADER);
  const view = new DataView(head.buffer);
  head[0] = 1;
  view.setUint32(1, c.seq);
  head.set(c.id, 5);
  view.setUint32(5 + MESSAGE_ID_LENGTH, c.ttlMs);
  return pad(concat(head, text));
}

/** Content comes out of an authenticated decryption, so a bad shape means a misbehaving peer: 'tampered'. */
export function decodeContent(padded: Uint8Array): ChatContent {
  const bytes = unpad(padded);
  if (bytes.length === 1 && bytes[0] === 2) return { kind: 'end' };
  if (bytes.length < TEXT_HEADER || bytes[0] !== 1) throw new C2CError('tampered', 'a chat message has an unknown content type');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text: string;
  try {
    text = fromUtf8(bytes.subarray(TEXT_HEADER));
  } catch {
    throw new C2CError('tampered', 'a chat message is not valid UTF-8 text');
  }
  return { kind: 'text', seq: view.getUint32(1), id: bytes.slice(5, 5 + MESSAGE_ID_LENGTH), ttlMs: view.getUint32(5 + MESSAGE_ID_LENGTH), text };
}
