// Persistent replay cache for one-shot messages (lib/crypto's ReplayCache interface). Rows hold only HMACs
// under a per-keyring secret (sender and id; digest and context) and the day of the last sighting, so the
// table at rest is no reading log: without the secret, which never leaves WebCrypto, it cannot be matched
// against a message, a sender or a conversation. Bounded twice: entries unseen for MAX_AGE_DAYS are
// dropped, and beyond maxEntries the least recently seen go first. A dropped entry reads as first seen
// again; past the age limit, the channel binding (lib/crypto/channel.ts) still keeps a message where it
// was sent. See docs/KEYRING.md.
import { buf, toHex, utf8 } from '../bytes';
import { C2CError } from '../errors';
import { type ReplayCache, type ReplayEntry, type ReplayVerdict } from '../crypto/replay-cache';
import type { KeyringDB } from './db';

export const DEFAULT_REPLAY_ENTRIES = 50_000;
/** Entries not seen for this many days are dropped. */
export const MAX_AGE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
const HMAC_BYTES = 16;
const MAX_FIELD = { sender: 128, messageId: 128, digest: 128, context: 1024 } as const;

function checkEntry(entry: ReplayEntry): void {
  for (const field of ['sender', 'messageId', 'digest', 'context'] as const) {
    const value = entry[field];
    if (typeof value !== 'string' || value.length > MAX_FIELD[field] || (field !== 'context' && value.length === 0)) {
      throw new C2CError('malformed', `Replay cache: ${field} must be text of at most ${MAX_FIELD[field]} characters.`);
    }
  }
}

export class PersistentReplayCache implements ReplayCache {
  private secret: Promise<CryptoKey> | undefined;

  constructor(
    private readonly db: KeyringDB,
    private readonly maxEntries = DEFAULT_REPLAY_ENTRIES,
  ) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  /** The keyring's HMAC key, made on first use. WebCrypto runs outside the transaction (it would commit it). */
  private secretKey(): Promise<CryptoKey> {
    this.secret ??= (async () => {
      const { db } = this;
      const candidate = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      // Two workers may race on the first use: whichever row was written first is the one both use.
      return db.transaction('rw', db.replaySecret, async () => {
        const row = await db.replaySecret.get('active');
        if (row) return row.key;
        await db.replaySecret.add({ slot: 'active', key: candidate });
        return candidate;
      });
    })();
    this.secret.catch(() => (this.secret = undefined));
    return this.secret;
  }

  private async mac(key: CryptoKey, ...fields: string[]): Promise<string> {
    // JSON keeps the fields apart whatever characters they hold.
    const tag = await crypto.subtle.sign('HMAC', key, buf(utf8(JSON.stringify(fields))));
    return toHex(new Uint8Array(tag).slice(0, HMAC_BYTES));
  }

  async check(entry: ReplayEntry, now = Date.now()): Promise<ReplayVerdict> {
    checkEntry(entry);
    const secret = await this.secretKey();
    const key = await this.mac(secret, 'id', entry.sender, entry.messageId);
    const sighting = await this.mac(secret, 'sighting', entry.digest, entry.context);
    const day = Math.floor(now / DAY_MS);
    const { db } = this;
    return db.transaction('rw', db.replay, async () => {
      await db.replay.where('day').below(day - MAX_AGE_DAYS).delete();
      const seen = await db.replay.where('key').equals(key).first();
      // The sighting HMAC is equal exactly when digest and context both are (classifyReplay's rule).
      const verdict: ReplayVerdict = seen === undefined ? 'fresh' : seen.sighting === sighting ? 'same' : 'replayed';
      if (verdict === 'replayed') return verdict;
      // Re-adding moves the entry to the newest end (a fresh auto-increment key), like the in-memory cache.
      if (seen?.seq !== undefined) await db.replay.delete(seen.seq);
      await db.replay.add({ key, sighting: seen?.sighting ?? sighting, day });
      const excess = (await db.replay.count()) - this.maxEntries;
      if (excess > 0) await db.replay.bulkDelete(await db.replay.toCollection().limit(excess).primaryKeys());
      return verdict;
    });
  }
}
