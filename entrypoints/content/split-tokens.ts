// Tokens a host split into several consecutive messages of one sender (IRC carries 512 bytes a line): the
// first message holds a head (lib/armor/detect.ts), the following ones of the same sender hold nothing but
// symbols. Each head is followed through the rows after it (message-rows.ts), skipping other senders'
// messages; the armor's own length and CRC decide what belongs (extendHead), never the page.
// A head whose rest has not arrived waits a moment before it is shown as incomplete, and is still completed
// (its error frame then replaced) if the rest comes later. Work is bounded: few heads wait, few rows are read.
import { extendHead, type HeadRef, type HeadStep } from '@/lib/armor/detect';
import { messageTextIn, nextRow, ownSender, rowOf, senderOf } from './message-rows';

/** Most heads waiting for their rest at once; the oldest is given up first. */
const MAX_PENDING = 32;
/** Rows after the head looked at (other senders' included) before the head is given up. */
const MAX_FOLLOW_ROWS = 32;
/** How long a head waits before it is shown as incomplete (the host's next lines usually come at once). */
const GRACE_MS = 1500;
/** How long a head shown as incomplete may still be completed. */
const KEEP_MS = 60_000;

/** A token to show: its text as one string, the text nodes that carry it, and where its frame goes. */
export interface JoinedToken {
  key: string;
  text: string;
  anchor: Text;
  pieces: Text[];
  /** The key and anchor of the incomplete token this one completes, whose frame it replaces. */
  replaces?: { key: string; anchor: Text };
}

interface Pending {
  head: HeadRef;
  node: Text;
  since: number;
  /** Set once shown as incomplete. */
  shownAs?: string;
}

type Outcome =
  | { state: 'complete'; text: string; pieces: Text[]; anchor: Text; firstLine: number }
  | { state: 'waiting' }
  | { state: 'failed'; text: string; pieces: Text[]; anchor: Text };

export class SplitTokens {
  private readonly pending: Pending[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  /**
   * onToken shows a token; onSplit hears the length (UTF-8 bytes) of the first message of a token the
   * host split, so later parts can be made to fit; onLate follows tokens shown from a timer, outside any scan.
   */
  constructor(
    private readonly onToken: (token: JoinedToken) => void,
    private readonly onSplit: (firstMessageBytes: number) => void,
    private readonly onLate: () => void,
  ) {}

  /** A head found in `node`: completed now from the rows already there, or left waiting. */
  add(head: HeadRef, node: Text): void {
    if (this.pending.some((p) => p.node === node && p.head.start === head.start)) return;
    const entry: Pending = { head, node, since: performance.now() };
    if (this.settle(entry)) return;
    this.pending.push(entry);
    if (this.pending.length > MAX_PENDING) this.giveUp(this.pending.shift()!);
    this.schedule();
  }

  /** The page added messages: waiting heads look again. */
  retry(): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const entry = this.pending[i]!;
      if (!entry.node.isConnected || this.settle(entry)) this.pending.splice(i, 1);
    }
  }

  /** True when the head is done with (shown whole, or shown as failed). */
  private settle(entry: Pending): boolean {
    const outcome = follow(entry.head, entry.node);
    if (outcome.state === 'waiting') return false;
    const key = `${outcome.state === 'complete' ? 'split' : 'split-failed'}:${outcome.text.length}:${outcome.text.slice(-16)}`;
    this.onToken({
      key,
      text: outcome.text,
      anchor: outcome.anchor,
      pieces: outcome.pieces,
      ...(entry.shownAs ? { replaces: { key: entry.shownAs, anchor: entry.node } } : {}),
    });
    if (outcome.state === 'complete' && outcome.pieces.length > 1) this.onSplit(outcome.firstLine);
    return true;
  }

  /** Shows a head that is still waiting as incomplete; keeps it waiting a while longer. */
  private giveUp(entry: Pending): void {
    if (entry.shownAs || !entry.node.isConnected) return;
    const text = entry.node.data.slice(entry.head.start, entry.head.end);
    entry.shownAs = `head:${text.length}:${text.slice(-16)}`;
    this.onToken({ key: entry.shownAs, text, anchor: entry.node, pieces: [entry.node] });
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      const now = performance.now();
      for (let i = this.pending.length - 1; i >= 0; i--) {
        const entry = this.pending[i]!;
        if (now - entry.since >= GRACE_MS) this.giveUp(entry);
        if (now - entry.since >= KEEP_MS || !entry.node.isConnected) this.pending.splice(i, 1);
      }
      if (this.pending.length > 0) this.schedule();
      this.onLate();
    }, GRACE_MS);
  }
}

const utf8 = new TextEncoder();

/** Follows a head through the rows after its own. */
function follow(head: HeadRef, node: Text): Outcome {
  const headText = node.data.slice(head.start, head.end);
  const alone = { text: headText, pieces: [node], anchor: node };
  const start = rowOf(node);
  // Not in a list (yet): the rest may come with the list's next message.
  if (!start) return { state: 'waiting' };
  const sender = senderOf(start.row, start.path);
  let lastSender = sender;
  let step: HeadStep = { kind: 'more', head };
  const texts = [headText];
  const pieces = [node];
  let row: Element | null = start.row;
  for (let n = 0; n < MAX_FOLLOW_ROWS; n++) {
    row = nextRow(row);
    if (!row) return { state: 'waiting' };
    lastSender = ownSender(row, start.path) ?? lastSender;
    // Another sender's message between the pieces (a busy channel): not part of this token.
    if (sender !== null && lastSender !== null && lastSender !== sender) continue;
    const message = messageTextIn(row, start.path);
    step = message ? extendHead(step.head, message.text) : { kind: 'foreign' };
    if (step.kind === 'foreign') return { state: 'failed', ...alone };
    texts.push(message!.text);
    pieces.push(...message!.nodes);
    if (step.kind === 'more') continue;
    const joined = { text: texts.join(''), pieces, anchor: pieces[pieces.length - 1]! };
    if (step.kind === 'damaged') return { state: 'failed', ...joined };
    const firstLine = utf8.encode(messageTextIn(start.row, start.path)?.text ?? headText).length;
    return { state: 'complete', ...joined, firstLine };
  }
  return { state: 'failed', ...alone };
}
