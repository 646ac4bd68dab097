// A message frame is served only in a tab that shows a site the user enabled (frame-entitlement.ts): any
// other site embedding it gets one fixed refusal for every request, before the request is read or any
// handler runs, whatever the token.
import { describe, expect, it } from 'vitest';
import { routeMessage, type BackgroundService, type RouterContext } from '@/entrypoints/background/router';
import { NOT_ENABLED_HERE } from '@/entrypoints/background/frame-entitlement';
import { SAMPLE } from './request-samples';

const OWN = 'abcdefghijklmnopabcdefghijklmnop';
const FRAME = `chrome-extension://${OWN}/message-frame.html#0:c2c2`;

function context(enabled: string[]): { ctx: RouterContext; ran: string[] } {
  const ran: string[] = [];
  const service = new Proxy({} as BackgroundService, { get: (_t, type: string) => async () => (ran.push(type), {}) });
  return { ctx: { ownId: OWN, ownBaseUrl: `chrome-extension://${OWN}/`, service, isEnabledSite: async (o) => enabled.includes(o) }, ran };
}

describe('message frames on sites the user did not enable', () => {
  const refused = { ok: false, error: { code: 'not-enabled', message: NOT_ENABLED_HERE } };

  it.each([
    ['a site not enabled', { url: 'https://news.example.com/article' }],
    ['a tab whose address the browser does not tell us (no permission)', {}],
    ['no tab at all', undefined],
    ['an enabled host on another scheme', { url: 'ftp://chat.example.org/' }],
    ['an unparsable address', { url: 'not a url' }],
  ])('%s: every request is refused the same way and nothing runs', async (_, tab) => {
    const { ctx, ran } = context(['https://chat.example.org']);
    for (const type of ['decrypt', 'getSecurity'] as const) {
      for (const text of ['c2c2 a token for you', 'someone else’s token', '\u0000garbage']) {
        const request = type === 'decrypt' ? { type, text } : { type, ...SAMPLE[type] };
        expect(await routeMessage(request, { id: OWN, url: FRAME, ...(tab ? { tab } : {}) }, ctx)).toEqual(refused);
      }
    }
    expect(ran).toEqual([]);
  });

  it('an enabled site: the frame is served', async () => {
    const { ctx, ran } = context(['https://chat.example.org']);
    const answer = await routeMessage({ type: 'getSecurity' }, { id: OWN, url: FRAME, tab: { url: 'https://chat.example.org/room/1' } }, ctx);
    expect(answer).toEqual({ ok: true });
    expect(ran).toEqual(['getSecurity']);
  });

  it('a decrypt is read in the tab\'s own site, whatever context the frame named', async () => {
    const seen: unknown[] = [];
    const service = new Proxy({} as BackgroundService, { get: () => async (request: unknown) => (seen.push(request), { result: { status: 'error', reason: { code: 'malformed', message: 'x' } } }) });
    const ctx: RouterContext = { ownId: OWN, ownBaseUrl: `chrome-extension://${OWN}/`, service, isEnabledSite: async () => true };
    await routeMessage({ type: 'decrypt', text: 'c2c2', context: 'page:https://elsewhere.example' }, { id: OWN, url: FRAME, tab: { url: 'https://chat.example.org/room' } }, ctx);
    expect(seen).toEqual([{ type: 'decrypt', text: 'c2c2', context: 'page:https://chat.example.org' }]);
  });

  it('other views are not gated by the tab (a popup has none)', async () => {
    const { ctx, ran } = context([]);
    expect(await routeMessage({ type: 'getSecurity' }, { id: OWN, url: `chrome-extension://${OWN}/popup.html` }, ctx)).toEqual({ ok: true });
    expect(ran).toEqual(['getSecurity']);
  });
});
