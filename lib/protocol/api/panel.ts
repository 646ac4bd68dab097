// The side panel's requests (an extension page beside the tab, which the page cannot reach): the tab's
// messages, decrypted, and sending through the tab. It also reads contacts, the security mark and the
// state (view-access.ts); never backups, settings writes or anything else. Its content script's reports come
// in with a request of their own (panelTokensSchema), routed apart from the rest.
import { z } from 'zod';
import {
  PANEL_DOC_HEX_LENGTH,
  PANEL_MAX_CHARS,
  PANEL_MAX_TOKENS,
  PANEL_MAX_TOTAL,
  PANEL_TOKENS,
} from './panel-messages';
import { apiErrorSchema, conversationSchema, handleSchema, LIMITS, type ApiEntry } from './shared';
import { decryptStatusSchema } from './message-frame';

/** A content script's report of its document's tokens (entrypoints/background/content-requests.ts). */
export const panelTokensSchema = z
  .object({
    type: z.literal(PANEL_TOKENS),
    doc: z.string().regex(new RegExp(`^[0-9a-f]{${PANEL_DOC_HEX_LENGTH}}$`), 'Not a document id.'),
    seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    tokens: z
      .array(
        z
          .object({
            text: z.string().min(1).max(LIMITS.ciphertextText, 'A token is too long.'),
            // The conversation the site adapter names where the token is shown: it is read for that one.
            conversation: conversationSchema.optional(),
          })
          .strict(),
      )
      .max(PANEL_MAX_TOKENS, 'Too many tokens in one report.'),
    total: z.number().int().nonnegative().max(PANEL_MAX_TOTAL),
  })
  .strict()
  .refine((r) => r.tokens.reduce((n, t) => n + t.text.length, 0) <= PANEL_MAX_CHARS, 'The tokens are too long together.')
  .refine((r) => r.total >= r.tokens.length, 'The total is smaller than the tokens sent.');

const tabIdSchema = z.number().int().nonnegative().max(2 ** 31);

/** One token of the tab, in page order; `pending` until the background has opened it. */
export const panelMessageSchema = z.discriminatedUnion('status', [
  z.object({
    status: decryptStatusSchema.exclude(['error']),
    plaintext: z.string(),
    senderHandle: z.string().optional(),
    senderFingerprint: z.string(),
  }),
  z.object({ status: z.literal('error'), reason: apiErrorSchema }),
  z.object({ status: z.literal('pending') }),
]);
export type PanelMessage = z.infer<typeof panelMessageSchema>;

export const panelOutcomeSchema = z.enum(['sent', 'copy', 'no-box', 'several', 'not-enabled']);
export type PanelOutcome = z.infer<typeof panelOutcomeSchema>;

export const panelApi = {
  // The tab's messages when they changed since `revision`; `messages: null` when they did not.
  getPanelMessages: {
    request: z.object({ type: z.literal('getPanelMessages'), tabId: tabIdSchema, revision: z.number().int().nonnegative().optional() }).strict(),
    response: z.object({
      tabId: z.number(),
      revision: z.number(),
      // The tab's site (origin), null while no content script has reported from it.
      site: z.string().nullable(),
      mode: z.enum(['inline', 'panel']),
      // Tokens the page holds; `messages` are the newest of them.
      total: z.number(),
      messages: z.array(panelMessageSchema).nullable(),
    }),
  },
  // Seals for the recipients (and oneself) and has the tab's content script write and send it through the host.
  panelSend: {
    request: z
      .object({
        type: z.literal('panelSend'),
        tabId: tabIdSchema,
        recipients: z.array(handleSchema).min(1, 'Choose at least one recipient.').max(LIMITS.recipients),
        plaintext: z.string().min(1, 'There is nothing to encrypt.').max(LIMITS.plaintext, 'The message is too long.'),
      })
      .strict(),
    response: z.object({ outcome: panelOutcomeSchema }),
  },
} satisfies Record<string, ApiEntry>;
export type PanelRequestType = keyof typeof panelApi;
