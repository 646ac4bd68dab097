// Replay detection for one-shot messages, keyed by (sender, message id): a message id is only unique per
// sender, and a forger's message with someone else's id is recorded under the forger's key, so it cannot
// make the genuine copy a replay. A host page re-rendering its history shows the same token again in the
// same place: that is 'same', not a replay. The same sender and id with a different ciphertext, or the
// same token pasted into another conversation, is 'replayed'.

export interface ReplayEntry {
  sender: string; // hex identity key whose signature was checked, or a namespace for unchecked senders
  messageId: string; // hex, from the authenticated header
  digest: string; // messageDigest(bytes): hex SHA-256 of the whole sealed message
  context: string; // where it was seen, e.g. a conversation id chosen by the caller
}

export type ReplayVerdict = 'fresh' | 'same' | 'replayed';

export interface ReplayCache {
  /** Records the entry when fresh, and classifies it against what was recorded before. */
  check(entry: ReplayEntry): Promise<ReplayVerdict>;
}

export function classifyReplay(seen: Pick<ReplayEntry, 'digest' | 'context'> | undefined, entry: ReplayEntry): ReplayVerdict {
  if (seen === undefined) return 'fresh';
  return seen.digest === entry.digest && seen.context === entry.context ? 'same' : 'replayed';
}

/**
 * Bounded in-memory cache: keeps the `maxEntries` most recently seen ids (a 'same' sighting refreshes
 * an entry) and forgets the oldest. An id evicted from the cache would be 'fresh' again, so size it
 * for the history a session can see; the keyring's persistent cache implements the same interface.
 */
export class MemoryReplayCache implements ReplayCache {
  private readonly seen = new Map<string, Pick<ReplayEntry, 'digest' | 'context'>>();

  constructor(private readonly maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  async check(entry: ReplayEntry): Promise<ReplayVerdict> {
    // JSON keeps the pair apart whatever characters either holds.
    const key = JSON.stringify([entry.sender, entry.messageId]);
    const previous = this.seen.get(key);
    const verdict = classifyReplay(previous, entry);
    if (verdict === 'replayed') return verdict;
    // Map keeps insertion order: re-inserting moves the id to the newest end.
    this.seen.delete(key);
    this.seen.set(key, previous ?? { digest: entry.digest, context: entry.context });
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    return verdict;
  }

  get size(): number {
    return this.seen.size;
  }
}
