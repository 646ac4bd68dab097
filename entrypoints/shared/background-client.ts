// The caller side of the background API. The background (an MV3 service worker, or Firefox's event page)
// may be asleep or restarting; sending usually wakes it, but while it restarts the browser answers
// "Could not establish connection. Receiving end does not exist." Such a request never arrived, so it is
// safe to resend: retry with backoff, a bounded number of times. Never throws: failures come back as
// `{ok: false, error}` like the background's own refusals.
import { browser } from 'wxt/browser';
import { parseResponse, type ApiResult, type RequestOf, type RequestType } from '@/lib/protocol/background-api';

const RETRY_DELAYS_MS = [50, 100, 200, 400, 800, 1600];

function isNotDelivered(e: unknown): boolean {
  const message = e instanceof Error ? e.message : String(e);
  return /Receiving end does not exist|Could not establish connection/i.test(message);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function callBackground<T extends RequestType>(request: RequestOf<T>): Promise<ApiResult<T>> {
  for (let attempt = 0; ; attempt++) {
    try {
      const raw: unknown = await browser.runtime.sendMessage(request);
      return parseResponse(request.type as T, raw);
    } catch (e) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (isNotDelivered(e) && delay !== undefined) {
        await sleep(delay);
        continue;
      }
      return {
        ok: false,
        error: { code: 'unavailable', message: 'The extension background did not answer.' },
      };
    }
  }
}
