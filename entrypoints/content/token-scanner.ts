// Finds ciphertext tokens in page text. Only what changed is looked at (the caller feeds it the nodes of
// MutationObserver records), in slices of a few milliseconds so a busy page never gets a long task.
// Text inside editors (the user's drafts), form fields, scripts and our own elements is never parsed.
import { ENVELOPE_DIGIT, findArmorParts, mightContainArmor } from '@/lib/armor/detect';
import { SplitTokens, type JoinedToken } from './split-tokens';

/**
 * One message to show: all its armored parts (one per line), anchored after the text of its last part;
 * `pieces` are the text nodes that carry it (one, or several when the host split it).
 */
export type FoundToken = JoinedToken;

/** Regions whose text we must not read (isContentEditable covers editors: it holds inside an editing host). */
const SKIP_SELECTOR = 'script,style,noscript,textarea,input,select,template,iframe,[data-c2c]';
const SLICE_MS = 8;
/** Budget of a look taken inside the page's own turn (runNow): a chat's new message takes far less. */
const TURN_SLICE_MS = 2;
/** Most nodes queued by one change of the page that are looked at in its own turn. */
const TURN_MAX_NODES = 8;
/** Longest wait for onBatch while the scanner stays busy (a page that never stops adding text). */
const BATCH_MS = 100;
/** Text nodes under the context node that contain the one character every token envelope has (detect.ts). */
const CANDIDATES = `.//text()[contains(., '${ENVELOPE_DIGIT}')]`;
/** Text nodes between clock reads: most cost one regex test, so reading the clock more often would dominate. */
const CLOCK_EVERY = 64;
/** Incomplete multi-part messages remembered at once; the oldest are forgotten first. */
const MAX_PENDING_GROUPS = 500;

/** True when a node sits in a region whose text we must not read. Asked only of text that looks like armor. */
function insideSkipped(node: Node): boolean {
  const el = node instanceof Element ? node : node.parentElement;
  if (!el) return false;
  return (el as HTMLElement).isContentEditable === true || el.closest(SKIP_SELECTOR) !== null;
}

interface PartSeen {
  text: string;
  node: Text;
}

export class TokenScanner {
  /** Nodes to look at; `head` is the next one (no shift(): a flood queues thousands at once). */
  private queue: Node[] = [];
  private head = 0;
  /** The candidate text nodes of the subtree being looked at, and the next one to take. */
  private candidates: XPathResult | null = null;
  private next = 0;
  private scheduled = false;
  /** Text already handled per node, so re-queued nodes whose text did not change cost nothing. */
  private readonly seen = new WeakMap<Text, string>();
  private readonly groups = new Map<string, { count: number; parts: Map<number, PartSeen> }>();

  /** Schedules the next slice as a task of its own (setTimeout(0) idles 4 ms between nested slices). */
  private readonly slices = new MessageChannel();
  /** Heads of tokens the host split, and the text nodes their pieces took (never read as tokens of their own). */
  private readonly split: SplitTokens;
  private readonly consumed = new WeakSet<Text>();

  private lastBatchAt = 0;

  /** onBatch: called after a slice that leaves nothing queued, and every BATCH_MS while the page keeps us busy. */
  /** onSplit: the UTF-8 length of the first message of a token the host split (see SplitTokens). */
  constructor(
    private readonly onToken: (token: FoundToken) => void,
    private readonly onBatch: () => void,
    onSplit: (firstMessageBytes: number) => void,
  ) {
    this.slices.port1.onmessage = () => this.work();
    this.split = new SplitTokens(
      (token) => {
        for (const piece of token.pieces) if (piece !== token.pieces[0]) this.consumed.add(piece);
        this.onToken(token);
      },
      onSplit,
      onBatch,
    );
  }

  enqueue(node: Node): void {
    this.queue.push(node);
    if (!this.scheduled) this.schedule();
  }

  /**
   * Looks at what was just queued now, synchronously (within TURN_SLICE_MS; the rest in later slices), when
   * it is a few nodes (a chat's new message). A backlog, or many nodes at once (a page rendering a whole
   * history), is left to the slices.
   */
  runNow(): void {
    if (this.candidates === null && this.head === 0 && this.queue.length <= TURN_MAX_NODES) this.work(TURN_SLICE_MS);
  }

