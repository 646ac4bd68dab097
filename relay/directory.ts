// The key directory: handle → identity key + public bundle line, and the key log beside it: every change
// appends its signed entry in the same transaction (relay/keylog.ts). `Directory` is the store seam:
// `SqliteDirectory` is the embedded default (better-sqlite3, WAL); cluster mode uses relay/store/postgres.ts.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeEntry, relaySignedMessage, type KeyEvent } from '../lib/keylog/entry';
import { LOG_HANDLE_ENTRIES_MAX, type RelayErrorCode } from '../lib/protocol/relay';
import { KEYLOG_SCHEMA, SqliteKeyLog, type KeyLogReader, type LoggedEntry } from './keylog';
import { loadLogKey, type LogKey } from './log-key';

export interface DirectoryEntry {
  handle: string;
  identityKey: Uint8Array;
  bundle: string;
  prekeyCreated: number;
  revoked: boolean;
}

export interface Registration {
  handle: string;
  identityKey: Uint8Array;
  bundle: string;
  prekeyCreated: number;
  signature: Uint8Array; // relayRegister proof of possession, kept with the entry
}

export interface KeyChange {
  handle: string;
  oldKey: Uint8Array;
  newKey: Uint8Array;
  bundle: string;
  prekeyCreated: number;
  statement: Uint8Array;
}

/** A refused directory operation; `code` is the wire error code the client receives. */
export class DirectoryError extends Error {
  constructor(readonly code: RelayErrorCode, message: string) {
    super(message);
    this.name = 'DirectoryError';
  }
}

type Unsigned<T> = T extends unknown ? Omit<T, 'sig'> : never;

/** A handle's directory row and its log entries, read from one snapshot of both. */
export interface LoggedLookup {
  entry: DirectoryEntry | null;
  /** The log's size in that snapshot: the tree the entries' proofs must refer to. */
  size: number;
  entries: LoggedEntry[];
}

export interface Directory {
  /** The key log kept with the directory (complete subtrees are immutable: read them any time). */
  readonly log: KeyLogReader;
  readonly logKey: LogKey;
  /** Brings `log` up to what the store has committed (other processes append too). */
  syncLog(): Promise<void>;
  logged(handle: string): Promise<LoggedLookup>;
  byHandle(handle: string): Promise<DirectoryEntry | null>;
  byKey(identityKey: Uint8Array): Promise<DirectoryEntry | null>;
  /** `byHandle` for routing a live frame: may answer from a short-lived cache while the store is down. */
  route(handle: string): Promise<DirectoryEntry | null>;
  /** First come; idempotent for the same key. Resolves only once the entry is durable. */
  register(r: Registration): Promise<void>;
  rotate(identityKey: Uint8Array, bundle: string, prekeyCreated: number): Promise<string>;
  changeKey(c: KeyChange): Promise<void>;
  /** Returns false when the handle is unknown or already revoked. */
  revoke(handle: string): Promise<boolean>;
  /** Identities revoked since the previous call (by any process sharing the store). */
  pollRevocations(): Promise<{ handle: string; identityKey: Uint8Array }[]>;
  close(): void;
}

export const DIRECTORY_FILE = 'directory.sqlite';
const SCHEMA_VERSION = 2;

/** An `identities` row: SQLite gives its integers as numbers, PostgreSQL its 64-bit ones as strings. */
export interface DirectoryRow<Int extends number | string = number> {
  handle: string;
  identity_key: Buffer;
  bundle: string;
  prekey_created: Int;
  revoked_seq: Int | null;
}
type Row = DirectoryRow;

export function toEntry(row: DirectoryRow<number | string> | undefined): DirectoryEntry | null {
  if (!row) return null;
  return {
    handle: row.handle,
    identityKey: new Uint8Array(row.identity_key),
    bundle: row.bundle,
    prekeyCreated: Number(row.prekey_created),
    revoked: row.revoked_seq !== null,
  };
}

