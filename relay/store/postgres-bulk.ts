// New registrations of one group commit, written together: a batch of registrations whose handles and
// keys are new (to the database and to each other) costs one query to check and one to insert, however
// many there are. Anything else (a known handle or key) takes the one-by-one path, which decides what it is.
import type { PoolClient } from 'pg';
import { encodeEntry } from '../../lib/keylog/entry';
import type { Registration } from '../directory';
import type { PostgresKeyLog } from './postgres-log';

const keyText = (key: Uint8Array) => Buffer.from(key).toString('hex');

/** Handles and keys (hex) among `regs` that the database already has. */
export async function takenAmong(client: PoolClient, regs: Registration[]): Promise<Set<string>> {
  const rows = await client.query<{ handle: string; identity_key: Buffer }>(
    'SELECT handle, identity_key FROM identities WHERE handle = ANY($1::text[]) OR identity_key = ANY($2::bytea[])',
    [regs.map((r) => r.handle), regs.map((r) => Buffer.from(r.identityKey))],
  );
  return new Set(rows.rows.flatMap((r) => [r.handle, r.identity_key.toString('hex')]));
}

export class BulkRegistrations {
  private readonly seen = new Set<string>();
  private rows: { r: Registration; time: number; entry: unknown[] }[] = [];

  constructor(
    private readonly log: PostgresKeyLog,
    private readonly taken: Set<string>,
  ) {}

  /** Takes `r` if its handle and key are new to the database and to this batch. */
  add(r: Registration): boolean {
    const key = keyText(r.identityKey);
    if (this.taken.has(r.handle) || this.taken.has(key) || this.seen.has(r.handle) || this.seen.has(key)) return false;
    this.seen.add(r.handle).add(key);
    const time = Date.now();
    const entry = this.log.stage(r.handle, encodeEntry({ type: 'register', handle: r.handle, time, key: r.identityKey, bundle: r.bundle, sig: r.signature }));
    this.rows.push({ r, time, entry });
    return true;
  }

  /** Inserts what was taken (before any other change of the batch runs, so it sees them). */
  async flush(client: PoolClient): Promise<void> {
    const rows = this.rows;
    if (rows.length === 0) return;
    this.rows = [];
    // stage() parameters: [idx, handle, entry, leaf hash, node levels[], node indexes[], node hashes[]].
    const column = <T>(i: number) => rows.map((x) => x.entry[i] as T);
    const nodes = <T>(i: number) => rows.flatMap((x) => x.entry[i] as T[]);
    await client.query(
      `WITH identity AS (
        INSERT INTO identities (handle, identity_key, bundle, prekey_created, registration_sig, registered_at)
        SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[], $4::bigint[], $5::bytea[], $6::bigint[])
      ), leaf AS (
        INSERT INTO log_entries (idx, handle, entry, leaf_hash) SELECT * FROM unnest($7::bigint[], $1::text[], $8::text[], $9::bytea[])
      )
      INSERT INTO log_nodes (level, idx, hash) SELECT * FROM unnest($10::int[], $11::bigint[], $12::bytea[])`,
      [
        rows.map((x) => x.r.handle), rows.map((x) => Buffer.from(x.r.identityKey)), rows.map((x) => x.r.bundle),
        rows.map((x) => x.r.prekeyCreated), rows.map((x) => Buffer.from(x.r.signature)), rows.map((x) => x.time),
        column<number>(0), column<string>(2), column<Buffer>(3),
        nodes<number>(4), nodes<number>(5), nodes<Buffer>(6),
      ],
    );
  }
}
