// The message frame's requests (a frame inside a hostile page): open its one token, pin the contact card
// it shows, and read the user's security mark. Nothing else is allowed from that view
// (entrypoints/background/view-access.ts).
import { z } from 'zod';
import { apiErrorSchema, conversationSchema, LIMITS, securitySchema, type ApiEntry } from './shared';

/**
 * verified: the sender's pinned key, whose safety number the user confirmed; pinned: a key pinned on first
 * use and never compared; unverified: opens, but the key is not pinned; legacy: the legacy suite.
 */
/**
 * A contact card as a frame shows it. known: new (no contact with this handle), pinned (its key is the
 * pinned one), changed (the handle is pinned to another key: pinning it is a key change), own (the user's).
 */
export const cardSummarySchema = z.object({
  handle: z.string(),
  fingerprint: z.string(),
  known: z.enum(['new', 'pinned', 'changed', 'own']),
});
export type CardSummary = z.infer<typeof cardSummarySchema>;

/**
 * A peer-to-peer chat token as a frame shows it. handle: the contact who sent it (null: one's own copy, or
 * not a pinned contact). state: join (a contact's invitation: `p2p-join`), sent (one's own token), accepted
 * (an answer our waiting chat took, now or before), stale (an answer no chat of ours waits for).
 */
export const p2pSummarySchema = z.object({
  kind: z.enum(['offer', 'answer']),
  handle: z.string().nullable(),
  own: z.boolean(),
  state: z.enum(['join', 'sent', 'accepted', 'stale']),
});
export type P2PSummary = z.infer<typeof p2pSummarySchema>;

export const decryptStatusSchema = z.enum(['verified', 'pinned', 'unverified', 'legacy', 'error']);
export type DecryptStatus = z.infer<typeof decryptStatusSchema>;

const decryptResultSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.enum(['verified', 'pinned', 'unverified']),
    plaintext: z.string(),
    senderFingerprint: z.string(),
    senderHandle: z.string().optional(),
    // unverified, from a contact's changed key awaiting the user's decision; 'signed' when the relay's key
    // log proves the change signed by the pinned key.
    keyChange: z.object({ handle: z.string(), proof: z.enum(['signed', 'unproven']) }).optional(),
    // Every wrap is post-quantum and ours opened through a per-contact secret; absent or false: classical only.
    postQuantum: z.boolean().optional(),
  }),
  // Always 'legacy', never 'verified'. legacyAuthentic: signed by the pinned legacy key of senderHandle.
  // senderFingerprint is the signer's legacy fingerprint, '' for an unsigned message.
  z.object({
    status: z.literal('legacy'),
    plaintext: z.string(),
    senderFingerprint: z.string(),
    senderHandle: z.string().optional(),
    legacyAuthentic: z.boolean(),
  }),
  z.object({ status: z.literal('error'), reason: apiErrorSchema }),
  // A contact card (not a message): whose it is, and how it compares with what is pinned for that handle.
  z.object({ status: z.literal('card'), card: cardSummarySchema }),
  // A peer-to-peer chat invitation or answer (not a message).
  z.object({ status: z.literal('p2p'), p2p: p2pSummarySchema }),
]);
export type DecryptResult = z.infer<typeof decryptResultSchema>;

export const messageFrameApi = {
  decrypt: {
    request: z
      .object({
        type: z.literal('decrypt'),
        text: z.string().min(1).max(LIMITS.ciphertextText, 'The encrypted text is too long.'),
        // `page:ORIGIN` from a message frame: the replay context and the site a message must be sealed for.
        context: z.string().max(LIMITS.context).optional(),
        // The conversation the content script names for this frame, if any: a message sealed for another
        // conversation on the same site is wrong-channel (lib/crypto/channel.ts).
        conversation: conversationSchema.optional(),
        // Legacy messages are opened only when this is true. Only UI code may set it, and only in the handler
        // of a click on that message: decrypting unauthenticated CBC on sight would let anyone feed the
        // background chosen ciphertexts. Content scripts cannot reach the background at all (router.ts).
        userAction: z.literal(true).optional(),
      })
      .strict(),
    response: z.object({ result: decryptResultSchema }),
  },
  // Pins the contact card in `text` (the frame's own token, sent again: the background decodes and checks it
  // anew, trusting nothing the frame was shown). Only on the user's click on the frame's Pin button.
  pinCard: {
    request: z.object({ type: z.literal('pinCard'), text: z.string().min(1).max(LIMITS.cardText, 'The contact card is too long.') }).strict(),
    response: z.object({ result: z.enum(['pinned', 'unchanged', 'prekey-updated', 'key-changed']), card: cardSummarySchema }),
  },
  // Joins the peer-to-peer chat this frame's invitation offers (the frame's own token, opened anew): a chat page
  // opens and the answer token is written into the host's compose box (`written`), else given to copy.
  // Only on the user's click on the frame's `p2p-join` button.
  joinP2PChat: {
    request: z.object({ type: z.literal('joinP2PChat'), text: z.string().min(1).max(LIMITS.cardText, 'The invitation is too long.') }).strict(),
    response: z.object({ written: z.boolean(), parts: z.array(z.string()).min(1) }),
  },
  // Every view that shows the security mark reads it (message frame, compose frame, extension pages).
  getSecurity: {
    request: z.object({ type: z.literal('getSecurity') }).strict(),
    response: z.object({ security: securitySchema }),
  },
} satisfies Record<string, ApiEntry>;