export function openSqliteDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, DIRECTORY_FILE));
  db.pragma('journal_mode = WAL');
  // FULL: an acknowledged registration is on disk before the client hears "ok".
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new Error(`directory schema ${version} is newer than this relay`);
  if (version < 1) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS identities (
        handle TEXT PRIMARY KEY,
        identity_key BLOB NOT NULL UNIQUE,
        bundle TEXT NOT NULL,
        prekey_created INTEGER NOT NULL,
        registration_sig BLOB NOT NULL,
        registered_at INTEGER NOT NULL,
        revoked_seq INTEGER
      ) STRICT;
      CREATE INDEX IF NOT EXISTS identities_revoked ON identities(revoked_seq) WHERE revoked_seq IS NOT NULL;
      CREATE TABLE IF NOT EXISTS key_changes (
        handle TEXT NOT NULL,
        old_key BLOB NOT NULL,
        new_key BLOB NOT NULL,
        statement BLOB NOT NULL,
        changed_at INTEGER NOT NULL
      ) STRICT;
    `);
  }
  if (version < 2) db.exec(`${KEYLOG_SCHEMA} PRAGMA user_version = 2;`);
  return db;
}

export class SqliteDirectory implements Directory {
  readonly log: SqliteKeyLog;
  readonly logKey: LogKey;
  private readonly db: Database.Database;
  private readonly q;
  private dataVersion: number;
  private revokedSeq: number;
  private readonly pending: { change: () => unknown; resolve(value: unknown): void; reject(error: unknown): void }[] = [];

  /** `logOrigin` names the log when this folder has none yet (relay flag `--log-origin`). */
  constructor(dataDir: string, { logOrigin }: { logOrigin?: string } = {}) {
    this.db = openSqliteDatabase(dataDir);
    this.logKey = loadLogKey(dataDir, logOrigin);
    this.log = new SqliteKeyLog(this.db);
    const db = this.db;
    this.q = {
      byHandle: db.prepare<[string], Row>('SELECT * FROM identities WHERE handle = ?'),
      byKey: db.prepare<[Buffer], Row>('SELECT * FROM identities WHERE identity_key = ?'),
      insert: db.prepare(
        'INSERT INTO identities (handle, identity_key, bundle, prekey_created, registration_sig, registered_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      updateBundle: db.prepare('UPDATE identities SET bundle = ?, prekey_created = ? WHERE identity_key = ?'),
      replaceKey: db.prepare(
        'UPDATE identities SET identity_key = ?, bundle = ?, prekey_created = ?, registration_sig = ? WHERE handle = ?',
      ),
      logKeyChange: db.prepare('INSERT INTO key_changes VALUES (?, ?, ?, ?, ?)'),
      maxRevoked: db.prepare<[], { n: number | null }>('SELECT MAX(revoked_seq) AS n FROM identities'),
      revokedSince: db.prepare<[number], { handle: string; identity_key: Buffer; revoked_seq: number }>(
        'SELECT handle, identity_key, revoked_seq FROM identities WHERE revoked_seq > ? ORDER BY revoked_seq',
      ),
      revoke: db.prepare(
        'UPDATE identities SET revoked_seq = (SELECT COALESCE(MAX(revoked_seq), 0) + 1 FROM identities) WHERE handle = ? AND revoked_seq IS NULL',
      ),
      unlogged: db.prepare<[], Row>(
        'SELECT * FROM identities WHERE handle NOT IN (SELECT handle FROM log_entries) ORDER BY registered_at, handle',
      ),
    };
    this.adoptUnlogged();
    this.dataVersion = this.readDataVersion();
    this.revokedSeq = this.q.maxRevoked.get()?.n ?? 0;
  }

  /** Appends an entry the relay's log key signs (revoke, adopt). */
  private appendBySelf(event: Unsigned<Extract<KeyEvent, { type: 'revoke' | 'adopt' }>>): void {
    const unsigned = { ...event, sig: new Uint8Array(64) } as KeyEvent;
    this.append({ ...unsigned, sig: this.logKey.signEntry(relaySignedMessage(unsigned)) } as KeyEvent);
  }

  private append(event: KeyEvent): void {
    this.log.append(event.handle, encodeEntry(event));
  }

  /**
   * Handles registered before this folder had a log enter it once, as `adopt` entries signed by the log
   * key (their original registration signatures cover older bundles); revoked ones are logged revoked.
   */
  private adoptUnlogged(): void {
    this.db.transaction(() => {
      for (const row of this.q.unlogged.all()) {
        const time = Date.now();
        this.appendBySelf({ type: 'adopt', handle: row.handle, time, key: new Uint8Array(row.identity_key), bundle: row.bundle });
        if (row.revoked_seq !== null) this.appendBySelf({ type: 'revoke', handle: row.handle, time, key: new Uint8Array(row.identity_key) });
      }
    }).immediate();
  }

  /**
   * Group commit: changes that arrive while the event loop is busy run in one transaction, each in its
   * own savepoint (a refused one rolls back alone), so one fsync (synchronous=FULL) covers them all.
   * Each caller hears back only once the transaction holding its change is committed.
   */
  private commit<T>(change: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ change, resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending.splice(0);
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db.transaction(() => {
        for (const { change } of batch) {
          try {
            outcomes.push({ ok: true, value: this.db.transaction(change)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      }).immediate();
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.value);
      else p.reject(o.error);
    });
  }

  async logged(handle: string): Promise<LoggedLookup> {
    // One read transaction: the row and the log are one snapshot (WAL), so the served key is the logged one.
    return this.db.transaction(() => {
      const size = this.log.size;
      return { entry: toEntry(this.q.byHandle.get(handle)), size, entries: this.log.entriesOf(handle, size, LOG_HANDLE_ENTRIES_MAX) };
    }).deferred();
  }

  async syncLog(): Promise<void> {
    // One database file: the log object always reads the committed state.
  }

  private readDataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  async byHandle(handle: string): Promise<DirectoryEntry | null> {
    return toEntry(this.q.byHandle.get(handle));
  }

  async byKey(identityKey: Uint8Array): Promise<DirectoryEntry | null> {
    return toEntry(this.q.byKey.get(Buffer.from(identityKey)));
  }

  route(handle: string): Promise<DirectoryEntry | null> {
    return this.byHandle(handle);
  }

  async register(r: Registration): Promise<void> {
    const key = Buffer.from(r.identityKey);
    return this.commit(() => {
      const byHandle = this.q.byHandle.get(r.handle);
      if (byHandle) {
        if (!key.equals(byHandle.identity_key)) throw new DirectoryError('handle-taken', 'this handle belongs to another identity');
        if (byHandle.revoked_seq !== null) throw new DirectoryError('revoked', 'this identity is revoked');
        if (r.prekeyCreated > byHandle.prekey_created) {
          this.q.updateBundle.run(r.bundle, r.prekeyCreated, key);
          this.append({ type: 'register', handle: r.handle, time: Date.now(), key: r.identityKey, bundle: r.bundle, sig: r.signature });
        }
        return;
      }
      if (this.q.byKey.get(key)) throw new DirectoryError('identity-registered', 'this identity already has another handle');
      const time = Date.now();
      this.q.insert.run(r.handle, key, r.bundle, r.prekeyCreated, Buffer.from(r.signature), time);
      this.append({ type: 'register', handle: r.handle, time, key: r.identityKey, bundle: r.bundle, sig: r.signature });
    });
  }

  async rotate(identityKey: Uint8Array, bundle: string, prekeyCreated: number): Promise<string> {
    const key = Buffer.from(identityKey);
    return this.commit(() => {
      const row = this.q.byKey.get(key);
      if (!row) throw new DirectoryError('not-registered', 'this identity has no handle here');
      if (row.revoked_seq !== null) throw new DirectoryError('revoked', 'this identity is revoked');
      if (prekeyCreated <= row.prekey_created) throw new DirectoryError('stale-prekey', 'the new prekey is not newer than the registered one');
      this.q.updateBundle.run(bundle, prekeyCreated, key);
      this.append({ type: 'rotate', handle: row.handle, time: Date.now(), key: identityKey, bundle });
      return row.handle;
    });
  }

  async changeKey(c: KeyChange): Promise<void> {
    const oldKey = Buffer.from(c.oldKey);
    const newKey = Buffer.from(c.newKey);
    return this.commit(() => {
      const row = this.q.byHandle.get(c.handle);
      if (!row) throw new DirectoryError('not-found', 'no such handle');
      if (row.revoked_seq !== null) throw new DirectoryError('revoked', 'this identity is revoked');
      if (!oldKey.equals(row.identity_key)) throw new DirectoryError('bad-signature', 'the statement is not from the registered key');
      if (this.q.byKey.get(newKey)) throw new DirectoryError('identity-registered', 'the new identity already has a handle');
      this.q.replaceKey.run(newKey, c.bundle, c.prekeyCreated, Buffer.from(c.statement), c.handle);
      const time = Date.now();
      this.q.logKeyChange.run(c.handle, oldKey, newKey, Buffer.from(c.statement), time);
      this.append({ type: 'key-change', handle: c.handle, time, oldKey: c.oldKey, newKey: c.newKey, bundle: c.bundle, sig: c.statement });
    });
  }

  async revoke(handle: string): Promise<boolean> {
    return this.commit(() => {
      const row = this.q.byHandle.get(handle);
      if (!row || this.q.revoke.run(handle).changes !== 1) return false;
      this.appendBySelf({ type: 'revoke', handle, time: Date.now(), key: new Uint8Array(row.identity_key) });
      return true;
    });
  }

  async pollRevocations(): Promise<{ handle: string; identityKey: Uint8Array }[]> {
    // data_version changes only when another connection (the admin command) commits: a cheap check.
    const v = this.readDataVersion();
    if (v === this.dataVersion) return [];
    this.dataVersion = v;
    const rows = this.q.revokedSince.all(this.revokedSeq);
    const last = rows[rows.length - 1];
    if (last) this.revokedSeq = last.revoked_seq;
    return rows.map((r) => ({ handle: r.handle, identityKey: new Uint8Array(r.identity_key) }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
