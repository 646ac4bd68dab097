// The first byte of every sealed payload names its format, so one decrypt entry point can route
// a payload to the right suite and refuse what it does not know ('unknown-version').

export const FORMAT_ID = {
  /** Modern one-shot message v1 (lib/crypto/message.ts, docs/FORMATS.md "One-shot message v1"). */
  modernMessageV1: 0x01,
  /** Legacy CRYPT2CHAT-compatible cryptico payload (lib/legacy/). */
  legacyCryptico: 0x02,
  /**
   * Secure-chat invitation v1: the modern one-shot message layout with this first byte (authenticated in
   * the header), carrying lib/chat/invite.ts content. Never opened as a text message.
   */
  chatInviteV1: 0x03,
  /** Compact one-shot message v2 (lib/crypto/message-v2.ts, docs/FORMATS.md "One-shot message v2"). */
  modernMessageV2: 0x04,
  /** Encrypted file v1: a v2-layout header with this first byte, then a STREAM body (lib/files/, docs/FORMATS.md "Encrypted file v1"). */
  fileV1: 0x05,
  /** Contact card v1: a handle and its signed public keys, self-signed (lib/crypto/contact-card.ts, docs/FORMATS.md "Contact card v1"). */
  contactCardV1: 0x07,
  /**
   * Peer-to-peer chat invitation v1, carrying the WebRTC offer: the v2 message layout with this first byte
   * (lib/chat/p2p-token.ts, docs/FORMATS.md "Peer-to-peer tokens"). Never opened as a text message.
   */
  p2pOfferV1: 0x08,
  /** Peer-to-peer chat answer v1: the joiner's WebRTC answer, same layout (lib/chat/p2p-token.ts). */
  p2pAnswerV1: 0x09,
} as const;

export type FormatId = (typeof FORMAT_ID)[keyof typeof FORMAT_ID];

const KNOWN = new Set<number>(Object.values(FORMAT_ID));

/** The format id of a payload, or undefined when it is empty or names no format we speak. */
export function formatIdOf(payload: Uint8Array): FormatId | undefined {
  const first = payload[0];
  return first !== undefined && KNOWN.has(first) ? (first as FormatId) : undefined;
}
