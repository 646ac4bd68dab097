// The requests of the extension's own pages outside any host page (popup, options page, side panel, chat
// page): identity, settings, relay, contacts and their care, the legacy suite, secure chat.
import { z } from 'zod';
import { apiErrorSchema, contactInfoSchema, handleSchema, LIMITS, securitySchema, type ApiEntry } from './shared';

export const identityInfoSchema = z.object({
  handle: z.string(),
  fingerprint: z.string(),
});

// proxy: '' when the relay is reached directly.
const settingsSchema = z.object({ relayUrl: z.string(), proxy: z.string() });

// The keyring's settings validate the address itself (ws/wss only); here only the size is bounded.
export const relayUrlSchema = z.string().trim().max(LIMITS.relayUrl, 'The relay address is too long.');
/** socks5h://HOST:PORT, or '' for none (the keyring's settings check the form). */
export const proxySchema = z.string().trim().max(LIMITS.proxy, 'The proxy address is too long.');

/** The background's live relay connection: 'offline' also while it waits to retry (with backoff). */
export const relayConnectionSchema = z.enum(['connected', 'connecting', 'offline']);
export type RelayConnectionState = z.infer<typeof relayConnectionSchema>;

/**
 * One message received through the relay mailbox, newest first in getInbox. `senderHandle` is the pinned
 * contact's handle when verified or pinned; otherwise it is only the relay's word for who sent it.
 */
export const inboxItemSchema = z.discriminatedUnion('status', [
  z.object({
    id: z.number(),
    receivedAt: z.number(),
    senderHandle: z.string(),
    status: z.enum(['verified', 'pinned', 'unverified']),
    plaintext: z.string(),
    senderFingerprint: z.string(),
  }),
  z.object({ id: z.number(), receivedAt: z.number(), senderHandle: z.string(), status: z.literal('error'), reason: apiErrorSchema }),
]);
export type InboxItem = z.infer<typeof inboxItemSchema>;

/** One identity key a contact has used; `state` says whether it is the pinned, the pending (changed) or an earlier one. */
export const keyHistoryItemSchema = z.object({
  fingerprint: z.string(),
  firstSeen: z.number(),
  lastSeen: z.number(),
  replacedAt: z.number().optional(),
  state: z.enum(['pinned', 'pending', 'previous']),
});
export type KeyHistoryItem = z.infer<typeof keyHistoryItemSchema>;

export const contactDetailsSchema = z.object({
  contact: contactInfoSchema,
  // Our verification payload for this contact (the QR text, checkVerificationPayload format); '' for legacy-only.
  verificationCode: z.string(),
  keyHistory: z.array(keyHistoryItemSchema),
  // The changed key awaiting the user's decision, with the safety number it would have.
  pendingKey: z.object({ fingerprint: z.string(), safetyNumber: z.string() }).nullable(),
});
export type ContactDetails = z.infer<typeof contactDetailsSchema>;

/** One key-log alarm: `kept` and `served` are the two signed checkpoints that disagree, when there are two. */
export const logAlarmSchema = z.object({
  relay: z.string(),
  reason: z.string(),
  message: z.string(),
  at: z.number(),
  kept: z.string().optional(),
  served: z.string().optional(),
});
export type LogAlarmInfo = z.infer<typeof logAlarmSchema>;

const legacyKeyInfoSchema = z.object({ publicKey: z.string(), fingerprint: z.string() });
export type LegacyKeyInfo = z.infer<typeof legacyKeyInfoSchema>;

const contactAnswer = z.object({ contact: contactInfoSchema });

