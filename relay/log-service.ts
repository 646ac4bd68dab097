// Key-log answers (docs/PROTOCOL.md "Key log"): signed checkpoints, a handle's entries with inclusion
// proofs, consistency proofs from the client's tree size, and pages of the whole log for auditors.
// Every answer is computed against one tree size, read together with the directory row it proves.
import { concat, toBase64Url } from '../lib/bytes';
import { signCheckpoint } from '../lib/keylog/checkpoint';
import { consistencyProof, inclusionProof, treeRoot, type NodeSource } from '../lib/keylog/merkle';
import type { LogAnswer } from '../lib/protocol/relay';
import type { Directory, LoggedLookup } from './directory';

/** The log as one connection sees it: the honest log, or a test fault's rewritten copy (test-faults.ts). */
export interface LogView {
  readonly source: NodeSource;
  lookup(handle: string): Promise<LoggedLookup>;
  page(start: number, end: number): string[] | Promise<string[]>;
}

export function honestView(directory: Directory): LogView {
  return {
    source: directory.log,
    lookup: (handle) => directory.logged(handle),
    page: (start, end) => directory.log.page(start, end),
  };
}

const proofText = (hashes: Uint8Array[]): string => toBase64Url(concat(...hashes));

/** A request the log cannot answer as asked; `code` is the wire error code. */
export class LogRequestError extends Error {
  constructor(
    readonly code: 'bad-request' | 'not-found' | 'revoked',
    message: string,
  ) {
    super(message);
  }
}

export class LogService {
  /** The last checkpoint signed: appends are rarer than lookups, so most answers reuse it. */
  private last: { size: number; root: string; note: string } | null = null;
  /** The last root computed, per source: a tree of one size has one root. */
  private lastRoot: { source: NodeSource; size: number; root: Uint8Array } | null = null;
  private lastConsistency: { source: NodeSource; since: number; size: number; proof: string } | null = null;

  constructor(private readonly directory: Directory) {}

  async checkpoint(size: number, rootHash: Uint8Array): Promise<string> {
    const root = toBase64Url(rootHash);
    const last = this.last;
    if (last && last.size === size && last.root === root) return last.note;
    const note = await signCheckpoint({ origin: this.directory.logKey.origin, size, rootHash, extensions: [] }, [await this.directory.logKey.noteSigner()]);
    this.last = { size, root, note };
    return note;
  }

  /** Clients that last looked at the same tree get the same proof: the last one is kept. */
  private consistency(source: NodeSource, since: number, size: number): string {
    const last = this.lastConsistency;
    if (last && last.source === source && last.since === since && last.size === size) return last.proof;
    const proof = proofText(consistencyProof(source, since, size));
    this.lastConsistency = { source, since, size, proof };
    return proof;
  }

  private root(source: NodeSource, size: number): Uint8Array {
    const last = this.lastRoot;
    if (last && last.source === source && last.size === size) return last.root;
    const root = treeRoot(source, size);
    this.lastRoot = { source, size, root };
    return root;
  }

  /**
   * The head fields: the checkpoint of `size` and, for a client that sent its tree size (`since`), the
   * log key on first contact (size 0) or the consistency proof from its size.
   */
  private async head(view: LogView, size: number, since: number | null): Promise<LogAnswer> {
    const answer: LogAnswer = { checkpoint: await this.checkpoint(size, this.root(view.source, size)) };
    if (since === null) return answer;
    if (since === 0) answer.key = this.directory.logKey.verifierKey;
    // A client ahead of this tree gets no proof: it sees the smaller tree and raises its alarm.
    else if (since < size) answer.consistency = this.consistency(view.source, since, size);
    return answer;
  }

  async lookup(view: LogView, handle: string, since: number): Promise<{ bundle: string; log: LogAnswer }> {
    const found = await view.lookup(handle);
    if (!found.entry) throw new LogRequestError('not-found', 'no such handle on this relay');
    if (found.entry.revoked) throw new LogRequestError('revoked', 'this handle has been revoked');
    const log = await this.head(view, found.size, since);
    log.entries = found.entries.map(({ index, entry }) => ({ index, entry, proof: proofText(inclusionProof(view.source, index, found.size)) }));
    return { bundle: found.entry.bundle, log };
  }

  async checkpointAnswer(view: LogView, since: number): Promise<LogAnswer> {
    await this.directory.syncLog();
    return this.head(view, view.source.size, since);
  }

  /** Entries start … start+count−1 of the tree of `size` (which must not be beyond the log). */
  async page(view: LogView, size: number, start: number, count: number): Promise<LogAnswer> {
    await this.directory.syncLog();
    if (size > view.source.size) throw new LogRequestError('bad-request', 'the log is not that large');
    if (start >= size) throw new LogRequestError('bad-request', 'the page starts beyond the tree');
    const end = Math.min(size, start + count);
    return { ...(await this.head(view, size, null)), page: await view.page(start, end) };
  }
}
