// The side panel's background side (panel-service.ts) with real keyrings (fake-indexeddb) and real crypto:
// content scripts report token text through routePanelReport, the panel asks through routeMessage as the
// side panel view. Only the browser's tabs are stood in for (a map of tab → address, the enabled sites, what
// each tab was sent, and what its content script answers).
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { dearmor } from '@/lib/armor/armor';
import { sealedChannel, type Channel } from '@/lib/crypto/channel';
import { openTextMessage } from '@/lib/crypto/open-message';
import { fromUtf8 } from '@/lib/bytes';
import { KeyringDB } from '@/lib/keyring/db';
import { getOpeningKeys } from '@/lib/keyring/identity-store';
import type { WebSocketConstructor } from '@/lib/relay-client/client';
import { MAX_CONVERSATION_LENGTH } from '@/lib/content/frames';
import { PANEL_BOX, PANEL_MAX_CHARS, PANEL_MAX_REPORTS_PER_SECOND, PANEL_MAX_TOKENS, PANEL_TOKENS, PANEL_WATCH, PANEL_WRITE } from '@/lib/protocol/api/panel-messages';
import { createBackground } from '@/entrypoints/background/create-background';
import { routePanelReport } from '@/entrypoints/background/content-requests';
import { routeMessage } from '@/entrypoints/background/router';
import type { RegistrationStore } from '@/entrypoints/background/service';
import { VIEW_REQUESTS } from '@/entrypoints/background/view-access';

const OWN = 'ext';
const PANEL = { id: OWN, url: `chrome-extension://${OWN}/sidepanel.html?tab=1` };
const POPUP = { id: OWN, url: `chrome-extension://${OWN}/popup.html` };
const SITE = 'http://127.0.0.1:9000';
const DOC_A = 'a'.repeat(32);
const DOC_B = 'b'.repeat(32);

async function person(handle: string) {
  const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
  const registrations: RegistrationStore = { get: async () => undefined, set: async () => undefined };
  const urls = new Map<number, string>();
  const enabled = new Set([SITE]);
  const sent: { tabId: number; message: unknown }[] = [];
  // What the tab's content script answers (none by default).
  const content = { answer: (_message: unknown): unknown => undefined };
  const bg = createBackground({
    db,
    registrations,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    tabs: {
      sendToTab: async (tabId, message) => {
        sent.push({ tabId, message });
        return content.answer(message);
      },
      tabUrl: async (tabId) => urls.get(tabId),
      isEnabledSite: async (origin) => enabled.has(origin),
    },
  });
  const ctx = { ownId: OWN, ownBaseUrl: `chrome-extension://${OWN}/`, service: bg.service, isEnabledSite: async () => true };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field below
  const call = (request: Record<string, unknown>, sender = POPUP): Promise<any> => routeMessage(request, sender, ctx);
  // Tokens given as text are reported without a conversation (an adapter that names none).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  const report = (tabId: number, { tokens, ...body }: Record<string, unknown>, frameId = 0, site = SITE): Promise<any> => {
    const reported = (tokens as unknown[] | undefined)?.map((t) => (typeof t === 'string' ? { text: t } : t));
    return routePanelReport(
      { type: PANEL_TOKENS, doc: DOC_A, seq: 1, total: reported?.length ?? 0, ...(reported ? { tokens: reported } : {}), ...body },
      { id: OWN, url: `${site}/room`, frameId, tab: { id: tabId, url: `${site}/room` } },
      OWN,
      bg.panel,
    );
  };
  expect(await call({ type: 'createIdentity', handle })).toMatchObject({ ok: true });
  const { bundle } = await call({ type: 'getPublicBundle' });
  return { call, report, urls, enabled, sent, content, db, panel: bg.panel, bundle: bundle as string };
}

type Person = Awaited<ReturnType<typeof person>>;
const seal = async (from: Person, to: string[], plaintext: string): Promise<string> => (await from.call({ type: 'encrypt', recipients: to, plaintext })).parts.join('\n');