export const pagesApi = {
  getState: {
    request: z.object({ type: z.literal('getState') }).strict(),
    response: z.object({
      identity: identityInfoSchema.nullable(),
      settings: settingsSchema,
      // Registered under our handle on the relay currently set (as last confirmed by that relay).
      relay: z.object({ registered: z.boolean(), connection: relayConnectionSchema }),
    }),
  },
  createIdentity: {
    request: z.object({ type: z.literal('createIdentity'), handle: handleSchema }).strict(),
    response: z.object({ identity: identityInfoSchema }),
  },
  saveSettings: {
    // Without `proxy`, the proxy setting stays as it is.
    request: z.object({ type: z.literal('saveSettings'), relayUrl: relayUrlSchema, proxy: proxySchema.optional() }).strict(),
    response: z.object({ settings: settingsSchema }),
  },
  getPublicBundle: {
    request: z.object({ type: z.literal('getPublicBundle') }).strict(),
    response: z.object({ bundle: z.string() }),
  },
  pinContact: {
    request: z.object({ type: z.literal('pinContact'), handle: handleSchema, bundle: z.string().trim().min(1).max(LIMITS.bundle) }).strict(),
    response: z.object({ result: z.enum(['pinned', 'unchanged', 'prekey-updated', 'key-changed']), contact: contactInfoSchema }),
  },
  markVerified: {
    request: z.object({ type: z.literal('markVerified'), handle: handleSchema }).strict(),
    response: contactAnswer,
  },
  relayRegister: {
    request: z.object({ type: z.literal('relayRegister') }).strict(),
    response: z.object({ relay: z.object({ registered: z.literal(true) }) }),
  },
  lookupContact: {
    request: z.object({ type: z.literal('lookupContact'), handle: handleSchema }).strict(),
    response: z.object({ handle: z.string(), bundle: z.string(), fingerprint: z.string() }),
  },
  // The alarms the relays' key logs raised (entrypoints/background/key-log.ts), oldest first, with evidence.
  getLogAlarms: {
    request: z.object({ type: z.literal('getLogAlarms') }).strict(),
    response: z.object({ alarms: z.array(logAlarmSchema) }),
  },
  // The user saw an alarm's evidence and dismisses it; the same evidence does not raise it again.
  dismissLogAlarm: {
    request: z.object({ type: z.literal('dismissLogAlarm'), relay: z.string().min(1).max(LIMITS.relayUrl), at: z.number().int().nonnegative(), reason: z.string().min(1).max(64) }).strict(),
    response: z.object({ dismissed: z.boolean() }),
  },
  // The persistent relay connection (entrypoints/background/relay-connection.ts): messages received
  // through the relay mailbox, and sending one sealed message to a pinned contact through it.
  getInbox: {
    request: z.object({ type: z.literal('getInbox') }).strict(),
    response: z.object({ items: z.array(inboxItemSchema) }),
  },
  sendToContact: {
    request: z
      .object({
        type: z.literal('sendToContact'),
        handle: handleSchema,
        plaintext: z.string().min(1, 'There is nothing to send.').max(LIMITS.plaintext, 'The message is too long.'),
      })
      .strict(),
    // 'accepted' is all the relay says: never whether the contact is online (it never queues either).
    response: z.object({ delivery: z.literal('accepted') }),
  },
  // Legacy (cryptico) suite: opt-in, per contact; see entrypoints/background/legacy-service.ts.
  createLegacyKey: {
    request: z.object({ type: z.literal('createLegacyKey') }).strict(),
    response: z.object({ key: legacyKeyInfoSchema }),
  },
  getLegacyPublicKey: {
    request: z.object({ type: z.literal('getLegacyPublicKey') }).strict(),
    response: z.object({ key: legacyKeyInfoSchema.nullable() }),
  },
  pinLegacyContact: {
    request: z
      .object({
        type: z.literal('pinLegacyContact'),
        handle: handleSchema,
        publicKey: z.string().trim().min(1, 'The legacy public key is empty.').max(LIMITS.legacyPublicKey, 'The legacy public key is too long.'),
      })
      .strict(),
    response: z.object({ result: z.enum(['pinned', 'unchanged']), handle: z.string(), fingerprint: z.string() }),
  },
  // Contact and identity care (entrypoints/background/contacts-service.ts).
  getContactDetails: {
    request: z.object({ type: z.literal('getContactDetails'), handle: handleSchema }).strict(),
    response: contactDetailsSchema,
  },
  // The text of the other side's QR code, pasted: a match marks the contact verified.
  verifyContactCode: {
    request: z.object({ type: z.literal('verifyContactCode'), handle: handleSchema, code: z.string().max(LIMITS.verificationCode, 'The code is too long.') }).strict(),
    response: z.object({ result: z.enum(['match', 'mismatch']), contact: contactInfoSchema }),
  },
  // Resolves a key change: `fingerprint` names the key the user checked (the new one to accept, or the pinned one to keep).
  reverifyContact: {
    request: z.object({ type: z.literal('reverifyContact'), handle: handleSchema, fingerprint: z.string().max(200) }).strict(),
    response: contactAnswer,
  },
  removeContact: {
    request: z.object({ type: z.literal('removeContact'), handle: handleSchema }).strict(),
    response: z.object({ removed: z.literal(true) }),
  },
  // The keyring's settings validate both (#rrggbb, one of SECURITY_IMAGES); here only the size is bounded.
  saveSecurity: {
    request: z.object({ type: z.literal('saveSecurity'), colour: z.string().max(16), image: z.string().max(32) }).strict(),
    response: z.object({ security: securitySchema }),
  },
  // Rotates the prekey now (the identity settings' button; an alarm does it weekly) and publishes it to the
  // relay when registered (entrypoints/background/prekey-rotation.ts).
  rotatePrekey: {
    request: z.object({ type: z.literal('rotatePrekey') }).strict(),
    response: z.object({ prekeyCreated: z.number(), retainedPrekeys: z.number(), published: z.boolean() }),
  },
  // Secure chat (entrypoints/background/chat-service.ts): joins the contact's pending invitation or invites
  // the contact to a new room; the page chat.html#<chatId> then attaches over the chat port (chat-port.ts).
  openChat: {
    request: z.object({ type: z.literal('openChat'), handle: handleSchema }).strict(),
    response: z.object({ chatId: z.string() }),
  },
} satisfies Record<string, ApiEntry>;
