// Persistent replay cache for one-shot messages (lib/crypto's ReplayCache interface), bounded: the
// least recently seen ids are evicted first. An evicted id would count as 'fresh' again, so the bound
// is sized well above what a user re-reads (see docs/KEYRING.md).
import { C2CError } from '../errors';
import { classifyReplay, type ReplayCache, type ReplayEntry, type ReplayVerdict } from '../crypto/replay-cache';
import type { KeyringDB } from './db';

export const DEFAULT_REPLAY_ENTRIES = 50_000;
const MAX_FIELD = { messageId: 128, digest: 128, context: 1024 } as const;

function checkEntry(entry: ReplayEntry): void {
  for (const field of ['messageId', 'digest', 'context'] as const) {
    const value = entry[field];
    if (typeof value !== 'string' || value.length > MAX_FIELD[field] || (field !== 'context' && value.length === 0)) {
      throw new C2CError('malformed', `Replay cache: ${field} must be text of at most ${MAX_FIELD[field]} characters.`);
    }
  }
}

export class PersistentReplayCache implements ReplayCache {
  constructor(
    private readonly db: KeyringDB,
    private readonly maxEntries = DEFAULT_REPLAY_ENTRIES,
  ) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  async check(entry: ReplayEntry, now = Date.now()): Promise<ReplayVerdict> {
    checkEntry(entry);
    const { db } = this;
    return db.transaction('rw', db.replay, async () => {
      const seen = await db.replay.where('messageId').equals(entry.messageId).first();
      const verdict = classifyReplay(seen, entry);
      if (verdict === 'replayed') return verdict;
      // Re-adding moves the id to the newest end (a fresh auto-increment key), like the in-memory cache.
      if (seen?.seq !== undefined) await db.replay.delete(seen.seq);
      await db.replay.add({ messageId: entry.messageId, digest: entry.digest, context: entry.context, seen: now });
      const excess = (await db.replay.count()) - this.maxEntries;
      if (excess > 0) await db.replay.bulkDelete(await db.replay.toCollection().limit(excess).primaryKeys());
      return verdict;
    });
  }
}
