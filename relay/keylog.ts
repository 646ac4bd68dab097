// The key log's storage: an RFC 9162 Merkle log in the directory's SQLite database, so a directory change
// and its log entry commit in one transaction. Tables (plain types, so a PostgreSQL version is the same
// two tables with BIGINT / BYTEA / TEXT):
//
//   log_entries(idx PRIMARY KEY, handle, entry TEXT, leaf_hash BLOB)   the leaves, in order
//   log_nodes(level, idx, hash) PRIMARY KEY (level, idx)               every complete perfect subtree
//                                                                      above the leaves (lib/keylog/merkle.ts)
//
// A perfect subtree never changes once complete, so proofs for any tree size read O(log n) stored nodes
// and nothing is recomputed: a proof costs the same at 10 or 10^6 entries. Appends are made inside the
// caller's write transaction (BEGIN IMMEDIATE), so the relay and the admin command can both append.
import type Database from 'better-sqlite3';
import { utf8 } from '../lib/bytes';
import { hashChildren, hashLeaf, type NodeSource } from '../lib/keylog/merkle';

export const KEYLOG_SCHEMA = `
  CREATE TABLE IF NOT EXISTS log_entries (
    idx INTEGER PRIMARY KEY,
    handle TEXT NOT NULL,
    entry TEXT NOT NULL,
    leaf_hash BLOB NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS log_entries_by_handle ON log_entries(handle, idx);
  CREATE TABLE IF NOT EXISTS log_nodes (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
  ) STRICT, WITHOUT ROWID;
`;

export interface LoggedEntry {
  index: number;
  entry: string;
}

/** What the log service reads of a store's key log (SQLite here, PostgreSQL in relay/store/postgres-log.ts). */
export interface KeyLogReader extends NodeSource {
  /** Entries start … end−1. */
  page(start: number, end: number): string[] | Promise<string[]>;
  /** Every entry of the first `size`, with its leaf hash: for the test-fault views only. */
  all(size: number): { entry: string; leafHash: Uint8Array }[];
}

/**
 * Subtrees this tall and taller are kept in memory once read: every proof passes through them (a million
 * leaves have about 8,000 of them, 32 bytes each), so a proof reads only its lowest levels from SQLite.
 */
const CACHED_LEVEL = 7;
const MAX_CACHED = 1 << 17;

export class SqliteKeyLog implements KeyLogReader {
  private readonly q;
  private readonly upper = new Map<string, Uint8Array>();

  constructor(private readonly db: Database.Database) {
    this.q = {
      size: db.prepare<[], { n: number }>('SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM log_entries'),
      leaf: db.prepare<[number], { leaf_hash: Buffer }>('SELECT leaf_hash FROM log_entries WHERE idx = ?'),
      node: db.prepare<[number, number], { hash: Buffer }>('SELECT hash FROM log_nodes WHERE level = ? AND idx = ?'),
      insertLeaf: db.prepare('INSERT INTO log_entries (idx, handle, entry, leaf_hash) VALUES (?, ?, ?, ?)'),
      insertNode: db.prepare('INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)'),
      byHandle: db.prepare<[string, number, number], { idx: number; entry: string }>(
        'SELECT idx, entry FROM log_entries WHERE handle = ? AND idx < ? ORDER BY idx LIMIT ?',
      ),
      page: db.prepare<[number, number], { entry: string }>('SELECT entry FROM log_entries WHERE idx >= ? AND idx < ? ORDER BY idx'),
      all: db.prepare<[number], { entry: string; leaf_hash: Buffer }>('SELECT entry, leaf_hash FROM log_entries WHERE idx < ? ORDER BY idx'),
    };
  }

  get size(): number {
    return this.q.size.get()!.n;
  }

  node(level: number, index: number): Uint8Array {
    const cacheable = level >= CACHED_LEVEL;
    const key = cacheable ? `${level}:${index}` : '';
    const cached = cacheable ? this.upper.get(key) : undefined;
    if (cached) return cached;
    const row = level === 0 ? this.q.leaf.get(index)?.leaf_hash : this.q.node.get(level, index)?.hash;
    if (!row) throw new RangeError(`the log has no complete subtree at level ${level}, index ${index}`);
    const hash = new Uint8Array(row.buffer, row.byteOffset, row.length);
    // A complete subtree never changes, whoever appends later: caching it can never go stale.
    if (cacheable && this.upper.size < MAX_CACHED) this.upper.set(key, hash);
    return hash;
  }

  /**
   * Appends one entry and stores the subtrees it completes; returns its index. Call inside a write
   * transaction: the size read here must still hold when the rows are inserted.
   */
  append(handle: string, entry: string): number {
    if (!this.db.inTransaction) throw new Error('key-log appends run inside a transaction');
    const index = this.size;
    let hash = hashLeaf(utf8(entry));
    this.q.insertLeaf.run(index, handle, entry, hash);
    // Leaf i completes one subtree per trailing one bit of i: each joins the stored left sibling.
    for (let level = 1, at = index; at % 2 === 1; level++, at = (at - 1) / 2) {
      hash = hashChildren(this.node(level - 1, at - 1), hash);
      this.q.insertNode.run(level, (at - 1) / 2, hash);
    }
    return index;
  }

  /** The entries of `handle` among the first `size`, oldest first (at most `limit`). */
  entriesOf(handle: string, size: number, limit: number): LoggedEntry[] {
    return this.q.byHandle.all(handle, size, limit).map((r) => ({ index: r.idx, entry: r.entry }));
  }

  /** Entries start … end−1. */
  page(start: number, end: number): string[] {
    return this.q.page.all(start, end).map((r) => r.entry);
  }

  /** Every entry of the first `size`, with its leaf hash: for the test-fault views only. */
  all(size: number): { entry: string; leafHash: Uint8Array }[] {
    return this.q.all.all(size).map((r) => ({ entry: r.entry, leafHash: new Uint8Array(r.leaf_hash) }));
  }
}
