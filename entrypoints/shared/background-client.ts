// The caller side of the background API: sends a request (retried while the background restarts, see
// background-request.ts) and checks the answer against the API's schemas. Never throws: failures come back
// as `{ok: false, error}` like the background's own refusals.
import { parseResponse, type ApiResult, type RequestOf, type RequestType } from '@/lib/protocol/background-api';
import { sendToBackground, UNAVAILABLE } from './background-request';

export async function callBackground<T extends RequestType>(request: RequestOf<T>): Promise<ApiResult<T>> {
  const answer = await sendToBackground(request);
  return answer ? parseResponse(request.type as T, answer.raw) : UNAVAILABLE;
}
