// The message API between extension pages and the background, which owns the keyring and all crypto.
// Every request and response has a zod schema: the background parses each incoming message before acting,
// and the caller parses each answer. Responses are `{ok: true, ...data}` or `{ok: false, error}`.
import { z } from 'zod';
import type { C2CErrorCode } from '../errors';
import { PART_LENGTH_RANGE, SITE_MODES } from '../keyring/settings';
import { COMPOSE_TICKET, MAX_CONVERSATION_LENGTH, MAX_DECLARED_LENGTH, TICKET_HEX_LENGTH } from '../content/frames';

/** Bounds on what a page may hand the background; anything larger is refused before any work is done. */
export const LIMITS = {
  handle: 64,
  plaintext: 64 * 1024,
  recipients: 32,
  // Armored text is ~1.4x the ciphertext, plus part headers: leave room for a full 64 KB message.
  ciphertextText: 200 * 1024,
  bundle: 4 * 1024,
  relayUrl: 2048,
  context: 256,
  legacyPublicKey: 1024, // base64 of a 4096-bit modulus is 684 characters
  verificationCode: 512, // c2cverify1: + two 64-digit hex fingerprints, with room for stray spaces
  passphrase: 1024,
  backupText: 4 * 1024 * 1024, // armored scrypt/AES-GCM keyring backup: identity, prekeys, contacts
  site: 512, // a site's origin, e.g. https://chat.example.org
} as const;

/** The longest armor part a site is said to accept. */
export const partLengthSchema = z
  .number()
  .int('The message length must be a whole number.')
  .min(PART_LENGTH_RANGE.min, `Messages must be allowed at least ${PART_LENGTH_RANGE.min} characters.`)
  .max(PART_LENGTH_RANGE.max, `The message length is at most ${PART_LENGTH_RANGE.max}.`);
// The keyring's settings check that it is an origin; here only the size is bounded.
export const siteSchema = z.string().min(1).max(LIMITS.site, 'The site address is too long.');

// Only the shape is checked here; the keyring (and, for one's own handle, the relay rules) decide the rest.
export const handleSchema = z.string().trim().min(1, 'A handle cannot be empty.').max(LIMITS.handle, 'A handle is too long.');

// The keyring's settings validate the address itself (ws/wss only); here only the size is bounded.
export const relayUrlSchema = z.string().trim().max(LIMITS.relayUrl, 'The relay address is too long.');

const ticketHexSchema = z.string().regex(new RegExp(`^[0-9a-f]{${TICKET_HEX_LENGTH}}$`), 'Not a ticket id.');
// A site adapter's name for a conversation (read from the page: hostile input, bounded here and in the keyring).
export const conversationSchema = z.string().min(1).max(MAX_CONVERSATION_LENGTH, 'The conversation id is too long.');

/** The content script's one request (entrypoints/background/content-requests.ts), never routed with the rest. */
export const composeTicketSchema = z
  .object({
    type: z.literal(COMPOSE_TICKET),
    id: ticketHexSchema,
    secret: ticketHexSchema,
    site: z.string().min(1).max(LIMITS.site),
    maxLength: z.number().int().positive().max(MAX_DECLARED_LENGTH).optional(),
    conversation: conversationSchema.optional(),
  })
  .strict();

