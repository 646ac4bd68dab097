// The directory and key log in PostgreSQL, for several relay nodes sharing one database (cluster mode).
// Same rules as SqliteDirectory (relay/directory.ts): changes that arrive together commit in one
// transaction (group commit), a caller hears back only once its change is committed, and every change
// appends its signed log entry in the same transaction. Writes hold one cluster-wide advisory lock, so
// nodes never interleave log appends. A store that cannot be reached answers with a clear error.
import pg from 'pg';
import { encodeEntry, relaySignedMessage, type KeyEvent } from '../../lib/keylog/entry';
import { LOG_HANDLE_ENTRIES_MAX } from '../../lib/protocol/relay';
import { DirectoryError, toEntry, type Directory, type DirectoryEntry, type DirectoryRow, type KeyChange, type LoggedLookup, type Registration } from '../directory';
import { log } from '../log';
import type { LogKey } from '../log-key';
import { BulkRegistrations, takenAmong } from './postgres-bulk';
import { APPEND_SQL, PostgresKeyLog } from './postgres-log';
import { inTransaction, prepareSchema, underWriteLock } from './postgres-schema';

type Row = DirectoryRow<string>;

type Unsigned<T> = T extends unknown ? Omit<T, 'sig'> : never;
type Change = (client: pg.PoolClient) => Promise<unknown>;

/** How long a routing answer is reused, and at most how many are kept. */
const ROUTE_FRESH_MS = 1000;
const ROUTE_CACHE_MAX = 100_000;
/** Changes per transaction at most (one fsync covers them all). */
const BATCH_MAX = 256;

const UNAVAILABLE = "the relay's directory is unavailable; try again later";

/** Pool settings: bounded waits everywhere, so a store that is down fails requests rather than hanging them. */
export function createPool(url: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 8,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 5000,
    query_timeout: 6000,
    application_name: 'c2c-relay',
  });
  // An idle connection that the server drops must not end the process: the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** Opens the store: checks that the database answers and its schema is this relay's. Throws one clear line. */
export async function openPostgresDirectory(url: string, logKey: LogKey): Promise<PostgresDirectory> {
  const pool = createPool(url);
  try {
    await prepareSchema(pool);
    const directory = new PostgresDirectory(pool, logKey);
    await directory.init();
    return directory;
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new Error(`PostgreSQL: ${describe(e)}`);
  }
}

/** One line for a pg failure, without the URL (it may hold a password). */
export function describe(e: unknown): string {
  const err = e as { code?: string; message?: string };
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return 'unknown host';
  if (err.code === '28P01' || err.code === '28000') return 'authentication failed';
  if (err.code === '3D000') return 'no such database';
  return (err.message ?? String(e)).split('\n')[0]!;
}

export class PostgresDirectory implements Directory {
  readonly log: PostgresKeyLog;
  private readonly pending: { change: Change; registration?: Registration; resolve(value: unknown): void; reject(error: unknown): void }[] = [];
  private flushing = false;
  private revokedSeq = 0;
  private readonly routes = new Map<string, { entry: DirectoryEntry | null; at: number }>();
  private down = false;

  constructor(
    private readonly pool: pg.Pool,
    readonly logKey: LogKey,
  ) {
    this.log = new PostgresKeyLog(pool);
  }

  async init(): Promise<void> {
    const key = await underWriteLock(this.pool, async (client) => {
      const row = (await client.query<{ origin: string; public_key: Buffer }>('SELECT origin, public_key FROM c2c_log_key')).rows[0];
      if (row) return row;
      const mine = { origin: this.logKey.origin, public_key: Buffer.from(this.logKey.publicKey) };
      await client.query('INSERT INTO c2c_log_key (origin, public_key) VALUES ($1, $2)', [mine.origin, mine.public_key]);
      return mine;
    });
    if (key.origin !== this.logKey.origin || !key.public_key.equals(this.logKey.publicKey)) {
      throw new Error(`this node's log key is not the cluster's (log "${key.origin}"): give every node the same --log-key file`);
    }
    const row = await this.pool.query<{ n: string | null }>('SELECT MAX(revoked_seq) AS n FROM identities');
    this.revokedSeq = Number(row.rows[0]?.n ?? 0);
    await this.log.exclusive(() => this.log.catchUp());
  }

  /** Runs a read; a store that cannot be reached becomes the wire's clear "unavailable" answer. */
  private async read<T>(run: () => Promise<T>): Promise<T> {
    try {
      const value = await run();
      this.markUp();
      return value;
    } catch (e) {
      throw this.unavailable(e);
    }
  }

  private unavailable(e: unknown): Error {
    if (e instanceof DirectoryError) return e;
    if (!this.down) log('error', 'error', { where: 'postgres', message: describe(e) });
    this.down = true;
    return new DirectoryError('internal', UNAVAILABLE);
  }

  private markUp(): void {
    if (!this.down) return;
    this.down = false;
    log('info', 'postgres-up', {});
  }