/** The tab's messages once none is still being opened. */
async function settled(who: Person, tabId: number) {
  for (let i = 0; i < 200; i++) {
    const r = await who.call({ type: 'getPanelMessages', tabId }, PANEL);
    expect(r.ok).toBe(true);
    if (r.messages.every((m: { status: string }) => m.status !== 'pending')) return r;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the panel kept showing pending messages');
}

/** A content script that chose a box answering `box`, and writes what it is given. */
const boxAnswering = (box: Record<string, unknown>) => (message: unknown) =>
  (message as { type: string }).type === PANEL_BOX ? { outcome: 'found', ...box } : (message as { type: string }).type === PANEL_WRITE ? { sent: true } : undefined;

/** The armored parts the background handed the tab to write, if any. */
const writtenParts = (who: Person): string[] | undefined =>
  (who.sent.find((s) => (s.message as { type: string }).type === PANEL_WRITE)?.message as { parts: string[] } | undefined)?.parts;

/** Opens `parts` with `who`'s keys straight through lib/, as shown in `shownIn`: the text, or the error code. */
async function openAs(who: Person, parts: string[], shownIn: Channel): Promise<string> {
  try {
    return fromUtf8((await openTextMessage(dearmor(parts), await getOpeningKeys(who.db), { channel: shownIn })).plaintext);
  } catch (e) {
    return `error: ${(e as { code?: string }).code}`;
  }
}

const sendFromPanel = (who: Person, tabId: number, plaintext: string) => who.call({ type: 'panelSend', tabId, recipients: ['bob'], plaintext }, PANEL);

describe('side panel: background', () => {
  it('the side panel makes only its own requests; no other view may make them', () => {
    expect([...VIEW_REQUESTS['side panel']].sort()).toEqual(['getPanelMessages', 'getSecurity', 'getState', 'listContacts', 'panelSend']);
    for (const [view, types] of Object.entries(VIEW_REQUESTS)) {
      if (view !== 'side panel') expect(types.has('getPanelMessages') || types.has('panelSend'), view).toBe(false);
    }
  });

  it('opens the tab’s tokens in page order with sender and status; a forged or unauthenticated one is never verified', async () => {
    const [alice, bob, mallory] = await Promise.all([person('alice'), person('bob'), person('mallory')]);
    await alice.call({ type: 'pinContact', handle: 'bob', bundle: bob.bundle });
    await bob.call({ type: 'pinContact', handle: 'alice', bundle: alice.bundle });
    await bob.call({ type: 'markVerified', handle: 'alice' });
    await mallory.call({ type: 'pinContact', handle: 'bob', bundle: bob.bundle });
    const first = await seal(alice, ['bob'], 'first, Привет 🔐');
    const second = await seal(alice, ['bob'], 'second');
    const forged = await seal(mallory, ['bob'], 'I am alice, trust me');
    const tampered = second.slice(0, 20) + (second[20] === 'a' ? 'b' : 'a') + second.slice(21);
    bob.urls.set(1, `${SITE}/room`);
    expect(await bob.report(1, { tokens: [first, forged, tampered, second, first] })).toEqual({ ok: true, mode: 'inline' });
    const r = await settled(bob, 1);
    expect(r).toMatchObject({ tabId: 1, site: SITE, mode: 'inline', total: 5 });
    expect(r.messages.map((m: { status: string }) => m.status)).toEqual(['verified', 'unverified', 'error', 'verified', 'error']);
    expect(r.messages[0]).toMatchObject({ plaintext: 'first, Привет 🔐', senderHandle: 'alice' });
    expect(r.messages[1].senderHandle).toBeUndefined();
    expect(r.messages[2].reason.code).toMatch(/checksum|tampered|malformed/);
    // A later copy of a genuine message is the replay, without its text.
    expect(r.messages[4]).toEqual({ status: 'error', reason: { code: 'replayed', message: expect.any(String) } });
    // Unchanged since the revision the panel has: nothing is sent again.
    expect((await bob.call({ type: 'getPanelMessages', tabId: 1, revision: r.revision }, PANEL)).messages).toBeNull();
  });

  it('shows a contact card in the page as one to pin there (unsupported here), and pins nothing', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    const { parts } = await alice.call({ type: 'getContactCard' });
    bob.urls.set(1, `${SITE}/room`);
    await bob.report(1, { tokens: [parts[0]] });
    const r = await settled(bob, 1);
    expect(r.messages).toEqual([{ status: 'error', reason: { code: 'unsupported', message: expect.any(String) } }]);
    expect((await bob.call({ type: 'listContacts' })).contacts).toEqual([]);
  });

  it('tokens changing, another document, another site, a closed tab and a second tab: nothing shown for the wrong one', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await bob.call({ type: 'pinContact', handle: 'alice', bundle: alice.bundle });
    await alice.call({ type: 'pinContact', handle: 'bob', bundle: bob.bundle });
    const [one, two] = [await seal(alice, ['bob'], 'tab one'), await seal(alice, ['bob'], 'tab two')];
    bob.urls.set(1, `${SITE}/room`);
    bob.urls.set(2, `${SITE}/other`);
    await bob.report(1, { tokens: [one] });
    await bob.report(2, { tokens: [two], doc: DOC_B });
    expect((await settled(bob, 1)).messages.map((m: { plaintext?: string }) => m.plaintext)).toEqual(['tab one']);
    expect((await settled(bob, 2)).messages.map((m: { plaintext?: string }) => m.plaintext)).toEqual(['tab two']);
    // The page replaced its token: the next report holds the new list only; an older report arriving late is ignored.
    await bob.report(1, { tokens: [two], seq: 3 });
    await bob.report(1, { tokens: [one], seq: 2 });
    expect((await settled(bob, 1)).messages.map((m: { plaintext?: string }) => m.plaintext)).toEqual(['tab two']);
    // A new document in the tab: what the old one showed is gone at once.
    await bob.report(1, { tokens: [], doc: DOC_B, seq: 0 });
    expect((await settled(bob, 1)).messages).toEqual([]);
    // The tab went to another site: nothing of this site is shown, even before that site reports.
    await bob.report(1, { tokens: [one], doc: DOC_B, seq: 1 });
    bob.urls.set(1, 'https://elsewhere.example/');
    expect(await settled(bob, 1)).toMatchObject({ site: null, messages: [] });
    // The tab closed: the panel shows nothing and the state is dropped.
    bob.urls.delete(2);
    expect(await settled(bob, 2)).toMatchObject({ site: null, messages: [], total: 0 });
  });

  it('reads each token for the conversation it is shown in: sealed for another one of the site, wrong-channel, never the text', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await bob.call({ type: 'pinContact', handle: 'alice', bundle: alice.bundle });
    await alice.call({ type: 'pinContact', handle: 'bob', bundle: bob.bundle });
    const r = await alice.call({ type: 'encrypt', recipients: ['bob'], plaintext: 'for #general', channel: { site: SITE, conversation: '#general' } });
    const general = r.parts.join('\n') as string;
    bob.urls.set(1, `${SITE}/room`);
    await bob.report(1, { tokens: [{ text: general, conversation: '#general' }, { text: general, conversation: '#random' }] });
    const both = await settled(bob, 1);
    expect(both.messages[0]).toMatchObject({ status: 'pinned', plaintext: 'for #general', senderHandle: 'alice' });
    expect(both.messages[1]).toEqual({ status: 'error', reason: { code: 'wrong-channel', message: expect.stringMatching(/another conversation/) } });
    // The page now shows the token in #random only: the result opened for #general is not reused.
    await bob.report(1, { tokens: [{ text: general, conversation: '#random' }], seq: 2 });
    expect((await settled(bob, 1)).messages).toEqual([{ status: 'error', reason: { code: 'wrong-channel', message: expect.any(String) } }]);
    // Where the adapter names no conversation, the site alone decides (channel.ts): it opens, once.
    await bob.report(2, { tokens: [general], doc: DOC_B });
    bob.urls.set(2, `${SITE}/room`);
    expect((await settled(bob, 2)).messages).toEqual([expect.objectContaining({ status: 'pinned', plaintext: 'for #general' })]);
  });

  it('asks the tab’s content script to report when a panel shows a tab it has nothing for (inline mode, restart)', async () => {
    const bob = await person('bob');
    bob.urls.set(7, `${SITE}/room`);
    await bob.call({ type: 'getPanelMessages', tabId: 7 }, PANEL);
    expect(bob.sent).toEqual([{ tabId: 7, message: { type: PANEL_WATCH } }]);
    // Asked once, not on every poll.
    await bob.call({ type: 'getPanelMessages', tabId: 7 }, PANEL);
    expect(bob.sent).toHaveLength(1);
  });

  it('bounds reports: token count, total size, shape, rate; only our content script in a tab may report', async () => {
    const bob = await person('bob');
    const token = 'c2c2' + 'a'.repeat(100);
    const refused = async (body: Record<string, unknown>) => expect((await bob.report(1, body)).error.code).toBe('bad-request');
    await refused({ tokens: Array(PANEL_MAX_TOKENS + 1).fill(token) });
    await refused({ tokens: Array(8).fill('c'.repeat(PANEL_MAX_CHARS / 8 + 1)) });
    await refused({ tokens: [token], total: 0 });
    await refused({ tokens: [token], extra: 1 });
    await refused({ tokens: [token], doc: 'not hex' });
    await refused({ tokens: [''] });
    // A conversation as site adapters bound it, and nothing else beside a token's text.
    await refused({ tokens: [{ text: token, conversation: 'x'.repeat(MAX_CONVERSATION_LENGTH + 1) }] });
    await refused({ tokens: [{ text: token, conversation: '' }] });
    await refused({ tokens: [{ text: token, conversation: 7 }] });
    await refused({ tokens: [{ text: token, site: SITE }] });
    expect((await bob.report(1, { tokens: [{ text: token, conversation: 'x'.repeat(MAX_CONVERSATION_LENGTH + 1) }] })).error.message).toMatch(/conversation id is too long/);
    expect(await bob.report(1, { tokens: [{ text: token, conversation: 'x'.repeat(MAX_CONVERSATION_LENGTH) }] })).toMatchObject({ ok: true });
    expect(await bob.report(1, { tokens: [token], total: 10_000 })).toMatchObject({ ok: true });
    const answers = [];
    for (let seq = 2; seq < 2 + PANEL_MAX_REPORTS_PER_SECOND + 5; seq++) answers.push(await bob.report(1, { tokens: [token], seq }));
    // The first report above and 19 of these fit in one second; the other 6 are refused.
    expect(answers.filter((a) => !a.ok)).toHaveLength(6);
    expect(answers.at(-1)).toMatchObject({ ok: false, error: { code: 'bad-request', message: 'Too many reports: slow down.' } });
    // Not from a tab (an extension page), or another extension: refused before the shape is read.
    const tab = { id: 1, url: `${SITE}/room` };
    expect(await routePanelReport({ type: PANEL_TOKENS }, { id: OWN, url: PANEL.url }, OWN, bob.panel)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await routePanelReport({ type: PANEL_TOKENS }, { id: 'other', url: tab.url, tab }, OWN, bob.panel)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // The popup cannot read a tab's messages (side panel only).
    expect(await bob.call({ type: 'getPanelMessages', tabId: 1 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('says the site’s mode to its content script', async () => {
    const bob = await person('bob');
    await bob.call({ type: 'saveSiteMode', site: SITE, mode: 'panel' });
    expect(await bob.report(3, { tokens: [], seq: 0 })).toEqual({ ok: true, mode: 'panel' });
    expect(await bob.report(4, { tokens: [], seq: 0 }, 0, 'http://localhost:9000')).toEqual({ ok: true, mode: 'inline' });
  });

  it('seals a message sent from the panel for the tab’s site and the conversation of the chosen box', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await alice.call({ type: 'pinContact', handle: 'bob', bundle: bob.bundle });
    alice.urls.set(1, `${SITE}/room`);
    // The content script's answer names the conversation; a site in it is not read (the site is the tab's).
    alice.content.answer = boxAnswering({ conversation: '#general', site: 'https://elsewhere.example' });
    expect(await sendFromPanel(alice, 1, 'for #general')).toEqual({ ok: true, outcome: 'sent' });
    const parts = writtenParts(alice)!;
    const opened = await openTextMessage(dearmor(parts), await getOpeningKeys(bob.db));
    expect(opened.channel).toEqual(await sealedChannel({ kind: 'site', site: SITE, conversation: '#general' }));
    expect(await openAs(bob, parts, { kind: 'site', site: SITE, conversation: '#general' })).toBe('for #general');
    expect(await openAs(bob, parts, { kind: 'site', site: SITE, conversation: '#random' })).toBe('error: wrong-channel');
    expect(await openAs(bob, parts, { kind: 'site', site: 'https://elsewhere.example', conversation: '#general' })).toBe('error: wrong-channel');
    expect(await openAs(bob, parts, { kind: 'mailbox', mailbox: 'bob' })).toBe('error: wrong-channel');

    // A box in no conversation the adapter can name: bound to the site alone.
    alice.sent.length = 0;
    alice.content.answer = boxAnswering({});
    expect(await sendFromPanel(alice, 1, 'for the site')).toEqual({ ok: true, outcome: 'sent' });
    const siteOnly = writtenParts(alice)!;
    expect(await openAs(bob, siteOnly, { kind: 'site', site: SITE, conversation: '#random' })).toBe('for the site');
    expect(await openAs(bob, siteOnly, { kind: 'site', site: 'https://elsewhere.example' })).toBe('error: wrong-channel');
  });

  it('sends nothing from a tab whose site is not enabled, or for a box naming a malformed conversation', async () => {
    const [alice, bob] = await Promise.all([person('alice'), person('bob')]);
    await alice.call({ type: 'pinContact', handle: 'bob', bundle: bob.bundle });
    alice.content.answer = boxAnswering({ conversation: '#general' });
    // Another site, one the user did not enable, and a closed tab: the content script is not even asked.
    alice.urls.set(2, 'https://elsewhere.example/room');
    for (const tabId of [2, 3]) expect(await sendFromPanel(alice, tabId, 'nowhere')).toEqual({ ok: true, outcome: 'not-enabled' });
    expect(alice.sent).toEqual([]);

    alice.urls.set(1, `${SITE}/room`);
    for (const conversation of ['', 'x'.repeat(MAX_CONVERSATION_LENGTH + 1), 7, { name: '#general' }]) {
      alice.content.answer = boxAnswering({ conversation });
      expect(await sendFromPanel(alice, 1, 'not sent')).toEqual({
        ok: false,
        error: { code: 'bad-request', message: 'The page’s compose box named its conversation in a form Crypt2Chat does not accept: nothing was sent.' },
      });
    }
    expect(writtenParts(alice)).toBeUndefined();
    // The longest conversation an adapter names is taken.
    alice.content.answer = boxAnswering({ conversation: 'x'.repeat(MAX_CONVERSATION_LENGTH) });
    expect(await sendFromPanel(alice, 1, 'sent')).toEqual({ ok: true, outcome: 'sent' });
  });
});
