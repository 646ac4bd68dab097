// The side panel's side of the background: what each tab's content script reported (token text, public
// ciphertext, in page order, each with the conversation the site adapter names where it is shown), opened
// here for the panel as message frames open theirs, and sending from the panel through the tab, sealed for the
// tab's site and the conversation of the box it is written into.
// Per tab and frame only the newest document counts; a tab that closed or left its site is forgotten.
// Everything is bounded: tabs kept, tokens per report (schema), reports per second, work per token.
import { C2CError } from '@/lib/errors';
import { PART_LENGTH_RANGE, type SiteMode } from '@/lib/keyring/settings';
import type { DecryptResult, ResponseData } from '@/lib/protocol/background-api';
import { panelTokensSchema, type PanelMessage, type PanelOutcome } from '@/lib/protocol/api/panel';
import {
  isPanelBoxAnswer,
  isPanelWriteAnswer,
  PANEL_BOX,
  PANEL_MAX_REPORTS_PER_SECOND,
  PANEL_WATCH,
  PANEL_WRITE,
  type PanelToken,
} from '@/lib/protocol/api/panel-messages';
import { conversationSchema } from '@/lib/protocol/api/shared';
import { describeValidationError } from '@/lib/protocol/background-api';
import { enabledSiteOf, type IsEnabledSite } from './frame-entitlement';
import type { WireResponse } from './router';

/** Tabs whose reports are kept at once; the one reported least recently goes first. */
const MAX_TABS = 64;

export interface PanelSender {
  id?: string;
  url?: string;
  frameId?: number;
  tab?: { id?: number; url?: string };
}

/** The browser's tabs, as the panel needs them (index.ts passes the real ones; Node tests have none). */
export interface PanelTabs {
  /** Every frame of the tab gets the message; the first answer (or undefined) comes back. Throws without a content script. */
  sendToTab(tabId: number, message: unknown): Promise<unknown>;
  /** The tab's address now, undefined when the tab is gone. */
  tabUrl(tabId: number): Promise<string | undefined>;
  /** Whether the user enabled this web origin, as message frames are checked (frame-entitlement.ts). */
  isEnabledSite: IsEnabledSite;
}

/** Where a panel message is sent: the tab's site and, when the site's adapter names one, the box's conversation. */
export interface PanelChannel {
  site: string;
  conversation?: string;
}

export interface PanelDeps extends PanelTabs {
  /** As a message frame's decrypt: `context` names the site, `conversation` the conversation shown in. */
  decrypt(text: string, context: string | undefined, conversation: string | undefined): Promise<DecryptResult>;
  siteMode(site: string): Promise<SiteMode>;
  /** The site's remembered part length (the compose overlay's choice), if any. */
  partLength(site: string): Promise<number | null>;
  seal(recipients: string[], plaintext: string, maxPartLength: number | undefined, channel: PanelChannel): Promise<string[]>;
}

interface FrameReport {
  doc: string;
  seq: number;
  context: string | undefined;
  tokens: PanelToken[];
  total: number;
  times: number[];
}

/** A token as it is opened: where it is shown decides what it opens to (wrong-channel elsewhere). */
interface ShownToken extends PanelToken {
  context: string | undefined;
}

/** Results are kept per token text and conversation: the same text shown in another conversation is opened again. */
const resultKey = (token: PanelToken): string => JSON.stringify([token.text, token.conversation ?? null]);

interface TabState {
  site: string;
  mode: SiteMode;
  frames: Map<number, FrameReport>;
  revision: number;
  /** Opened tokens by resultKey (only those the tab still shows are kept). */
  results: Map<string, DecryptResult>;
  /** Tokens waiting to be opened, and whether a run is opening them. */
  queue: ShownToken[];
  opening: boolean;
  /** Forgotten (closed, navigated away, or dropped): openings still under way keep nothing. */
  gone: boolean;
  /** A panel showed this tab: its content script reports even in inline mode. */
  watched: boolean;
}

function originOf(url: string | undefined): string | undefined {
  try {
    const origin = url ? new URL(url).origin : undefined;
    return origin && origin !== 'null' ? origin : undefined;
  } catch {
    return undefined;
  }
}

const refuse = (code: 'forbidden' | 'bad-request', message: string): WireResponse => ({ ok: false, error: { code, message } });

export class PanelService {
  private readonly tabs = new Map<number, TabState>();

  constructor(private readonly deps: PanelDeps) {}

