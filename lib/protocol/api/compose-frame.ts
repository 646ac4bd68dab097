// The compose frame's requests (a frame inside a hostile page): claim its ticket, choose recipients among
// the pinned contacts, encrypt, get the user's contact card, and remember recipients and the site's part length. Its content script
// leaves the ticket with a request of its own (composeTicketSchema), routed apart from the rest.
import { z } from 'zod';
import { COMPOSE_TICKET, MAX_DECLARED_LENGTH } from '../../content/frames';
import { contactInfoSchema, conversationSchema, handleSchema, LIMITS, partLengthSchema, siteSchema, ticketHexSchema, type ApiEntry } from './shared';

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

const handlesAnswer = z.object({ handles: z.array(z.string()) });
const partLengthAnswer = z.object({ maxPartLength: z.number().nullable() });

export const composeFrameApi = {
  // The compose frame takes its content script's ticket, once (lib/content/frames.ts).
  claimComposeTicket: {
    request: z.object({ type: z.literal('claimComposeTicket'), id: ticketHexSchema }).strict(),
    response: z.object({
      ticket: z.object({ secret: z.string(), site: z.string(), maxLength: z.number().nullable(), conversation: z.string().nullable() }),
    }),
  },
  listContacts: {
    request: z.object({ type: z.literal('listContacts') }).strict(),
    response: z.object({ contacts: z.array(contactInfoSchema) }),
  },
  encrypt: {
    request: z
      .object({
        type: z.literal('encrypt'),
        recipients: z.array(handleSchema).min(1, 'Choose at least one recipient.').max(LIMITS.recipients),
        plaintext: z.string().min(1, 'There is nothing to encrypt.').max(LIMITS.plaintext, 'The message is too long.'),
        // The legacy suite is used only when asked for here, never picked from the contact (docs/THREAT-MODEL.md, "Legacy suite").
        suite: z.enum(['modern', 'cryptico']).optional(),
        // cryptico only: the bare stock string (for the original CRYPT2CHAT app) instead of armored parts.
        raw: z.literal(true).optional(),
        // Longest armor part the host site accepts (default 3000): each part becomes one host message.
        maxPartLength: partLengthSchema.optional(),
        // Where the message is sent (the compose frame's ticket): readers elsewhere show wrong-channel.
        channel: z.object({ site: siteSchema, conversation: conversationSchema.optional() }).strict().optional(),
      })
      .strict(),
    response: z.object({ parts: z.array(z.string()).min(1) }),
  },
  // The user's contact card as armor parts to send through the host (the overlay's Share card button).
  getContactCard: {
    request: z.object({ type: z.literal('getContactCard'), maxPartLength: partLengthSchema.optional() }).strict(),
    response: z.object({ parts: z.array(z.string()).min(1) }),
  },
  // The compose overlay's `compose-p2p-chat`: a chat page opens and makes the WebRTC offer; the invitation
  // token (sealed to `handle`) as armor parts to send through the host.
  startP2PChat: {
    request: z.object({ type: z.literal('startP2PChat'), handle: handleSchema, maxPartLength: partLengthSchema.optional() }).strict(),
    response: z.object({ parts: z.array(z.string()).min(1) }),
  },
  // The longest message a site accepts, remembered per site origin for the compose overlay; null clears it.
  getSitePartLength: {
    request: z.object({ type: z.literal('getSitePartLength'), site: siteSchema }).strict(),
    response: partLengthAnswer,
  },
  saveSitePartLength: {
    request: z.object({ type: z.literal('saveSitePartLength'), site: siteSchema, maxPartLength: partLengthSchema.nullable() }).strict(),
    response: partLengthAnswer,
  },
  // Recipients remembered per site and conversation (the site adapter names the conversation).
  getConversationRecipients: {
    request: z.object({ type: z.literal('getConversationRecipients'), site: siteSchema, conversation: conversationSchema }).strict(),
    response: handlesAnswer,
  },
  saveConversationRecipients: {
    request: z
      .object({
        type: z.literal('saveConversationRecipients'),
        site: siteSchema,
        conversation: conversationSchema,
        handles: z.array(handleSchema).min(1).max(LIMITS.recipients),
      })
      .strict(),
    response: handlesAnswer,
  },
} satisfies Record<string, ApiEntry>;
