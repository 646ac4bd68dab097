// The key log in PostgreSQL (tables log_entries and log_nodes, as in relay/keylog.ts). Proofs are computed
// synchronously (lib/keylog/merkle.ts), so each node keeps the tree's hashes in memory, 32 bytes per leaf
// and per stored subtree, caught up from log_entries whenever the store has grown; the entries' text is
// read from PostgreSQL when asked for. Appends run inside the directory's write transaction, which holds
// the cluster-wide write lock, so indexes are dense and every node computes the same tree.
import type { Pool, PoolClient } from 'pg';
import { utf8 } from '../../lib/bytes';
import { hashChildren, hashLeaf } from '../../lib/keylog/merkle';
import type { KeyLogReader, LoggedEntry } from '../keylog';

/**
 * Common table expressions inserting a staged entry's rows (parameters $1–$7 from `stage`); `$COND` is
 * replaced by a condition (TRUE, or one that lets a combined statement skip the rows).
 */
export const APPEND_SQL = `
  log_leaf AS (INSERT INTO log_entries (idx, handle, entry, leaf_hash) SELECT $1, $2, $3, $4 WHERE $COND),
  log_node AS (INSERT INTO log_nodes (level, idx, hash) SELECT * FROM unnest($5::int[], $6::bigint[], $7::bytea[]) WHERE $COND)`;

export class PostgresKeyLog implements KeyLogReader {
  /** levels[0]: leaf hashes; levels[k][i]: the complete subtree of leaves i·2^k … (i+1)·2^k − 1. */
  private readonly levels: Uint8Array[][] = [[]];
  private committed = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly pool: Pool) {}

  /** Leaves committed to the store, as far as this node knows. */
  get size(): number {
    return this.committed;
  }

  node(level: number, index: number): Uint8Array {
    const hash = this.levels[level]?.[index];
    if (!hash || (index + 1) * 2 ** level > this.levels[0]!.length) {
      throw new RangeError(`the log has no complete subtree at level ${level}, index ${index}`);
    }
    return hash;
  }

  /** Runs `fn` alone among the changes to the in-memory tree (catching up, write transactions). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Reads the leaves committed since the tree was last caught up. Call inside `exclusive`. */
  async catchUp(client: Pool | PoolClient = this.pool): Promise<void> {
    const from = this.levels[0]!.length;
    const rows = await client.query<{ idx: string; leaf_hash: Buffer }>(
      'SELECT idx, leaf_hash FROM log_entries WHERE idx >= $1 ORDER BY idx',
      [from],
    );
    for (const [i, row] of rows.rows.entries()) {
      if (Number(row.idx) !== from + i) throw new Error('the key log in PostgreSQL has a gap');
      this.push(new Uint8Array(row.leaf_hash));
    }
    this.committed = this.levels[0]!.length;
  }

  /** Catches up to at least `size` leaves (a snapshot another node wrote). */
  async syncTo(size: number): Promise<void> {
    if (this.committed >= size) return;
    await this.exclusive(() => this.catchUp());
  }

  private push(leafHash: Uint8Array): { level: number; index: number; hash: Uint8Array }[] {
    const leaves = this.levels[0]!;
    const index = leaves.length;
    leaves.push(leafHash);
    const made = [];
    let hash = leafHash;
    // Leaf i completes one subtree per trailing one bit of i: each joins the stored left sibling.
    for (let level = 1, at = index; at % 2 === 1; level++, at = (at - 1) / 2) {
      hash = hashChildren(this.levels[level - 1]![at - 1]!, hash);
      const row = (this.levels[level] ??= []);
      row.push(hash);
      made.push({ level, index: (at - 1) / 2, hash });
    }
    return made;
  }

  /** Leaves in memory, committed or not (the index the next append gets). */
  get pending(): number {
    return this.levels[0]!.length;
  }

  /**
   * Adds one entry to the tree in memory and returns the parameters of its rows: $1 idx, $2 handle,
   * $3 entry, $4 leaf hash, $5–$7 the subtrees it completes (level, idx, hash arrays), for APPEND_SQL.
   * The caller inserts them in its write transaction (which holds the write lock and caught up first);
   * `commit`, `rollback` or `truncate` ends what it added to memory.
   */
  stage(handle: string, entry: string): unknown[] {
    const index = this.pending;
    const leafHash = hashLeaf(utf8(entry));
    const nodes = this.push(leafHash);
    return [index, handle, entry, Buffer.from(leafHash), nodes.map((n) => n.level), nodes.map((n) => n.index), nodes.map((n) => Buffer.from(n.hash))];
  }

  /** Appends one entry (one round trip). */
  async append(client: PoolClient, handle: string, entry: string): Promise<void> {
    await client.query(`WITH ${APPEND_SQL.replaceAll('$COND', 'TRUE')} SELECT 1`, this.stage(handle, entry));
  }

  commit(): void {
    this.committed = this.pending;
  }

  /** Forgets what appends of a failed transaction added. */
  rollback(): void {
    this.truncate(this.committed);
  }

  /** Forgets the leaves from `size` on (a staged entry whose rows were not inserted). */
  truncate(size: number): void {
    for (let level = 0; level < this.levels.length; level++) this.levels[level]!.length = Math.floor(size / 2 ** level);
  }

  /** The entries of `handle` among the first `size`, oldest first (at most `limit`). */
  async entriesOf(client: PoolClient, handle: string, size: number, limit: number): Promise<LoggedEntry[]> {
    const rows = await client.query<{ idx: string; entry: string }>(
      'SELECT idx, entry FROM log_entries WHERE handle = $1 AND idx < $2 ORDER BY idx LIMIT $3',
      [handle, size, limit],
    );
    return rows.rows.map((r) => ({ index: Number(r.idx), entry: r.entry }));
  }

  async page(start: number, end: number): Promise<string[]> {
    const rows = await this.pool.query<{ entry: string }>('SELECT entry FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx', [start, end]);
    return rows.rows.map((r) => r.entry);
  }

  all(): never {
    throw new Error('test faults need the embedded store');
  }
}
