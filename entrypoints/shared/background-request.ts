// Sending a request to the background, without reading the answer (each caller checks it with its own
// schemas: background-client.ts with the full API's, a message frame with the two answers it needs, so a
// frame does not load the whole API). The background (an MV3 service worker, or Firefox's event page) may
// be asleep or restarting; sending usually wakes it, but while it restarts the browser answers "Could not
// establish connection. Receiving end does not exist." Such a request never arrived, so it is safe to
// resend: retry with backoff, a bounded number of times. An answer that never comes counts as none.
import { browser } from 'wxt/browser';
import type { ApiError, BackgroundRequest } from '@/lib/protocol/background-api';
import { withinTime } from '@/lib/time-limit';

const RETRY_DELAYS_MS = [50, 100, 200, 400, 800, 1600];
const NO_ANSWER = Symbol('no answer');

/** What a caller reports when the background could not be reached. */
export const UNAVAILABLE: { ok: false; error: ApiError } = {
  ok: false,
  error: { code: 'unavailable', message: 'The extension background did not answer.' },
};

function isNotDelivered(e: unknown): boolean {
  const message = e instanceof Error ? e.message : String(e);
  return /Receiving end does not exist|Could not establish connection/i.test(message);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The background's raw answer, unchecked, or null when it could not be reached (or, with `answerWaitMs`,
 * did not answer in that time). Never throws.
 */
export async function sendToBackground(request: BackgroundRequest, answerWaitMs = Infinity): Promise<{ raw: unknown } | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      // A request that got no answer may have arrived (and a decrypt counted in the replay cache): not resent.
      const sent: Promise<unknown> = browser.runtime.sendMessage(request);
      const raw = answerWaitMs === Infinity ? await sent : await withinTime(sent, answerWaitMs, () => NO_ANSWER);
      return raw === NO_ANSWER ? null : { raw };
    } catch (e) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (!isNotDelivered(e) || delay === undefined) return null;
      await sleep(delay);
    }
  }
}