export const requestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('getState') }).strict(),
  z.object({ type: z.literal('createIdentity'), handle: handleSchema }).strict(),
  z.object({ type: z.literal('saveSettings'), relayUrl: relayUrlSchema }).strict(),
  z.object({ type: z.literal('getPublicBundle') }).strict(),
  z.object({ type: z.literal('pinContact'), handle: handleSchema, bundle: z.string().trim().min(1).max(LIMITS.bundle) }).strict(),
  z.object({ type: z.literal('listContacts') }).strict(),
  z.object({ type: z.literal('markVerified'), handle: handleSchema }).strict(),
  z.object({ type: z.literal('relayRegister') }).strict(),
  z.object({ type: z.literal('lookupContact'), handle: handleSchema }).strict(),
  // The persistent relay connection (entrypoints/background/relay-connection.ts): messages received
  // through the relay mailbox, and sending one sealed message to a pinned contact through it.
  z.object({ type: z.literal('getInbox') }).strict(),
  z
    .object({
      type: z.literal('sendToContact'),
      handle: handleSchema,
      plaintext: z.string().min(1, 'There is nothing to send.').max(LIMITS.plaintext, 'The message is too long.'),
    })
    .strict(),
  z
    .object({
      type: z.literal('encrypt'),
      recipients: z.array(handleSchema).min(1, 'Choose at least one recipient.').max(LIMITS.recipients),
      plaintext: z.string().min(1, 'There is nothing to encrypt.').max(LIMITS.plaintext, 'The message is too long.'),
      // The legacy suite is used only when asked for here, never picked from the contact (DESIGN.md).
      suite: z.enum(['modern', 'cryptico']).optional(),
      // cryptico only: the bare stock string (for the original CRYPT2CHAT app) instead of armored parts.
      raw: z.literal(true).optional(),
      // Longest armor part the host site accepts (default 3000): each part becomes one host message.
      maxPartLength: partLengthSchema.optional(),
    })
    .strict(),
  // The longest message a site accepts, remembered per site origin for the compose overlay; null clears it.
  z.object({ type: z.literal('getSitePartLength'), site: siteSchema }).strict(),
  z.object({ type: z.literal('saveSitePartLength'), site: siteSchema, maxPartLength: partLengthSchema.nullable() }).strict(),
  z
    .object({
      type: z.literal('decrypt'),
      text: z.string().min(1).max(LIMITS.ciphertextText, 'The encrypted text is too long.'),
      context: z.string().max(LIMITS.context).optional(),
      // Legacy messages are opened only when this is true. Only UI code may set it, and only in the handler
      // of a click on that message: decrypting unauthenticated CBC on sight would let anyone feed the
      // background chosen ciphertexts. Content scripts cannot reach the background at all (router.ts).
      userAction: z.literal(true).optional(),
    })
    .strict(),
  // Legacy (cryptico) suite: opt-in, per contact; see entrypoints/background/legacy-service.ts.
  z.object({ type: z.literal('createLegacyKey') }).strict(),
  z.object({ type: z.literal('getLegacyPublicKey') }).strict(),
  z
    .object({
      type: z.literal('pinLegacyContact'),
      handle: handleSchema,
      publicKey: z.string().trim().min(1, 'The legacy public key is empty.').max(LIMITS.legacyPublicKey, 'The legacy public key is too long.'),
    })
    .strict(),
  // Contact and identity care (entrypoints/background/contacts-service.ts).
  z.object({ type: z.literal('getContactDetails'), handle: handleSchema }).strict(),
  // The text of the other side's QR code, pasted: a match marks the contact verified.
  z.object({ type: z.literal('verifyContactCode'), handle: handleSchema, code: z.string().max(LIMITS.verificationCode, 'The code is too long.') }).strict(),
  // Resolves a key change: `fingerprint` names the key the user checked (the new one to accept, or the pinned one to keep).
  z.object({ type: z.literal('reverifyContact'), handle: handleSchema, fingerprint: z.string().max(200) }).strict(),
  z.object({ type: z.literal('removeContact'), handle: handleSchema }).strict(),
  z.object({ type: z.literal('exportBackup'), passphrase: z.string().max(LIMITS.passphrase, 'The passphrase is too long.') }).strict(),
  z
    .object({
      type: z.literal('restoreBackup'),
      backup: z.string().trim().min(1, 'Paste or choose a backup first.').max(LIMITS.backupText, 'The backup is too large.'),
      passphrase: z.string().max(LIMITS.passphrase, 'The passphrase is too long.'),
    })
    .strict(),
  z.object({ type: z.literal('getSecurity') }).strict(),
  // The keyring's settings validate both (#rrggbb, one of SECURITY_IMAGES); here only the size is bounded.
  z.object({ type: z.literal('saveSecurity'), colour: z.string().max(16), image: z.string().max(32) }).strict(),
  // The compose frame takes its content script's ticket, once (lib/content/frames.ts).
  z.object({ type: z.literal('claimComposeTicket'), id: ticketHexSchema }).strict(),
  // Recipients remembered per site and conversation (the site adapter names the conversation).
  z.object({ type: z.literal('getConversationRecipients'), site: siteSchema, conversation: conversationSchema }).strict(),
  z
    .object({
      type: z.literal('saveConversationRecipients'),
      site: siteSchema,
      conversation: conversationSchema,
      handles: z.array(handleSchema).min(1).max(LIMITS.recipients),
    })
    .strict(),
  // Secure chat (entrypoints/background/chat-service.ts): joins the contact's pending invitation or invites
  // the contact to a new room; the page chat.html#<chatId> then attaches over the chat port (chat-port.ts).
  z.object({ type: z.literal('openChat'), handle: handleSchema }).strict(),
  // How a site shows messages (the popup's site-mode choice); only inline has an effect until the side panel exists.
  z.object({ type: z.literal('getSiteMode'), site: siteSchema }).strict(),
  z.object({ type: z.literal('saveSiteMode'), site: siteSchema, mode: z.enum(SITE_MODES) }).strict(),
  // Whether the popup should remind the user to export a backup (an identity, and no backup made yet).
  z.object({ type: z.literal('getBackupReminder') }).strict(),
]);

