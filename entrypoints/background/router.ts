// The one entry point for messages: tells which view sent it (sender.ts), checks that view may make the
// request (view-access.ts), validates its shape, runs the handler and turns every outcome into
// `{ok: true, ...}` or `{ok: false, error}`. Nothing is thrown back across the boundary.
import { C2CError } from '@/lib/errors';
import { isRequestType, parseRequest, type ApiError, type RequestOf, type RequestType, type ResponseData } from '@/lib/protocol/background-api';
import { enabledSiteOf, NOT_ENABLED_HERE, type IsEnabledSite } from './frame-entitlement';
import { viewOf, type MessageSenderLike } from './sender';
import { VIEW_REQUESTS } from './view-access';

export type BackgroundService = { [T in RequestType]: (request: RequestOf<T>) => Promise<ResponseData<T>> };

/** Where a request came from, for the few handlers that act on it: a message frame's host tab. */
export interface RequestOrigin {
  tabId: number | undefined;
}

export interface RouterContext {
  ownId: string;
  ownBaseUrl: string;
  service: BackgroundService;
  isEnabledSite: IsEnabledSite;
}

export type WireResponse = { ok: true } & Record<string, unknown> | { ok: false; error: ApiError };

export function toApiError(e: unknown): ApiError {
  if (e instanceof C2CError) return { code: e.code, message: e.message };
  return { code: 'internal', message: 'Something went wrong inside the extension.' };
}

const forbidden = (message: string): WireResponse => ({ ok: false, error: { code: 'forbidden', message } });

export async function routeMessage(raw: unknown, sender: MessageSenderLike, ctx: RouterContext): Promise<WireResponse> {
  const view = viewOf(sender, ctx.ownId, ctx.ownBaseUrl);
  if (!view) return forbidden('Only the extension’s own pages may make this request.');
  // A message frame is served only on a site the user enabled: first, before anything of the request is read.
  const site = view === 'message frame' ? await enabledSiteOf(sender, ctx.isEnabledSite) : null;
  if (view === 'message frame' && site === null) return { ok: false, error: { code: 'not-enabled', message: NOT_ENABLED_HERE } };
  const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  if (!isRequestType(type)) return { ok: false, error: { code: 'bad-request', message: 'Not a request the background knows.' } };
  // Refused before the shape is read or any handler runs: nothing is written.
  if (!VIEW_REQUESTS[view].has(type)) return forbidden(`The ${view} may not make the request ${type}.`);
  const parsed = parseRequest(type, raw);
  if (!parsed.success) return { ok: false, error: { code: 'bad-request', message: parsed.error } };
  // The site a frame's message is shown on (its replay context, the channel it must be sealed for) is the
  // tab's, as the browser reports it: never what the frame was told.
  const request = site !== null && parsed.data.type === 'decrypt' ? { ...parsed.data, context: `page:${site}` } : parsed.data;
  try {
    const handler = ctx.service[type] as (r: typeof request, from: RequestOrigin) => Promise<object>;
    return { ok: true, ...(await handler(request, { tabId: view === 'message frame' ? sender.tab?.id : undefined })) };
  } catch (e) {
    // Only the request type is logged: never contents, keys or handles.
    if (!(e instanceof C2CError)) console.error(`c2c background: ${type} failed`, e instanceof Error ? e.name : typeof e);
    return { ok: false, error: toApiError(e) };
  }
}