  async syncLog(): Promise<void> {
    await this.read(async () => {
      const row = await this.pool.query<{ n: string }>('SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM log_entries');
      await this.log.syncTo(Number(row.rows[0]!.n));
    });
  }

  async logged(handle: string): Promise<LoggedLookup> {
    // One snapshot for the row and the log, so the served key is the logged one.
    const found = await this.read(() =>
      inTransaction(this.pool, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (client) => {
        const size = Number((await client.query<{ n: string }>('SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM log_entries')).rows[0]!.n);
        const row = await client.query<Row>('SELECT * FROM identities WHERE handle = $1', [handle]);
        return { entry: toEntry(row.rows[0]), size, entries: await this.log.entriesOf(client, handle, size, LOG_HANDLE_ENTRIES_MAX) };
      }),
    );
    await this.read(() => this.log.syncTo(found.size));
    return found;
  }

  async byHandle(handle: string): Promise<DirectoryEntry | null> {
    return this.read(async () => toEntry((await this.pool.query<Row>('SELECT * FROM identities WHERE handle = $1', [handle])).rows[0]));
  }

  async byKey(identityKey: Uint8Array): Promise<DirectoryEntry | null> {
    return this.read(async () => toEntry((await this.pool.query<Row>('SELECT * FROM identities WHERE identity_key = $1', [Buffer.from(identityKey)])).rows[0]));
  }

  /**
   * Live frames to a handle look it up at most once a second per node; while the store is down the last
   * answer is used, so online users keep talking. Revocations drop the cached answer (pollRevocations).
   */
  async route(handle: string): Promise<DirectoryEntry | null> {
    const cached = this.routes.get(handle);
    const now = Date.now();
    if (cached && now - cached.at < ROUTE_FRESH_MS) return cached.entry;
    try {
      const entry = await this.byHandle(handle);
      if (this.routes.size >= ROUTE_CACHE_MAX) this.routes.clear();
      this.routes.set(handle, { entry, at: now });
      return entry;
    } catch (e) {
      if (cached) return cached.entry;
      throw e;
    }
  }

