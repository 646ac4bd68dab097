// The cluster store's schema in PostgreSQL: the same tables as the embedded SQLite directory
// (relay/directory.ts, relay/keylog.ts) with BIGINT / BYTEA / TEXT, and a version table. An empty database
// gets every migration on a node's first start; a database at an older version is left alone: the node
// refuses to start and names the migration that `c2c-relay --postgres URL --migrate` applies.
import type { Pool, PoolClient } from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: '0001-directory-and-key-log',
    sql: `
      CREATE TABLE IF NOT EXISTS identities (
        handle TEXT PRIMARY KEY,
        identity_key BYTEA NOT NULL UNIQUE,
        bundle TEXT NOT NULL,
        prekey_created BIGINT NOT NULL,
        registration_sig BYTEA NOT NULL,
        registered_at BIGINT NOT NULL,
        revoked_seq BIGINT
      );
      CREATE INDEX IF NOT EXISTS identities_revoked ON identities(revoked_seq) WHERE revoked_seq IS NOT NULL;
      CREATE TABLE IF NOT EXISTS key_changes (
        handle TEXT NOT NULL,
        old_key BYTEA NOT NULL,
        new_key BYTEA NOT NULL,
        statement BYTEA NOT NULL,
        changed_at BIGINT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS log_entries (
        idx BIGINT PRIMARY KEY,
        handle TEXT NOT NULL,
        entry TEXT NOT NULL,
        leaf_hash BYTEA NOT NULL
      );
      CREATE INDEX IF NOT EXISTS log_entries_by_handle ON log_entries(handle, idx);
      CREATE TABLE IF NOT EXISTS log_nodes (
        level INTEGER NOT NULL,
        idx BIGINT NOT NULL,
        hash BYTEA NOT NULL,
        PRIMARY KEY (level, idx)
      );
      -- The log's public key: every node must sign with the same key (the file is not in the database).
      CREATE TABLE IF NOT EXISTS c2c_log_key (
        origin TEXT NOT NULL,
        public_key BYTEA NOT NULL
      );
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Held (transaction-scoped) by every write to the directory and the log, and by migrations. */
const WRITE_LOCK = 0x63326372; // "c2cr"

async function readVersion(client: PoolClient): Promise<number | null> {
  const table = await client.query<{ t: string | null }>("SELECT to_regclass('c2c_schema_version')::text AS t");
  if (!table.rows[0]?.t) return null;
  const row = await client.query<{ version: number }>('SELECT version FROM c2c_schema_version');
  return row.rows[0]?.version ?? 0;
}

async function apply(client: PoolClient, from: number): Promise<void> {
  await client.query('CREATE TABLE IF NOT EXISTS c2c_schema_version (version INTEGER NOT NULL)');
  for (const m of MIGRATIONS) if (m.version > from) await client.query(m.sql);
  await client.query('DELETE FROM c2c_schema_version');
  await client.query('INSERT INTO c2c_schema_version (version) VALUES ($1)', [SCHEMA_VERSION]);
}

/** Runs `run` in one transaction opened by `begin`; anything that fails in it rolls the whole back. */
export async function inTransaction<T>(pool: Pool, begin: string, run: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await run(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** A transaction holding the cluster-wide write lock: nodes never interleave writes. */
export function underWriteLock<T>(pool: Pool, run: (client: PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, 'BEGIN', async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
    return run(client);
  });
}

/** Creates the schema in an empty database; throws with the migration to run when it is older. */
export async function prepareSchema(pool: Pool): Promise<void> {
  await underWriteLock(pool, async (client) => {
    const version = await readVersion(client);
    if (version === null) return apply(client, 0);
    if (version > SCHEMA_VERSION) throw new Error(`the PostgreSQL schema is version ${version}, newer than this relay (${SCHEMA_VERSION}): run a newer relay`);
    if (version < SCHEMA_VERSION) {
      const next = MIGRATIONS.find((m) => m.version > version)!;
      throw new Error(
        `the PostgreSQL schema is version ${version}, older than this relay (${SCHEMA_VERSION}): run migration ${next.name} with \`c2c-relay --postgres URL --migrate\``,
      );
    }
  });
}

/** Applies the migrations the database lacks; returns the names applied. */
export async function migrate(pool: Pool): Promise<string[]> {
  return underWriteLock(pool, async (client) => {
    const version = (await readVersion(client)) ?? 0;
    if (version > SCHEMA_VERSION) throw new Error(`the PostgreSQL schema is version ${version}, newer than this relay (${SCHEMA_VERSION})`);
    const names = MIGRATIONS.filter((m) => m.version > version).map((m) => m.name);
    if (names.length > 0) await apply(client, version);
    return names;
  });
}
