// The message API between extension pages and the background, which owns the keyring and all crypto.
// Each view's requests live in a module of their own, each request next to its answer (lib/protocol/api/);
// this module joins them. The background parses each incoming message with its request's schema before
// acting (and only for a view allowed to make it: entrypoints/background/view-access.ts), and the caller
// parses each answer. Responses are `{ok: true, ...data}` or `{ok: false, error}`.
import { z } from 'zod';
import { backupApi } from './api/backup';
import { composeFrameApi } from './api/compose-frame';
import { messageFrameApi } from './api/message-frame';
import { pagesApi } from './api/pages';
import { panelApi } from './api/panel';
import { siteSettingsApi } from './api/site-settings';
import { apiErrorSchema, describeValidationError, type ApiError } from './api/shared';

export * from './api/shared';
export { composeTicketSchema } from './api/compose-frame';
export { panelTokensSchema, type PanelMessage, type PanelOutcome } from './api/panel';
export { decryptStatusSchema, type CardSummary, type DecryptResult, type DecryptStatus, type P2PSummary } from './api/message-frame';
export {
  contactDetailsSchema,
  inboxItemSchema,
  keyHistoryItemSchema,
  relayConnectionSchema,
  relayUrlSchema,
  type ContactDetails,
  type InboxItem,
  type KeyHistoryItem,
  type LegacyKeyInfo,
  type LogAlarmInfo,
  type RelayConnectionState,
} from './api/pages';

/** Every request type, with its request and answer schemas. */
export const API = { ...messageFrameApi, ...composeFrameApi, ...pagesApi, ...backupApi, ...siteSettingsApi, ...panelApi };
type Api = typeof API;

export type RequestType = keyof Api;
export const REQUEST_TYPES = Object.keys(API) as RequestType[];
export type BackgroundRequest = { [T in RequestType]: z.infer<Api[T]['request']> }[RequestType];
export type RequestOf<T extends RequestType> = Extract<BackgroundRequest, { type: T }>;
export type ResponseData<T extends RequestType> = z.infer<Api[T]['response']>;
export type ApiResult<T extends RequestType> = ({ ok: true } & ResponseData<T>) | { ok: false; error: ApiError };

export function isRequestType(type: unknown): type is RequestType {
  return typeof type === 'string' && Object.hasOwn(API, type);
}

/** Any request of the whole API (each view's router checks only its own: view-access.ts). */
export const requestSchema = z.discriminatedUnion(
  'type',
  REQUEST_TYPES.map((type) => API[type].request) as unknown as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<BackgroundRequest>;

/** Parses one request of a known type: the type's own schema, strict. */
export function parseRequest<T extends RequestType>(type: T, raw: unknown): { success: true; data: RequestOf<T> } | { success: false; error: string } {
  const parsed = API[type].request.safeParse(raw);
  return parsed.success ? { success: true, data: parsed.data as RequestOf<T> } : { success: false, error: describeValidationError(parsed.error) };
}

/** Parses an answer from the background; anything that does not fit is reported, not trusted. */
export function parseResponse<T extends RequestType>(type: T, raw: unknown): ApiResult<T> {
  const failure = z.object({ ok: z.literal(false), error: apiErrorSchema }).safeParse(raw);
  if (failure.success) return failure.data;
  const ok = z.object({ ok: z.literal(true) }).safeParse(raw);
  const data = API[type].response.safeParse(raw);
  if (ok.success && data.success) return { ok: true, ...(data.data as ResponseData<T>) };
  return { ok: false, error: { code: 'internal', message: 'The background sent an answer of the wrong shape.' } };
}