  /** A content script's report (content-requests.ts has checked it comes from our content script). */
  async report(raw: unknown, sender: PanelSender): Promise<WireResponse> {
    const tabId = sender.tab?.id;
    const site = originOf(sender.tab?.url);
    if (tabId === undefined || site === undefined) return refuse('forbidden', 'Only a content script in a web page may report tokens.');
    const parsed = panelTokensSchema.safeParse(raw);
    if (!parsed.success) return refuse('bad-request', describeValidationError(parsed.error));
    const report = parsed.data;
    const frameId = sender.frameId ?? 0;
    let tab = this.tabs.get(tabId);
    // A new top document, or another site in the tab: what the tab showed before is gone.
    const newTop = frameId === 0 && tab?.frames.get(0)?.doc !== report.doc;
    if (!tab || tab.site !== site || newTop) tab = this.reset(tabId, site, await this.deps.siteMode(site), tab?.watched ?? false);
    else this.touch(tabId, tab);
    const known = tab.frames.get(frameId);
    const now = Date.now();
    if (known && known.doc === report.doc) {
      if (report.seq <= known.seq) return { ok: true, mode: tab.mode };
      known.times = known.times.filter((t) => now - t < 1000);
      if (known.times.length >= PANEL_MAX_REPORTS_PER_SECOND) return refuse('bad-request', 'Too many reports: slow down.');
    }
    const times = known?.doc === report.doc ? [...known.times, now] : [now];
    // The replay cache's context is the document's own origin, as for message frames (the browser reports it).
    const context = originOf(sender.url);
    tab.frames.set(frameId, { doc: report.doc, seq: report.seq, context: context ? `page:${context}` : undefined, tokens: report.tokens, total: report.total, times });
    this.changed(tab);
    // A page that navigated while a panel showed it: its new document reports too.
    if (tab.watched && report.seq === 0) void this.deps.sendToTab(tabId, { type: PANEL_WATCH }).catch(() => undefined);
    return { ok: true, mode: tab.mode };
  }

  forgetTab(tabId: number): void {
    const tab = this.tabs.get(tabId);
    if (tab) tab.gone = true;
    this.tabs.delete(tabId);
  }

  /** The tab's address changed: another site there shows nothing of this one. */
  navigated(tabId: number, url: string): void {
    const tab = this.tabs.get(tabId);
    if (tab && originOf(url) !== tab.site) this.reset(tabId, originOf(url) ?? '', tab.mode, tab.watched);
  }

  async messages({ tabId, revision }: { tabId: number; revision?: number | undefined }): Promise<ResponseData<'getPanelMessages'>> {
    const url = await this.deps.tabUrl(tabId);
    if (url === undefined) {
      this.forgetTab(tabId);
      return { tabId, revision: 0, site: null, mode: 'inline', total: 0, messages: [] };
    }
    let tab = this.tabs.get(tabId);
    if (tab && originOf(url) !== tab.site) {
      this.navigated(tabId, url);
      tab = this.tabs.get(tabId);
    }
    if (!tab || !tab.watched) {
      // No report yet (inline mode, or the background restarted): ask the tab's content script for one.
      if (tab) tab.watched = true;
      else this.reset(tabId, originOf(url) ?? '', 'inline', true);
      void this.deps.sendToTab(tabId, { type: PANEL_WATCH }).catch(() => undefined);
      tab = this.tabs.get(tabId)!;
      void this.open(tab);
    }
    const site = tab.frames.size > 0 ? tab.site : null;
    const total = [...tab.frames.values()].reduce((n, f) => n + f.total, 0);
    if (revision === tab.revision) return { tabId, revision: tab.revision, site, mode: tab.mode, total, messages: null };
    return { tabId, revision: tab.revision, site, mode: tab.mode, total, messages: this.list(tab) };
  }

