// Replay detection for one-shot messages. A host page re-rendering its history shows the same token
// again in the same place: that is 'same', not a replay. The same message id with a different
// ciphertext, or the same token pasted into another conversation, is 'replayed'.

export interface ReplayEntry {
  messageId: string; // hex, from the authenticated header
  digest: string; // messageDigest(bytes): hex SHA-256 of the whole sealed message
  context: string; // where it was seen, e.g. a conversation id chosen by the caller
}

export type ReplayVerdict = 'fresh' | 'same' | 'replayed';

export interface ReplayCache {
  /** Records the entry when fresh, and classifies it against what was recorded before. */
  check(entry: ReplayEntry): Promise<ReplayVerdict>;
}

export function classifyReplay(seen: Omit<ReplayEntry, 'messageId'> | undefined, entry: ReplayEntry): ReplayVerdict {
  if (seen === undefined) return 'fresh';
  return seen.digest === entry.digest && seen.context === entry.context ? 'same' : 'replayed';
}

/**
 * Bounded in-memory cache: keeps the `maxEntries` most recently seen ids (a 'same' sighting refreshes
 * an entry) and forgets the oldest. An id evicted from the cache would be 'fresh' again, so size it
 * for the history a session can see; the keyring's persistent cache implements the same interface.
 */
export class MemoryReplayCache implements ReplayCache {
  private readonly seen = new Map<string, Omit<ReplayEntry, 'messageId'>>();

  constructor(private readonly maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  async check(entry: ReplayEntry): Promise<ReplayVerdict> {
    const previous = this.seen.get(entry.messageId);
    const verdict = classifyReplay(previous, entry);
    if (verdict === 'replayed') return verdict;
    // Map keeps insertion order: re-inserting moves the id to the newest end.
    this.seen.delete(entry.messageId);
    this.seen.set(entry.messageId, previous ?? { digest: entry.digest, context: entry.context });
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    return verdict;
  }

  get size(): number {
    return this.seen.size;
  }
}
