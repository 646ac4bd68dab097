// The key directory: handle → identity key + public bundle line. `Directory` is the seam for a
// PostgreSQL implementation later; `SqliteDirectory` is the embedded default (better-sqlite3, WAL).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RelayErrorCode } from '../lib/protocol/relay';

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

export interface Directory {
  byHandle(handle: string): Promise<DirectoryEntry | null>;
  byKey(identityKey: Uint8Array): Promise<DirectoryEntry | null>;
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
const SCHEMA_VERSION = 1;

interface Row {
  handle: string;
  identity_key: Buffer;
  bundle: string;
  prekey_created: number;
  revoked_seq: number | null;
}

function toEntry(row: Row | undefined): DirectoryEntry | null {
  if (!row) return null;
  return {
    handle: row.handle,
    identityKey: new Uint8Array(row.identity_key),
    bundle: row.bundle,
    prekeyCreated: row.prekey_created,
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
  if (version < SCHEMA_VERSION) {
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
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
  }
  return db;
}

export class SqliteDirectory implements Directory {
  private readonly db: Database.Database;
  private readonly q;
  private dataVersion: number;
  private revokedSeq: number;

  constructor(dataDir: string) {
    this.db = openSqliteDatabase(dataDir);
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
    };
    this.dataVersion = this.readDataVersion();
    this.revokedSeq = this.q.maxRevoked.get()?.n ?? 0;
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

  async register(r: Registration): Promise<void> {
    const key = Buffer.from(r.identityKey);
    this.db.transaction(() => {
      const byHandle = this.q.byHandle.get(r.handle);
      if (byHandle) {
        if (!key.equals(byHandle.identity_key)) throw new DirectoryError('handle-taken', 'this handle belongs to another identity');
        if (byHandle.revoked_seq !== null) throw new DirectoryError('revoked', 'this identity is revoked');
        if (r.prekeyCreated > byHandle.prekey_created) this.q.updateBundle.run(r.bundle, r.prekeyCreated, key);
        return;
      }
      if (this.q.byKey.get(key)) throw new DirectoryError('identity-registered', 'this identity already has another handle');
      this.q.insert.run(r.handle, key, r.bundle, r.prekeyCreated, Buffer.from(r.signature), Date.now());
    })();
  }

  async rotate(identityKey: Uint8Array, bundle: string, prekeyCreated: number): Promise<string> {
    const key = Buffer.from(identityKey);
    return this.db.transaction(() => {
      const row = this.q.byKey.get(key);
      if (!row) throw new DirectoryError('not-registered', 'this identity has no handle here');
      if (row.revoked_seq !== null) throw new DirectoryError('revoked', 'this identity is revoked');
      if (prekeyCreated <= row.prekey_created) throw new DirectoryError('stale-prekey', 'the new prekey is not newer than the registered one');
      this.q.updateBundle.run(bundle, prekeyCreated, key);
      return row.handle;
    })();
  }

  async changeKey(c: KeyChange): Promise<void> {
    const oldKey = Buffer.from(c.oldKey);
    const newKey = Buffer.from(c.newKey);
    this.db.transaction(() => {
      const row = this.q.byHandle.get(c.handle);
      if (!row) throw new DirectoryError('not-found', 'no such handle');
      if (row.revoked_seq !== null) throw new DirectoryError('revoked', 'this identity is revoked');
      if (!oldKey.equals(row.identity_key)) throw new DirectoryError('bad-signature', 'the statement is not from the registered key');
      if (this.q.byKey.get(newKey)) throw new DirectoryError('identity-registered', 'the new identity already has a handle');
      this.q.replaceKey.run(newKey, c.bundle, c.prekeyCreated, Buffer.from(c.statement), c.handle);
      this.q.logKeyChange.run(c.handle, oldKey, newKey, Buffer.from(c.statement), Date.now());
    })();
  }

  async revoke(handle: string): Promise<boolean> {
    const info = this.db
      .prepare(
        'UPDATE identities SET revoked_seq = (SELECT COALESCE(MAX(revoked_seq), 0) + 1 FROM identities) WHERE handle = ? AND revoked_seq IS NULL',
      )
      .run(handle);
    return info.changes === 1;
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
