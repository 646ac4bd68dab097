// A full audit of a relay's key log: every entry, in order, is hashed into the tree, its signature
// checked and applied to its handle's history; the result must rebuild the checkpoint's root and, at the
// kept tree size, the kept root. Fed page by page, so the caller chooses how to fetch them.
import { equalBytes, utf8 } from '../bytes';
import type { Checkpoint } from './checkpoint';
import { EntryError, verifyEntry } from './entry';
import { applyEntry, type HandleState } from './history';
import { hashLeaf, rootOfLeafHashes } from './merkle';
import { LogInconsistency } from './verify';

export class LogAuditor {
  private readonly leafHashes: Uint8Array[] = [];
  private readonly handles = new Map<string, HandleState>();

  /** `logKey`: the relay's raw Ed25519 log key (it signs revocations and adopted handles). */
  constructor(private readonly logKey: Uint8Array) {}

  get entries(): number {
    return this.leafHashes.length;
  }

  get handleCount(): number {
    return this.handles.size;
  }

  /** Checks the next entries of the log, in order. Throws LogInconsistency ('bad-entry') naming the first bad one. */
  async add(entries: readonly string[]): Promise<void> {
    for (const entry of entries) {
      const index = this.leafHashes.length;
      try {
        const { event, bundle } = await verifyEntry(entry, this.logKey);
        this.handles.set(event.handle, applyEntry(this.handles.get(event.handle) ?? null, event, bundle));
      } catch (e) {
        if (e instanceof EntryError) throw new LogInconsistency('bad-entry', `entry ${index}: ${e.message}`);
        throw e;
      }
      this.leafHashes.push(hashLeaf(utf8(entry)));
    }
  }

  /**
   * After the last page: the entries must rebuild `head`'s root, and their first `kept.size` the kept
   * root (so the kept checkpoint is a prefix of this log, with no proof from the relay needed).
   */
  finish(head: Checkpoint, kept: Checkpoint | null): void {
    if (this.leafHashes.length !== head.size) {
      throw new LogInconsistency('missing-proof', `the relay sent ${this.leafHashes.length} entries for a tree of ${head.size}`);
    }
    if (!equalBytes(rootOfLeafHashes(this.leafHashes), head.rootHash)) {
      throw new LogInconsistency('bad-proof', "the log's entries do not hash to its checkpoint's root");
    }
    if (kept && (kept.size > head.size || !equalBytes(rootOfLeafHashes(this.leafHashes.slice(0, kept.size)), kept.rootHash))) {
      throw new LogInconsistency('fork', `the log's first ${kept.size} entries are not the tree kept before`);
    }
  }
}