  /** Group commit: see SqliteDirectory.commit. A refused change (DirectoryError) writes nothing. */
  private commit<T>(change: (client: pg.PoolClient) => Promise<T>, registration?: Registration): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ change, registration, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) await this.runBatch(this.pending.splice(0, BATCH_MAX));
    this.flushing = false;
  }

  private async runBatch(batch: typeof this.pending): Promise<void> {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await this.log.exclusive(async () => {
        try {
          await underWriteLock(this.pool, async (client) => {
            await this.log.catchUp(client);
            const registrations = batch.flatMap((p) => (p.registration ? [p.registration] : []));
            const bulk = registrations.length > 1 ? new BulkRegistrations(this.log, await takenAmong(client, registrations)) : null;
            for (const { change, registration } of batch) {
              if (registration && bulk?.add(registration)) {
                outcomes.push({ ok: true, value: undefined });
                continue;
              }
              await bulk?.flush(client);
              try {
                outcomes.push({ ok: true, value: await change(client) });
              } catch (error) {
                if (!(error instanceof DirectoryError)) throw error;
                outcomes.push({ ok: false, error });
              }
            }
            await bulk?.flush(client);
          });
          this.log.commit();
        } catch (e) {
          this.log.rollback();
          throw e;
        }
      });
      this.markUp();
    } catch (error) {
      const e = this.unavailable(error);
      for (const p of batch) p.reject(e);
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.value);
      else p.reject(o.error);
    });
  }

  private async append(client: pg.PoolClient, event: KeyEvent): Promise<void> {
    await this.log.append(client, event.handle, encodeEntry(event));
  }

  private async appendBySelf(client: pg.PoolClient, event: Unsigned<Extract<KeyEvent, { type: 'revoke' | 'adopt' }>>): Promise<void> {
    const unsigned = { ...event, sig: new Uint8Array(64) } as KeyEvent;
    await this.append(client, { ...unsigned, sig: this.logKey.signEntry(relaySignedMessage(unsigned)) } as KeyEvent);
  }

  async register(r: Registration): Promise<void> {
    const key = Buffer.from(r.identityKey);
    await this.commit(async (client) => {
      // The common case, a new handle for a new key, is one round trip: the rows are inserted only if no
      // row has the handle or the key; otherwise those rows come back and the rules below decide.
      const mark = this.log.pending;
      const time = Date.now();
      const entry = this.log.stage(r.handle, encodeEntry({ type: 'register', handle: r.handle, time, key: r.identityKey, bundle: r.bundle, sig: r.signature }));
      const found = await client.query<Row>(
        `WITH existing AS (SELECT * FROM identities WHERE handle = $2 OR identity_key = $8),
        identity AS (
          INSERT INTO identities (handle, identity_key, bundle, prekey_created, registration_sig, registered_at)
          SELECT $2, $8, $9, $10, $11, $12 WHERE NOT EXISTS (SELECT 1 FROM existing)
        ),
        ${APPEND_SQL.replaceAll('$COND', 'NOT EXISTS (SELECT 1 FROM existing)')}
        SELECT * FROM existing`,
        [...entry, key, r.bundle, r.prekeyCreated, Buffer.from(r.signature), time],
      );
      if (found.rows.length === 0) return;
      this.log.truncate(mark);
      const byHandle = found.rows.find((row) => row.handle === r.handle);
      if (byHandle) {
        if (!key.equals(byHandle.identity_key)) throw new DirectoryError('handle-taken', 'this handle belongs to another identity');
        if (byHandle.revoked_seq !== null) throw new DirectoryError('revoked', 'this identity is revoked');
        if (r.prekeyCreated > Number(byHandle.prekey_created)) {
          await client.query('UPDATE identities SET bundle = $1, prekey_created = $2 WHERE identity_key = $3', [r.bundle, r.prekeyCreated, key]);
          await this.append(client, { type: 'register', handle: r.handle, time: Date.now(), key: r.identityKey, bundle: r.bundle, sig: r.signature });
        }
        return;
      }
      throw new DirectoryError('identity-registered', 'this identity already has another handle');
    }, r);
  }

  async rotate(identityKey: Uint8Array, bundle: string, prekeyCreated: number): Promise<string> {
    const key = Buffer.from(identityKey);
    return this.commit(async (client) => {
      const row = (await client.query<Row>('SELECT * FROM identities WHERE identity_key = $1', [key])).rows[0];
      if (!row) throw new DirectoryError('not-registered', 'this identity has no handle here');
      if (row.revoked_seq !== null) throw new DirectoryError('revoked', 'this identity is revoked');
      if (prekeyCreated <= Number(row.prekey_created)) throw new DirectoryError('stale-prekey', 'the new prekey is not newer than the registered one');
      await client.query('UPDATE identities SET bundle = $1, prekey_created = $2 WHERE identity_key = $3', [bundle, prekeyCreated, key]);
      await this.append(client, { type: 'rotate', handle: row.handle, time: Date.now(), key: identityKey, bundle });
      return row.handle;
    });
  }

  async changeKey(c: KeyChange): Promise<void> {
    const oldKey = Buffer.from(c.oldKey);
    const newKey = Buffer.from(c.newKey);
    await this.commit(async (client) => {
      const row = (await client.query<Row>('SELECT * FROM identities WHERE handle = $1', [c.handle])).rows[0];
      if (!row) throw new DirectoryError('not-found', 'no such handle');
      if (row.revoked_seq !== null) throw new DirectoryError('revoked', 'this identity is revoked');
      if (!oldKey.equals(row.identity_key)) throw new DirectoryError('bad-signature', 'the statement is not from the registered key');
      if ((await client.query('SELECT 1 FROM identities WHERE identity_key = $1', [newKey])).rowCount) {
        throw new DirectoryError('identity-registered', 'the new identity already has a handle');
      }
      await client.query('UPDATE identities SET identity_key = $1, bundle = $2, prekey_created = $3, registration_sig = $4 WHERE handle = $5', [
        newKey, c.bundle, c.prekeyCreated, Buffer.from(c.statement), c.handle,
      ]);
      const time = Date.now();
      await client.query('INSERT INTO key_changes VALUES ($1, $2, $3, $4, $5)', [c.handle, oldKey, newKey, Buffer.from(c.statement), time]);
      await this.append(client, { type: 'key-change', handle: c.handle, time, oldKey: c.oldKey, newKey: c.newKey, bundle: c.bundle, sig: c.statement });
    });
    this.routes.delete(c.handle);
  }

  async revoke(handle: string): Promise<boolean> {
    return this.commit(async (client) => {
      const row = (await client.query<Row>('SELECT * FROM identities WHERE handle = $1', [handle])).rows[0];
      if (!row || row.revoked_seq !== null) return false;
      await client.query('UPDATE identities SET revoked_seq = (SELECT COALESCE(MAX(revoked_seq), 0) + 1 FROM identities) WHERE handle = $1', [handle]);
      await this.appendBySelf(client, { type: 'revoke', handle, time: Date.now(), key: new Uint8Array(row.identity_key) });
      return true;
    });
  }

  async pollRevocations(): Promise<{ handle: string; identityKey: Uint8Array }[]> {
    let rows;
    try {
      rows = (await this.pool.query<{ handle: string; identity_key: Buffer; revoked_seq: string }>(
        'SELECT handle, identity_key, revoked_seq FROM identities WHERE revoked_seq > $1 ORDER BY revoked_seq',
        [this.revokedSeq],
      )).rows;
      this.markUp();
    } catch (e) {
      // Logged once per outage (not every poll); revocations need the store, so none can be missed.
      this.unavailable(e);
      return [];
    }
    const last = rows[rows.length - 1];
    if (last) this.revokedSeq = Number(last.revoked_seq);
    for (const r of rows) this.routes.delete(r.handle);
    return rows.map((r) => ({ handle: r.handle, identityKey: new Uint8Array(r.identity_key) }));
  }

  close(): void {
    void this.pool.end().catch(() => undefined);
  }
}