export type BackgroundRequest = z.infer<typeof requestSchema>;
export type RequestType = BackgroundRequest['type'];
export type RequestOf<T extends RequestType> = Extract<BackgroundRequest, { type: T }>;

const identityInfoSchema = z.object({
  handle: z.string(),
  fingerprint: z.string(),
});

const settingsSchema = z.object({ relayUrl: z.string() });

export const contactInfoSchema = z.object({
  handle: z.string(),
  fingerprint: z.string(),
  verified: z.boolean(),
  // The handle showed a different identity key than the pinned one: sending is blocked until re-verified.
  keyChanged: z.boolean(),
  safetyNumber: z.string(), // 60 digits in groups of five; '' for a legacy-only contact
  // The contact invites us to a secure chat now (an authenticated, fresh invitation is waiting).
  chatInvite: z.boolean(),
});
export type ContactInfo = z.infer<typeof contactInfoSchema>;

/**
 * verified: the sender's pinned key, whose safety number the user confirmed; pinned: a key pinned on first
 * use and never compared; unverified: opens, but the key is not pinned; legacy: the legacy suite.
 */
export const decryptStatusSchema = z.enum(['verified', 'pinned', 'unverified', 'legacy', 'error']);
export type DecryptStatus = z.infer<typeof decryptStatusSchema>;

/** Machine codes a caller may see: the C2CError codes plus those of the message boundary itself. */
export const API_ERROR_CODES = [
  'malformed',
  'unknown-version',
  'checksum',
  'truncated',
  'tampered',
  'not-addressed',
  'replayed',
  'bad-signature',
  'key-mismatch',
  'too-large',
  'wrong-passphrase',
  'weak-passphrase',
  'exists',
  'unsupported',
  'not-found',
  'bad-request', // the request failed schema validation
  'forbidden', // the sender is not an extension page
  'no-identity', // the request needs an identity and none exists yet
  'identity-exists', // createIdentity when one already exists
  'key-changed', // a pinned contact's key changed: sending is blocked until the user re-verifies
  'unavailable', // the background could not be reached (asleep, restarting) after retries
  'no-relay', // no relay address is set
  'relay-unreachable', // the relay did not answer or dropped the connection
  'relay-refused', // the relay answered with an error
  'handle-taken', // the relay has this handle registered to someone else
  'no-legacy-key', // a legacy operation needs the user's legacy key and none was created
  'user-action-required', // a legacy message is opened only on a click (decrypt with userAction: true)
  'internal', // a bug: details are not shown
] as const satisfies readonly (C2CErrorCode | string)[];
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

// Every C2CError code must be an API code, so errors from lib/ pass through unchanged.
type MissingC2CCodes = Exclude<C2CErrorCode, ApiErrorCode>;
const _allC2CCodesCovered: MissingC2CCodes extends never ? true : never = true;

export const apiErrorSchema = z.object({ code: z.enum(API_ERROR_CODES), message: z.string() });
export type ApiError = z.infer<typeof apiErrorSchema>;

const decryptResultSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.enum(['verified', 'pinned', 'unverified']),
    plaintext: z.string(),
    senderFingerprint: z.string(),
    senderHandle: z.string().optional(),
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
]);
export type DecryptResult = z.infer<typeof decryptResultSchema>;

const legacyKeyInfoSchema = z.object({ publicKey: z.string(), fingerprint: z.string() });
export type LegacyKeyInfo = z.infer<typeof legacyKeyInfoSchema>;

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

