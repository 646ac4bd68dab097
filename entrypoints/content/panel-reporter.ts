// Side panel support in the content script: keeps the tokens the scanner found in page order and reports
// their text (public ciphertext) to the background, which decrypts them for the side panel. Nothing is
// placed in the page. Reports start at once in panel mode, and in inline mode only once a panel shows this
// tab (PANEL_WATCH); then after each change, at most one per PANEL_REPORT_MS. Each reported token carries
// the conversation the site adapter names where it is shown, asked at each report (only for the tokens
// reported), so a token is read for the conversation the page shows it in now.
// A chat adds messages all the time and few are tokens: a batch of additions with no token in it costs one
// question to the adapter (the newest token's conversation, which changes when the page shows another
// conversation), and tokens are checked against their text only after the page changed a token's text node in place.
import { browser } from 'wxt/browser';
import { withinTime } from '@/lib/time-limit';
import { PANEL_DOC_HEX_LENGTH, PANEL_MAX_CHARS, PANEL_MAX_TOKENS, PANEL_REPORT_MS, PANEL_TOKENS, type PanelToken, type PanelTokens } from '@/lib/protocol/api/panel-messages';
import type { FoundToken } from './token-scanner';

/** The end of a token's text: still in its anchor's text while the page shows that token unchanged. */
const TAIL_LENGTH = 16;

interface Entry {
  text: string;
  anchor: Text;
  tail: string;
}

/** Sends one report; resolves to the site's mode when the background answered. */
export type SendReport = (report: PanelTokens) => Promise<'inline' | 'panel' | undefined>;

function randomHex(chars: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(chars / 2));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const follows = (a: Node, b: Node) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;

export class PanelReporter {
  /** In document order (a chat appends: nearly every token goes at the end, after one comparison). */
  private entries: Entry[] = [];
  private readonly doc = randomHex(PANEL_DOC_HEX_LENGTH);
  private seq = 0;
  private active = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSentAt = 0;
  /** What the last report held, so an unchanged list is not sent again. */
  private lastSignature = '';
  /** Tokens were added or removed since the last report. */
  private dirty = true;
  /** The page changed a token's text node in place since the last report: its text may have changed. */
  private textTouched = false;
  /** Every text node a token was found in (typing in an editor changes others: those cost nothing here). */
  private readonly anchors = new WeakSet<Text>();
  /** The conversation the last report gave its newest token. */
  private newestConversation: string | undefined;

  constructor(
    private readonly send: SendReport,
    /** The site adapter's name for the conversation an element of the page belongs to, if it names one. */
    private readonly conversationOf: (place: Element) => string | undefined,
  ) {}

  /** The first report (no tokens): tells the background this document exists and learns the site's mode. */
  hello(): Promise<'inline' | 'panel' | undefined> {
    return this.send({ type: PANEL_TOKENS, doc: this.doc, seq: this.seq++, tokens: [], total: 0 });
  }

  /** Reports from now on (panel mode, or a panel opened for this tab); the next report is sent whatever it holds. */
  activate(): void {
    this.active = true;
    this.lastSignature = '';
    this.dirty = true;
    this.schedule();
  }

  add(token: FoundToken): void {
    const entry = { text: token.text, anchor: token.anchor, tail: token.text.slice(-TAIL_LENGTH) };
    this.anchors.add(token.anchor);
    const last = this.entries.at(-1);
    if (!last || follows(last.anchor, entry.anchor)) this.entries.push(entry);
    else {
      // The same node found again (its text changed): the old entry goes.
      this.entries = this.entries.filter((e) => e.anchor !== entry.anchor);
      let lo = 0;
      let hi = this.entries.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (follows(this.entries[mid]!.anchor, entry.anchor)) lo = mid + 1;
        else hi = mid;
      }
      this.entries.splice(lo, 0, entry);
    }
    this.dirty = true;
    this.schedule();
  }

  /** Called on every batch of additions: the next report (if reporting) sees them. */
  changed(): void {
    this.schedule();
  }

  /** Called when the page changed a text node in place (characterData): if it held a token, the next report checks. */
  textChanged(node: Node): void {
    if (!this.anchors.has(node as Text)) return;
    this.textTouched = true;
    this.schedule();
  }

  /**
   * Called once per burst of removals: tokens that left the page are dropped now, reporting or not, so a
   * chat that trims or virtualises its list does not have every removed message kept alive here.
   */
  forgetRemoved(): void {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.anchor.isConnected);
    if (this.entries.length !== before) this.dirty = true;
    this.schedule();
  }

  private schedule(): void {
    if (!this.active || this.timer !== undefined) return;
    const wait = Math.max(0, this.lastSentAt + PANEL_REPORT_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.report();
    }, wait);
  }

  private conversationAt(anchor: Text): string | undefined {
    // Text right under a shadow root has no parent element: its document stands in.
    return this.conversationOf(anchor.parentElement ?? anchor.ownerDocument.documentElement);
  }

  private report(): void {
    if (this.textTouched) {
      this.textTouched = false;
      // Tokens whose text left the page, or changed under it, are no longer shown.
      const before = this.entries.length;
      this.entries = this.entries.filter((e) => e.anchor.isConnected && e.anchor.data.includes(e.tail));
      if (this.entries.length !== before) this.dirty = true;
    }
    const newest = this.entries.at(-1);
    if (!this.dirty && (!newest || this.conversationAt(newest.anchor) === this.newestConversation)) return;
    this.dirty = false;
    const tokens: PanelToken[] = [];
    let chars = 0;
    for (let i = this.entries.length - 1; i >= 0 && tokens.length < PANEL_MAX_TOKENS; i--) {
      const { text, anchor } = this.entries[i]!;
      if (chars + text.length > PANEL_MAX_CHARS) break;
      chars += text.length;
      const conversation = this.conversationAt(anchor);
      tokens.push(conversation === undefined ? { text } : { text, conversation });
    }
    this.newestConversation = tokens[0]?.conversation;
    tokens.reverse();
    // A conversation that changed counts as a change: the token is read again for the new one.
    const signature = JSON.stringify([this.entries.length, tokens.map((t) => [t.text.slice(-TAIL_LENGTH), t.conversation ?? null])]);
    if (signature === this.lastSignature) return;
    this.lastSignature = signature;
    this.lastSentAt = performance.now();
    void this.send({ type: PANEL_TOKENS, doc: this.doc, seq: this.seq++, tokens, total: this.entries.length });
  }
}

const RETRY_DELAYS_MS = [100, 300, 900, 2700];
const ANSWER_WAIT_MS = 3000;

/**
 * Sends a report through runtime messaging (the page cannot reach it). The background may be asleep or
 * restarting: a message that never arrived is sent again a few times. Undefined when it never answered.
 */
export async function sendReport(report: PanelTokens): Promise<'inline' | 'panel' | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      const answer: unknown = await withinTime(browser.runtime.sendMessage(report), ANSWER_WAIT_MS, () => undefined);
      const mode = (answer as { mode?: unknown } | undefined)?.mode;
      return mode === 'inline' || mode === 'panel' ? mode : undefined;
    } catch {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) return undefined;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
