// Cluster mode stores nothing of what users say: after handle and room traffic across two nodes, the
// canaries and room ids appear nowhere in a pg_dump, in Redis's keyspace or in the nodes' output. And a
// node given bad settings exits with one clear line.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { toBase64Url, utf8 } from '../../lib/bytes';
import type { Cluster } from './cluster-harness';
import { client, freePort, makeIdentity, registered, startRelay, tempDir, until, type RunningRelay } from './harness';
import { withTwoNodes } from './two-nodes';

let cluster: Cluster;
let one: RunningRelay;
let two: RunningRelay;

withTwoNodes((nodes) => ({ cluster, one, two } = nodes));

/** Exit code and stderr of a node that must refuse to start. */
async function refused(args: string[]): Promise<{ code: number | string; stderr: string }> {
  const error = await startRelay(args, null).then(
    () => null,
    (e: Error) => e.message,
  );
  const m = /^relay exited \((\w+)\): ([\s\S]*)$/.exec(error ?? '');
  if (!m) throw new Error(`the node did not refuse to start: ${error}`);
  return { code: /^\d+$/.test(m[1]!) ? Number(m[1]) : m[1]!, stderr: m[2]! };
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('still clean', () => {
  it('no canary or room id in PostgreSQL, Redis or any node output', async () => {
    const canaries = Array.from({ length: 4 }, () => `canary-${toBase64Url(crypto.getRandomValues(new Uint8Array(12)))}`);
    const room = crypto.getRandomValues(new Uint8Array(32));
    const a = await registered(one.url, 'clean-a');
    const b = await registered(two.url, 'clean-b');
    let received = 0;
    b.c.onMessage(() => received++);
    await a.c.joinRoom(room);
    await b.c.joinRoom(room);
    await a.c.sendToHandle('clean-b', utf8(canaries[0]!));
    a.c.sendToRoom(room, utf8(canaries[1]!));
    b.c.sendToRoom(room, utf8(canaries[2]!));
    // To someone offline: accepted, and not kept anywhere for later.
    const absent = await makeIdentity('clean-absent');
    const c = client(two.url, absent.identity);
    await c.connect();
    await c.register('clean-absent', absent.bundle);
    c.close();
    await a.c.sendToHandle('clean-absent', utf8(canaries[3]!));
    await until(() => received === 2);
    a.c.close();
    b.c.close();

    const dump = cluster.pg.dump();
    expect(dump).toContain('clean-a'); // the dump is of the right database
    const keyspace = cluster.redis.keyspace();
    const outputs = [one, two].map((n) => n.stdout() + n.stderr()).join('\n');
    const roomForms = [Buffer.from(room).toString('hex'), toBase64Url(room), Buffer.from(room).toString('base64'), Buffer.from(room).toString('latin1')];
    for (const where of [dump, keyspace, outputs]) {
      for (const secret of [...canaries, ...roomForms]) expect(where).not.toContain(secret);
    }
    expect(keyspace.trim()).toBe('# Keyspace');
  });
});

describe('bad settings', () => {
  it('a wrong or unreachable URL ends the node with one clear line, never echoing the URL', async () => {
    const { redis, pg: db } = cluster;
    const scheme = await refused(['--postgres', 'mysql://secret@127.0.0.1/x', '--redis', redis.url]);
    expect(scheme.code).toBe(2);
    expect(oneLine(scheme.stderr)).toBe('c2c relay: --postgres must be a postgres:// or postgresql:// URL');
    const noPg = await refused(['--postgres', `postgres://u:secret@127.0.0.1:${await freePort()}/x`, '--redis', redis.url]);
    expect(noPg.code).toBe(1);
    expect(oneLine(noPg.stderr)).toBe('c2c relay: PostgreSQL: connection refused');
    const noRedis = await refused(['--postgres', db.url, '--redis', `redis://:secret@127.0.0.1:${await freePort()}`, '--log-key', cluster.logKeyFile]);
    expect(noRedis.code).toBe(1);
    expect(oneLine(noRedis.stderr)).toBe('c2c relay: Redis: connection refused');
    const both = await refused(['--postgres', db.url, '--redis', redis.url, '--data', tempDir()]);
    expect(oneLine(both.stderr)).toMatch(/--data is for the embedded store/);
    const half = await refused(['--redis', redis.url]);
    expect(oneLine(half.stderr)).toMatch(/needs --postgres URL/);
    for (const r of [scheme, noPg, noRedis]) expect(r.stderr).not.toContain('secret');
  });

  it("a node with another log key than the cluster's refuses to start", async () => {
    const other = await refused([...cluster.args().slice(0, 4), '--log-key', `${tempDir()}/other-key.json`]);
    expect(oneLine(other.stderr)).toMatch(/this node's log key is not the cluster's .*give every node the same --log-key file/);
  });

  it('an older schema: the node refuses and names the migration; --migrate applies it', async () => {
    const admin = new pg.Client({ connectionString: cluster.pg.url });
    await admin.connect();
    try {
      await admin.query('UPDATE c2c_schema_version SET version = 0');
      const old = await refused(cluster.args());
      expect(old.code).toBe(1);
      expect(oneLine(old.stderr)).toBe(
        'c2c relay: PostgreSQL: the PostgreSQL schema is version 0, older than this relay (1): run migration 0001-directory-and-key-log with `c2c-relay --postgres URL --migrate`',
      );
      await admin.query('UPDATE c2c_schema_version SET version = 99');
      expect(oneLine((await refused(cluster.args())).stderr)).toMatch(/schema is version 99, newer than this relay/);
      await admin.query('UPDATE c2c_schema_version SET version = 0');
    } finally {
      await admin.end();
    }
    const migrate = await refused(['--postgres', cluster.pg.url, '--migrate']);
    expect(migrate.code).toBe(0);
    const node = await cluster.node();
    const anon = client(node.url);
    expect((await anon.lookup('clean-a')).handle).toBe('clean-a'); // the data survived the migration
    anon.close();
  });
});
