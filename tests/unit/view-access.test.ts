// Each view makes only its own requests (entrypoints/background/view-access.ts): every request type, taken
// from the API itself, asked from every view, through routeMessage with a service that records what ran.
import { describe, expect, it } from 'vitest';
import { routeMessage, type BackgroundService, type RouterContext } from '@/entrypoints/background/router';
import { VIEW_PAGES, viewOf, type View } from '@/entrypoints/background/sender';
import { VIEW_REQUESTS } from '@/entrypoints/background/view-access';
import { REQUEST_TYPES, type RequestType } from '@/lib/protocol/background-api';
import { SAMPLE } from './request-samples';

const OWN_ID = 'abcdefghijklmnopabcdefghijklmnop';
const OWN_BASE = `chrome-extension://${OWN_ID}/`;
/** The site every view's tab shows here (frame-entitlement.ts: message frames are served only on enabled sites). */
const ENABLED_SITE = 'https://chat.example.org';

/** A service whose every handler only notes that it ran (the router must not reach one it refuses). */
function recordingContext(): { ctx: RouterContext; ran: RequestType[] } {
  const ran: RequestType[] = [];
  const service = new Proxy({} as BackgroundService, {
    get: (_t, type: string) => async () => {
      ran.push(type as RequestType);
      return {};
    },
  });
  return { ctx: { ownId: OWN_ID, ownBaseUrl: OWN_BASE, service, isEnabledSite: async (origin) => origin === ENABLED_SITE }, ran };
}

const VIEWS = Object.keys(VIEW_PAGES) as View[];
const senderOf = (view: View, suffix = '') => ({ id: OWN_ID, url: `${OWN_BASE}${VIEW_PAGES[view].slice(1)}${suffix}`, tab: { id: 1, url: `${ENABLED_SITE}/room` } });

describe('background router: each view gets only its own requests', () => {
  it('has a sample for every request type of the API (the enumeration below is the whole API)', () => {
    expect(Object.keys(SAMPLE).sort()).toEqual([...REQUEST_TYPES].sort());
  });

  it.each(VIEWS)('%s: every request outside its set is forbidden and runs nothing; its own requests run', async (view) => {
    for (const type of REQUEST_TYPES) {
      const { ctx, ran } = recordingContext();
      const answer = await routeMessage({ type, ...SAMPLE[type] }, senderOf(view, '#fragment'), ctx);
      if (VIEW_REQUESTS[view].has(type)) {
        expect(answer, `${view} ${type}`).toEqual({ ok: true });
        expect(ran).toEqual([type]);
      } else {
        expect(answer, `${view} ${type}`).toEqual({ ok: false, error: { code: 'forbidden', message: `The ${view} may not make the request ${type}.` } });
        expect(ran).toEqual([]);
      }
    }
  });

  it('the frames inside host pages get exactly their small sets; backups only from the popup and options page', () => {
    expect([...VIEW_REQUESTS['message frame']].sort()).toEqual(['decrypt', 'getSecurity', 'joinP2PChat', 'pinCard']);
    expect([...VIEW_REQUESTS['compose frame']].sort()).toEqual(
      [
        'claimComposeTicket', 'encrypt', 'getContactCard', 'getConversationRecipients', 'getSecurity', 'getSitePartLength', 'listContacts',
        'saveConversationRecipients', 'saveSitePartLength', 'startP2PChat',
      ].sort(),
    );
    const backupViews = VIEWS.filter((v) => VIEW_REQUESTS[v].has('exportBackup') || VIEW_REQUESTS[v].has('restoreBackup'));
    expect(backupViews.sort()).toEqual(['options page', 'popup']);
    // Every request is some view's: none is dead.
    for (const type of REQUEST_TYPES) expect(VIEWS.some((v) => VIEW_REQUESTS[v].has(type)), type).toBe(true);
  });

  it('a content script, another extension, a look-alike origin or an unknown page is no view and is refused everything', async () => {
    const strangers = [
      { id: OWN_ID, url: 'https://chat.example.org/popup.html' }, // a content script: its URL is the host page's
      { id: 'other', url: `chrome-extension://other/popup.html` },
      { id: OWN_ID, url: `chrome-extension://${OWN_ID}.evil.example/popup.html` },
      { id: OWN_ID, url: `${OWN_BASE}popup.html.evil` },
      { id: OWN_ID, url: `${OWN_BASE}unlisted.html` },
      { id: OWN_ID, url: `${OWN_BASE}` },
      { id: OWN_ID },
      { id: OWN_ID, url: 'not a url' },
    ];
    for (const sender of strangers) {
      expect(viewOf(sender, OWN_ID, OWN_BASE), JSON.stringify(sender)).toBeNull();
      for (const type of REQUEST_TYPES) {
        const { ctx, ran } = recordingContext();
        expect(await routeMessage({ type, ...SAMPLE[type] }, sender, ctx)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
        expect(ran).toEqual([]);
      }
    }
  });

  it('the view comes from the path only: query and fragment (which a page can set) change nothing', () => {
    expect(viewOf(senderOf('message frame', '?view=popup#popup.html'), OWN_ID, OWN_BASE)).toBe('message frame');
    expect(viewOf(senderOf('compose frame', '#0123'), OWN_ID, OWN_BASE)).toBe('compose frame');
    expect(viewOf({ id: OWN_ID, url: `${OWN_BASE}message-frame.html/../popup.html` }, OWN_ID, OWN_BASE)).toBe('popup'); // the browser's own normalisation
  });

  it('a request the API does not know is a bad request, a known one of the wrong shape too (after the view check)', async () => {
    const { ctx, ran } = recordingContext();
    expect(await routeMessage({ type: 'launchMissiles' }, senderOf('popup'), ctx)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await routeMessage({ type: 'toString' }, senderOf('popup'), ctx)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await routeMessage({ type: 'encrypt', recipients: [] }, senderOf('compose frame'), ctx)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await routeMessage({ type: 'exportBackup', passphrase: 7 }, senderOf('message frame'), ctx)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(ran).toEqual([]);
  });
});