/** The security colour and image chosen by the user; null until chosen. */
export const securitySchema = z.object({ colour: z.string().nullable(), image: z.string().nullable() });
export type SecurityChoice = z.infer<typeof securitySchema>;

/** The data part of each successful response, keyed by request type. */
export const responseDataSchemas = {
  getState: z.object({
    identity: identityInfoSchema.nullable(),
    settings: settingsSchema,
    // Registered under our handle on the relay currently set (as last confirmed by that relay).
    relay: z.object({ registered: z.boolean(), connection: relayConnectionSchema }),
  }),
  createIdentity: z.object({ identity: identityInfoSchema }),
  saveSettings: z.object({ settings: settingsSchema }),
  getPublicBundle: z.object({ bundle: z.string() }),
  pinContact: z.object({ result: z.enum(['pinned', 'unchanged', 'prekey-updated', 'key-changed']), contact: contactInfoSchema }),
  listContacts: z.object({ contacts: z.array(contactInfoSchema) }),
  markVerified: z.object({ contact: contactInfoSchema }),
  relayRegister: z.object({ relay: z.object({ registered: z.literal(true) }) }),
  lookupContact: z.object({ handle: z.string(), bundle: z.string(), fingerprint: z.string() }),
  getInbox: z.object({ items: z.array(inboxItemSchema) }),
  // 'offline': the relay had no open connection for the contact and kept nothing (it never queues).
  sendToContact: z.object({ delivery: z.enum(['delivered', 'offline']) }),
  encrypt: z.object({ parts: z.array(z.string()).min(1) }),
  getSitePartLength: z.object({ maxPartLength: z.number().nullable() }),
  saveSitePartLength: z.object({ maxPartLength: z.number().nullable() }),
  decrypt: z.object({ result: decryptResultSchema }),
  createLegacyKey: z.object({ key: legacyKeyInfoSchema }),
  getLegacyPublicKey: z.object({ key: legacyKeyInfoSchema.nullable() }),
  pinLegacyContact: z.object({ result: z.enum(['pinned', 'unchanged']), handle: z.string(), fingerprint: z.string() }),
  getContactDetails: contactDetailsSchema,
  verifyContactCode: z.object({ result: z.enum(['match', 'mismatch']), contact: contactInfoSchema }),
  reverifyContact: z.object({ contact: contactInfoSchema }),
  removeContact: z.object({ removed: z.literal(true) }),
  exportBackup: z.object({ backup: z.string() }),
  restoreBackup: z.object({ identity: identityInfoSchema }),
  getSecurity: z.object({ security: securitySchema }),
  saveSecurity: z.object({ security: securitySchema }),
  claimComposeTicket: z.object({
    ticket: z.object({ secret: z.string(), site: z.string(), maxLength: z.number().nullable(), conversation: z.string().nullable() }),
  }),
  getConversationRecipients: z.object({ handles: z.array(z.string()) }),
  saveConversationRecipients: z.object({ handles: z.array(z.string()) }),
  openChat: z.object({ chatId: z.string() }),
  getSiteMode: z.object({ mode: z.enum(SITE_MODES) }),
  saveSiteMode: z.object({ mode: z.enum(SITE_MODES) }),
  getBackupReminder: z.object({ due: z.boolean() }),
} satisfies Record<RequestType, z.ZodType>;

export type ResponseData<T extends RequestType> = z.infer<(typeof responseDataSchemas)[T]>;
export type ApiResult<T extends RequestType> = ({ ok: true } & ResponseData<T>) | { ok: false; error: ApiError };

/** Parses an answer from the background; anything that does not fit is reported, not trusted. */
export function parseResponse<T extends RequestType>(type: T, raw: unknown): ApiResult<T> {
  const failure = z.object({ ok: z.literal(false), error: apiErrorSchema }).safeParse(raw);
  if (failure.success) return failure.data;
  const ok = z.object({ ok: z.literal(true) }).safeParse(raw);
  const data = responseDataSchemas[type].safeParse(raw);
  if (ok.success && data.success) return { ok: true, ...(data.data as ResponseData<T>) };
  return { ok: false, error: { code: 'internal', message: 'The background sent an answer of the wrong shape.' } };
}

/** A short, plain-words summary of why a request failed validation (no values echoed back). */
export function describeValidationError(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'The request is not valid.';
  const where = first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  return `${where}${first.message}`;
}
