// The background's message schemas: every request type of lib/protocol/background-api.ts (requestSchema,
// parseRequest) and its answers (parseResponse), the chat page port both ways (lib/protocol/chat-port.ts)
// and the panel's message guards (lib/protocol/api/panel-messages.ts), on mutated valid messages and
// arbitrary values. Parsing never throws; the union and the per-type schema agree; what parses once parses
// again to the same value.
import fc from 'fast-check';
import { parseRequest, parseResponse, REQUEST_TYPES, requestSchema, isRequestType, type RequestType } from '../../lib/protocol/background-api';
import { backgroundToPageSchema, pageToBackgroundSchema } from '../../lib/protocol/chat-port';
import { isPanelBox, isPanelBoxAnswer, isPanelWatch, isPanelWrite, isPanelWriteAnswer, PANEL_BOX, PANEL_WATCH, PANEL_WRITE } from '../../lib/protocol/api/panel-messages';
import { SAMPLE } from '../../tests/unit/request-samples';
import { check, type Target } from '../engine';
import { mutateValue } from '../mutate';

type Channel = 'request' | 'response' | 'page' | 'port-out' | 'panel';

interface Input {
  channel: Channel;
  /** For answers: which request's answer schema reads it. */
  type: RequestType;
  value: unknown;
}

const PIECES = ['type', 'ok', 'error', 'code', 'handle', 'site', 'text', 'recipients', 't', 'attach', 'send', 'message'];

export const apiTarget: Target<Input> = {
  name: 'api',
  covers: 'requestSchema / parseRequest() for every request type, parseResponse(), the chat port schemas both ways and the panel message guards, on mutated valid messages and arbitrary values; never throws, union and per-type schema agree, parsing is idempotent',
  smoke: 10_000,
  async setup() {
    const requests = REQUEST_TYPES.map((type) => ({ type, ...SAMPLE[type] }));
    const responses: unknown[] = [{ ok: true }, { ok: false, error: { code: 'malformed', message: 'no' } }, { ok: true, status: 'verified', plaintext: 'hi' }];
    const page: unknown[] = [{ t: 'attach', chatId: 'A'.repeat(22) }, { t: 'send', text: 'hi', ttlMs: 10_000 }, { t: 'end' }, { t: 'ping' }];
    const portOut: unknown[] = [
      { t: 'contact', handle: 'bob', safetyNumber: '1'.repeat(60), verified: true }, { t: 'state', state: 'open' },
      { t: 'message', id: '0'.repeat(16), direction: 'in', text: 'hi', at: 1, expiresAt: 2 }, { t: 'expired', id: '0'.repeat(16) },
      { t: 'lost', count: 2 }, { t: 'error', code: 'malformed', reason: 'x', fatal: false }, { t: 'pong' },
    ];
    const panel: unknown[] = [{ type: PANEL_WATCH }, { type: PANEL_BOX }, { type: PANEL_WRITE, parts: ['a', 'b'] }, { outcome: 'found', maxLength: 400, conversation: '/x' }, { sent: true }];
    const pools: Record<Channel, unknown[]> = { request: requests, response: responses, page, 'port-out': portOut, panel };
    // Arbitrary values (null prototypes, boxed strings, sparse arrays…) drawn once: fast-check per input is slow.
    const arbitrary = fc.sample(fc.anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true, withSparseArray: true }), { numRuns: 5000, seed: 1 });
    return {
      generate(rng) {
        const channel = rng.pick(['request', 'request', 'request', 'response', 'page', 'port-out', 'panel'] as const);
        const pool = pools[channel];
        const type = rng.pick(REQUEST_TYPES);
        if (rng.chance(0.05)) return { channel, type, value: rng.pick(arbitrary) };
        return { channel, type, value: mutateValue(rng, rng.pick(pool), PIECES, pool) };
      },
      run({ channel, type: answerTo, value }) {
        if (channel === 'request') {
          const union = requestSchema.safeParse(value);
          const type = (value as { type?: unknown } | null)?.type;
          if (isRequestType(type)) {
            const own = parseRequest(type, value);
            check(own.success === union.success, `requestSchema and parseRequest("${type}") disagree`);
            if (own.success) idempotent(requestSchema, own.data);
          } else check(!union.success, 'a request of no known type parsed');
          if (!union.success) throw union.error;
          return;
        }
        if (channel === 'response') {
          const result = parseResponse(answerTo, value);
          check(typeof result === 'object' && typeof result.ok === 'boolean', 'parseResponse returned something that is not a result');
          return;
        }
        if (channel === 'panel') {
          for (const guard of [isPanelWatch, isPanelBox, isPanelWrite, isPanelBoxAnswer, isPanelWriteAnswer]) check(typeof guard(value) === 'boolean', 'a panel guard returned a non-boolean');
          return;
        }
        const schema = channel === 'page' ? pageToBackgroundSchema : backgroundToPageSchema;
        const parsed = schema.safeParse(value);
        if (!parsed.success) throw parsed.error;
        idempotent(schema, parsed.data);
      },
      show: ({ channel, type, value }) => `${channel}${channel === 'response' ? ` to ${type}` : ''}: ${safeJson(value)}`,
    };
  },
};

function idempotent(schema: { safeParse(v: unknown): { success: boolean; data?: unknown } }, data: unknown): void {
  const again = schema.safeParse(structuredClone(data));
  check(again.success && safeJson(again.data) === safeJson(data), 'a parsed message does not parse again to the same value');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v === undefined ? '<undefined>' : v)) ?? 'undefined';
  } catch {
    return String(value);
  }
}