  private schedule(): void {
    // A new busy period: onBatch's clock starts now, so a page scanned within BATCH_MS gets one batch.
    if (!this.scheduled && this.candidates === null && this.head === 0) this.lastBatchAt = performance.now();
    this.scheduled = true;
    this.slices.port2.postMessage(null);
  }

  /** Forgets the parts of unfinished messages whose text left the page (they are found again if re-added). */
  forgetRemoved(): void {
    for (const [id, group] of this.groups) {
      for (const [i, p] of group.parts) if (!p.node.isConnected) group.parts.delete(i);
      if (group.parts.size === 0) this.groups.delete(id);
    }
  }

  private work(budgetMs = SLICE_MS): void {
    const until = performance.now() + budgetMs;
    // The clock is read every few nodes: a big subtree (a whole page at start) is looked at across many slices.
    for (let n = 1; ; n++) {
      if (n % CLOCK_EVERY === 0 && performance.now() >= until) break;
      const text = this.nextText();
      if (!text) break;
      this.scanText(text);
    }
    this.scheduled = false;
    const busy = this.candidates !== null || this.head < this.queue.length;
    const now = performance.now();
    if (!busy || now - this.lastBatchAt >= BATCH_MS) {
      this.lastBatchAt = now;
      // What was just added may be the rest of a token the host split.
      this.split.retry();
      this.onBatch();
    }
    if (busy) this.schedule();
  }

  /** The next text node to look at: from the subtree in progress, else from the next queued node. */
  private nextText(): Text | null {
    for (;;) {
      if (this.candidates) {
        // Taken in document order; one the page removed since is no longer there to show a frame in.
        const n = this.candidates.snapshotItem(this.next++);
        if (n) {
          if (n.isConnected) return n as Text;
          continue;
        }
        this.candidates = null;
      }
      if (this.head >= this.queue.length) {
        this.queue = [];
        this.head = 0;
        return null;
      }
      const root = this.queue[this.head++]!;
      if (!root.isConnected) continue;
      if (root instanceof Text) return root;
      // Every envelope holds the digit 2, so only text nodes with a "2" can hold a token: the browser picks
      // those natively, where visiting each of a long chat's text nodes from script would cost far more.
      this.candidates = document.evaluate(CANDIDATES, root, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
      this.next = 0;
    }
  }

  private scanText(node: Text): void {
    const data = node.data;
    // Nearly every text node stops at this one regex test; only armor-like text is remembered and placed.
    if (!mightContainArmor(data) || this.seen.get(node) === data) return;
    this.seen.set(node, data);
    if (insideSkipped(node)) return;
    const refs = findArmorParts(data);
    // A piece of a split token may hold "c2c…" by chance: if it completes a waiting head, it is that token's.
    if (refs.length > 0 && refs.every((r) => r.kind === 'damaged' && !r.header)) this.split.retry();
    if (this.consumed.has(node)) return;
    for (const ref of refs) {
      const text = data.slice(ref.start, ref.end);
      if (ref.kind === 'part' && ref.header.count > 1) this.addPart(ref.header.id, ref.header.index, ref.header.count, { text, node });
      else if (ref.kind === 'head') this.split.add(ref, node);
      // Whole messages, and damaged or unknown tokens: shown on their own (the frame explains the error).
      else this.onToken({ key: `${ref.kind}:${text.length}:${text.slice(-16)}`, text, anchor: node, pieces: [node] });
    }
  }

  private addPart(id: string, index: number, count: number, part: PartSeen): void {
    let group = this.groups.get(id);
    if (!group || group.count !== count) {
      group = { count, parts: new Map() };
      this.groups.set(id, group);
      if (this.groups.size > MAX_PENDING_GROUPS) this.groups.delete(this.groups.keys().next().value!);
    }
    group.parts.set(index, part);
    if (group.parts.size < count) return;
    // A page may re-render the parts as new nodes: drop parts whose node is gone and wait for them again.
    for (const [i, p] of group.parts) if (!p.node.isConnected) group.parts.delete(i);
    if (group.parts.size < count) return;
    const ordered = [...group.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
    const last = ordered.reduce((a, b) => (a.node.compareDocumentPosition(b.node) & Node.DOCUMENT_POSITION_FOLLOWING ? b : a));
    this.onToken({ key: `multi:${id}`, text: ordered.map((p) => p.text).join('\n'), anchor: last.node, pieces: ordered.map((p) => p.node) });
  }
}