  async send({ tabId, recipients, plaintext }: { tabId: number; recipients: string[]; plaintext: string }): Promise<{ outcome: PanelOutcome }> {
    // The site the message is bound to is the tab's, as the browser reports it, and only one the user enabled:
    // never anything the page or the content script says.
    const site = await enabledSiteOf({ tab: { url: await this.deps.tabUrl(tabId) } }, this.deps.isEnabledSite);
    if (site === null) return { outcome: 'not-enabled' };
    let box: unknown;
    try {
      box = await this.deps.sendToTab(tabId, { type: PANEL_BOX });
    } catch {
      return { outcome: 'not-enabled' };
    }
    if (!isPanelBoxAnswer(box)) return { outcome: 'no-box' };
    if (box.outcome !== 'found') return { outcome: box.outcome };
    // Bounded as every conversation the background takes (conversationName makes no other): anything else is a
    // broken content script, and nothing is sealed or sent.
    const conversation = conversationSchema.optional().safeParse(box.conversation);
    if (!conversation.success) throw new C2CError('bad-request', 'The page’s compose box named its conversation in a form Crypt2Chat does not accept: nothing was sent.');
    const remembered = await this.deps.partLength(site);
    const limits = [box.maxLength, remembered ?? undefined].filter((n): n is number => n !== undefined);
    // Within the range the encrypt request accepts: a box declaring less than an armor part cannot take one anyway.
    const maxPartLength = limits.length > 0 ? Math.min(PART_LENGTH_RANGE.max, Math.max(PART_LENGTH_RANGE.min, Math.min(...limits))) : undefined;
    const channel = { site, ...(conversation.data !== undefined ? { conversation: conversation.data } : {}) };
    const parts = await this.deps.seal(recipients, plaintext, maxPartLength, channel);
    let written: unknown;
    try {
      written = await this.deps.sendToTab(tabId, { type: PANEL_WRITE, parts });
    } catch {
      return { outcome: 'not-enabled' };
    }
    return { outcome: isPanelWriteAnswer(written) && written.sent ? 'sent' : 'copy' };
  }

  private reset(tabId: number, site: string, mode: SiteMode, watched: boolean): TabState {
    const old = this.tabs.get(tabId);
    if (old) old.gone = true;
    const tab: TabState = { site, mode, frames: new Map(), revision: (old?.revision ?? 0) + 1, results: new Map(), queue: [], opening: false, gone: false, watched };
    this.touch(tabId, tab);
    return tab;
  }

  /** Keeps the tab as the most recently reported; the least recent goes beyond MAX_TABS. */
  private touch(tabId: number, tab: TabState): void {
    this.tabs.delete(tabId);
    this.tabs.set(tabId, tab);
    if (this.tabs.size > MAX_TABS) this.forgetTab(this.tabs.keys().next().value!);
  }

  /** Every token the tab shows now, with its frame's replay context, in page order (frames by id). */
  private tokensOf(tab: TabState): ShownToken[] {
    const frames = [...tab.frames.entries()].sort((a, b) => a[0] - b[0]);
    return frames.flatMap(([, f]) => f.tokens.map((token) => ({ ...token, context: f.context })));
  }

  private changed(tab: TabState): void {
    tab.revision++;
    const tokens = this.tokensOf(tab);
    const shown = new Set(tokens.map(resultKey));
    for (const key of tab.results.keys()) if (!shown.has(key)) tab.results.delete(key);
    // The newest first: a chat is read from its end. Opened only while a panel shows the tab: nothing is
    // decrypted for a page nobody reads beside (lazily, as frames open only what is on screen).
    tab.queue = tokens.filter((t) => !tab.results.has(resultKey(t))).reverse();
    if (tab.watched) void this.open(tab);
  }

  /** Opens the queued tokens one at a time (a flood cannot start thousands of openings at once). */
  private async open(tab: TabState): Promise<void> {
    if (tab.opening) return;
    tab.opening = true;
    try {
      for (let next = tab.queue.shift(); next !== undefined && !tab.gone; next = tab.queue.shift()) {
        const key = resultKey(next);
        if (tab.results.has(key)) continue;
        const result = await this.deps.decrypt(next.text, next.context, next.conversation).catch(
          (): DecryptResult => ({ status: 'error', reason: { code: 'internal', message: 'Something went wrong inside the extension.' } }),
        );
        tab.results.set(key, result);
        tab.revision++;
      }
    } finally {
      tab.opening = false;
    }
  }

  private list(tab: TabState): PanelMessage[] {
    const seen = new Set<string>();
    return this.tokensOf(tab).map((token): PanelMessage => {
      const { text } = token;
      const result = tab.results.get(resultKey(token));
      const copy = seen.has(text);
      seen.add(text);
      if (!result) return { status: 'pending' };
      if (result.status === 'error') return { status: 'error', reason: result.reason };
      // A contact card is pinned from its frame in the page, where it is shown whole.
      if (result.status === 'card') return { status: 'error', reason: { code: 'unsupported', message: 'A contact card: pin it from the page.' } };
      if (result.status === 'p2p') return { status: 'error', reason: { code: 'unsupported', message: 'A peer-to-peer chat token: use it from the page.' } };
      // A later copy of a genuine message on the page is the replay, shown without its text (as in frames).
      if (copy) return { status: 'error', reason: { code: 'replayed', message: 'An earlier copy of this message is on the page.' } };
      return { status: result.status, plaintext: result.plaintext, senderFingerprint: result.senderFingerprint, ...(result.senderHandle ? { senderHandle: result.senderHandle } : {}) };
    });
  }
}
