// What every view's request set shares: size bounds, field schemas, the error codes and the answer shapes
// that more than one view reads. Each view's requests, next to their answers, are in the modules beside this.
import { z } from 'zod';
import { type C2CErrorCode, ERROR_CODES } from '../../errors';
import { PART_LENGTH_RANGE } from '../../keyring/settings';
import { MAX_CONVERSATION_LENGTH, TICKET_HEX_LENGTH } from '../../content/frames';

/** Bounds on what a page may hand the background; anything larger is refused before any work is done. */
export const LIMITS = {
  handle: 64,
  plaintext: 64 * 1024,
  recipients: 32,
  // Armored text is ~1.4x the ciphertext, plus part headers: leave room for a full 64 KB message.
  ciphertextText: 200 * 1024,
  bundle: 4 * 1024,
  // A contact card is under 500 characters as one token; split by a host and wrapped, a few times that.
  cardText: 8 * 1024,
  relayUrl: 2048,
  proxy: 300,
  context: 256,
  legacyPublicKey: 1024, // base64 of a 4096-bit modulus is 684 characters
  verificationCode: 512, // c2cverify1: + two 64-digit hex fingerprints, with room for stray spaces
  passphrase: 1024,
  backupText: 4 * 1024 * 1024, // armored scrypt/AES-GCM keyring backup: identity, prekeys, contacts
  site: 512, // a site's origin, e.g. https://chat.example.org
} as const;

/** One request type: the request's schema and the schema of the data in its successful answer. */
export interface ApiEntry {
  request: z.ZodObject;
  response: z.ZodType;
}

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

export const ticketHexSchema = z.string().regex(new RegExp(`^[0-9a-f]{${TICKET_HEX_LENGTH}}$`), 'Not a ticket id.');
// A site adapter's name for a conversation (read from the page: hostile input, bounded here and in the keyring).
export const conversationSchema = z.string().min(1).max(MAX_CONVERSATION_LENGTH, 'The conversation id is too long.');

export const contactInfoSchema = z.object({
  handle: z.string(),
  fingerprint: z.string(),
  verified: z.boolean(),
  // The handle showed a different identity key than the pinned one: sending is blocked until re-verified.
  keyChanged: z.boolean(),
  // While a key change is pending: 'signed' when the relay's key log proves the new key came by a key
  // change signed by the pinned one, 'unproven' for a replacement without that proof; null otherwise.
  keyChangeProof: z.enum(['signed', 'unproven']).nullable(),
  safetyNumber: z.string(), // 60 digits in groups of five; '' for a legacy-only contact
  // The contact invites us to a secure chat now (an authenticated, fresh invitation is waiting).
  chatInvite: z.boolean(),
  // A version-2 secure chat left a post-quantum secret for this key: one-shot messages to it are post-quantum.
  postQuantum: z.boolean(),
});
export type ContactInfo = z.infer<typeof contactInfoSchema>;

/** The security colour and image chosen by the user; null until chosen. */
export const securitySchema = z.object({ colour: z.string().nullable(), image: z.string().nullable() });
export type SecurityChoice = z.infer<typeof securitySchema>;

/** Machine codes a caller may see: one list for lib/ and the message boundary (lib/errors.ts). */
export const API_ERROR_CODES = ERROR_CODES;
export type ApiErrorCode = C2CErrorCode;

export const apiErrorSchema = z.object({ code: z.enum(API_ERROR_CODES), message: z.string() });
export type ApiError = z.infer<typeof apiErrorSchema>;

/** A short, plain-words summary of why a request failed validation (no values echoed back). */
export function describeValidationError(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'The request is not valid.';
  const where = first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  return `${where}${first.message}`;
}
