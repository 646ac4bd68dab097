// The long-lived port between a chat page (chat.html#<chatId>) and the background, which holds the
// session (keys, ratchet, transcript) in memory. Both sides parse every message with these schemas.
// Protocol and lifecycle: docs/CHAT-PROTOCOL.md, "Chat page ↔ background".
import { z } from 'zod';
import { MAX_TEXT_BYTES, MAX_TTL_MS } from '../chat/content';
import { API_ERROR_CODES } from './background-api';

/** `browser.runtime.connect({ name: CHAT_PORT_NAME })`; the background refuses other names and non-extension senders. */
export const CHAT_PORT_NAME = 'c2c-chat';
/** The page pings this often so the background (MV3 service worker / event page) is not stopped as idle. */
export const CHAT_PING_MS = 20_000;

/** The opaque id in the page URL: base64url of 16 random bytes. It names no one (URLs go into history). */
export const chatIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'Not a chat id.');

/** Longest SDP a page may report (a data channel's is under 2 KB). */
export const P2P_SDP_MAX = 8192;
/** A chat frame over the data channel, base64url (a frame is at most about 17 KB). */
const p2pFrameSchema = z.string().regex(/^[A-Za-z0-9_-]+$/).max(32_768);

/** The per-message timers the page offers; the background accepts any whole ms value the protocol carries. */
export const CHAT_TIMERS_MS = [0, 10_000, 60_000, 3_600_000, 86_400_000] as const;

export const pageToBackgroundSchema = z.discriminatedUnion('t', [
  // First message on a new port: which chat this page shows. Anything else first ends the port.
  z.object({ t: z.literal('attach'), chatId: chatIdSchema }).strict(),
  // Answered by a `message` (direction 'out') or by an `error`. UTF-8 length is checked by the session (too-large).
  z
    .object({
      t: z.literal('send'),
      text: z.string().min(1).max(MAX_TEXT_BYTES),
      ttlMs: z.number().int().min(0).max(MAX_TTL_MS).optional(),
    })
    .strict(),
  z.object({ t: z.literal('end') }).strict(),
  z.object({ t: z.literal('ping') }).strict(),
  // Peer-to-peer chats only, from the page that holds the RTCPeerConnection (docs/CHAT-PROTOCOL.md,
  // "Peer-to-peer transport"): its local description once gathered, the channel open (with the peer's
  // certificate fingerprint when the browser reports it), a frame from the channel, no direct path.
  z.object({ t: z.literal('p2p-local'), sdp: z.string().min(1).max(P2P_SDP_MAX) }).strict(),
  z.object({ t: z.literal('p2p-open'), fingerprint: z.string().regex(/^[0-9a-f]{64}$/).nullable() }).strict(),
  z.object({ t: z.literal('p2p-frame'), frame: p2pFrameSchema }).strict(),
  z.object({ t: z.literal('p2p-failed') }).strict(),
]);
export type PageToBackground = z.infer<typeof pageToBackgroundSchema>;

export const chatStateSchema = z.enum(['connecting', 'open', 'ended']);
export type ChatPageState = z.infer<typeof chatStateSchema>;

/**
 * Why the chat is in its state (the page words it in the user's language):
 * connecting — `invited` the relay accepted our invitation and the contact has not joined yet (it is re-sent
 * every few seconds; the relay never says whether the contact is online); `relay-offline` our own
 * relay connection is down (reconnecting); `handshake` both sides are in the room, authenticating.
 * open — no reason, or `relay-offline`: the chat stays open but nothing can be sent until the relay is back.
 * ended — `you-ended`, `peer-ended`, `tab-closed` (another tab of this chat closed), `key-mismatch` /
 * `bad-signature` (the other side did not prove the pinned key: nothing was sent), `handshake-timeout` (the
 * contact's handshake frames arrived but it did not complete in time: a relay substituting keys, or the
 * contact left mid-way; nothing was sent), `key-changed` /
 * `no-modern-key` (refused before starting), `unknown-chat` (no such chat: it ended, or the background
 * restarted and lost it), `no-relay` (not registered on a relay), `error` (anything else).
 * Peer-to-peer: connecting — `waiting-answer` (the invitation is in the host chat; the contact's answer has
 * not been shown yet); ended — `no-direct-path` (ICE found no route between the two browsers: the relay
 * chat is offered), `foreign-fingerprint` (the channel's certificate is not the one the contact signed).
 */
export const chatStateReasonSchema = z.enum([
  'invited',
  'relay-offline',
  'handshake',
  'you-ended',
  'peer-ended',
  'tab-closed',
  'key-mismatch',
  'bad-signature',
  'handshake-timeout',
  'key-changed',
  'no-modern-key',
  'unknown-chat',
  'no-relay',
  'waiting-answer',
  'no-direct-path',
  'foreign-fingerprint',
  'error',
]);
export type ChatStateReason = z.infer<typeof chatStateReasonSchema>;

export const chatMessageSchema = z
  .object({
    t: z.literal('message'),
    id: z.string().regex(/^[0-9a-f]{16}$/),
    direction: z.enum(['in', 'out']),
    text: z.string(),
    at: z.number(),
    expiresAt: z.number().optional(),
  })
  .strict();

export const backgroundToPageSchema = z.discriminatedUnion('t', [
  // Sent once after a successful attach, before anything else.
  // `transport`: the chat page's `chat-transport` (relay room or direct data channel).
  z.object({ t: z.literal('contact'), handle: z.string(), safetyNumber: z.string(), verified: z.boolean(), transport: z.enum(['relay', 'p2p']) }).strict(),
  // `postQuantum` while open: whether the session keys include the post-quantum KEM (protocol version 2)
  // or are classical only (a contact whose app speaks only version 1).
  z.object({ t: z.literal('state'), state: chatStateSchema, reason: chatStateReasonSchema.optional(), postQuantum: z.boolean().optional() }).strict(),
  chatMessageSchema,
  // A message whose timer ran out: remove it from the page (the other side removes its copy too).
  z.object({ t: z.literal('expired'), id: z.string().regex(/^[0-9a-f]{16}$/) }).strict(),
  // `count` messages from the contact did not arrive (relay outage or dropped by the relay).
  z.object({ t: z.literal('lost'), count: z.number().int().positive() }).strict(),
  // A rejected frame (fatal: false, the chat goes on) or the cause of the end (fatal: true, a `state`
  // ended follows); also a refused `send` (fatal: false). `reason` is English: the page words it by `code`.
  z.object({ t: z.literal('error'), code: z.enum(API_ERROR_CODES), reason: z.string(), fatal: z.boolean() }).strict(),
  z.object({ t: z.literal('pong') }).strict(),
  // Peer-to-peer chats, to the page that holds the RTCPeerConnection: make an offer; answer this offer;
  // apply this answer; send this frame on the channel.
  z.object({ t: z.literal('p2p-offer') }).strict(),
  z.object({ t: z.literal('p2p-answer'), remote: z.string().max(P2P_SDP_MAX) }).strict(),
  z.object({ t: z.literal('p2p-remote'), remote: z.string().max(P2P_SDP_MAX) }).strict(),
  z.object({ t: z.literal('p2p-send'), frame: p2pFrameSchema }).strict(),
]);
export type BackgroundToPage = z.infer<typeof backgroundToPageSchema>;
