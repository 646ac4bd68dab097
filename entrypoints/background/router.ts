// The one entry point for messages: checks who sent it, validates its shape, runs the handler and turns
// every outcome into `{ok: true, ...}` or `{ok: false, error}`. Nothing is thrown back across the boundary.
import { C2CError } from '@/lib/errors';
import {
  describeValidationError,
  requestSchema,
  type ApiError,
  type RequestOf,
  type RequestType,
  type ResponseData,
} from '@/lib/protocol/background-api';
import { ApiFailure } from './api-failure';
import { isExtensionPageSender, type MessageSenderLike } from './sender';

export type BackgroundService = { [T in RequestType]: (request: RequestOf<T>) => Promise<ResponseData<T>> };

export interface RouterContext {
  ownId: string;
  ownBaseUrl: string;
  service: BackgroundService;
}

export type WireResponse = { ok: true } & Record<string, unknown> | { ok: false; error: ApiError };

export function toApiError(e: unknown): ApiError {
  if (e instanceof C2CError || e instanceof ApiFailure) return { code: e.code, message: e.message };
  return { code: 'internal', message: 'Something went wrong inside the extension.' };
}

export async function routeMessage(raw: unknown, sender: MessageSenderLike, ctx: RouterContext): Promise<WireResponse> {
  if (!isExtensionPageSender(sender, ctx.ownId, ctx.ownBaseUrl)) {
    return { ok: false, error: { code: 'forbidden', message: 'Only the extension’s own pages may make this request.' } };
  }
  const parsed = requestSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, error: { code: 'bad-request', message: describeValidationError(parsed.error) } };
  }
  const request = parsed.data;
  try {
    const handler = ctx.service[request.type] as (r: typeof request) => Promise<object>;
    return { ok: true, ...(await handler(request)) };
  } catch (e) {
    // Only the request type is logged: never contents, keys or handles.
    if (!(e instanceof C2CError || e instanceof ApiFailure)) console.error(`c2c background: ${request.type} failed`, e instanceof Error ? e.name : typeof e);
    return { ok: false, error: toApiError(e) };
  }
}
