// Crash safety and shutdown: kill -9 in the middle of a registration storm loses no acknowledged
// registration and leaves an intact database; SIGTERM closes sockets with 1001 and exits 0.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, client, makeIdentity, startRelay, tempDir, until, type TestIdentity } from './harness';

afterAll(cleanup);

describe('durability', () => {
  it('keeps every acknowledged registration across kill -9 and restart; integrity_check ok', async () => {
    const dataDir = tempDir();
    const relay = await startRelay(['--max-conns-per-ip', '100', '--register-rate', '0', '--register-rate-global', '0'], dataDir);
    const ids: [string, TestIdentity][] = [];
    for (let i = 0; i < 400; i++) ids.push([`user-${i}`, await makeIdentity(`user-${i}`)]);
    const acked = new Map<string, string>();
    let next = 0;
    let killed = false;
    // 8 workers register as fast as they can; the relay dies mid-storm.
    const workers = Array.from({ length: 8 }, async () => {
      while (!killed && next < ids.length) {
        const [handle, id] = ids[next++]!;
        const c = client(relay.url, id.identity);
        try {
          await c.connect();
          await c.register(handle, id.bundle);
          acked.set(handle, id.bundle);
        } catch {
          // the relay is gone: unacknowledged, so nothing is promised for this one
        } finally {
          c.close();
        }
      }
    });
    await until(() => acked.size >= 60, 30_000);
    killed = true;
    expect(await relay.kill('SIGKILL')).toBe('SIGKILL');
    await Promise.all(workers);
    expect(acked.size).toBeGreaterThanOrEqual(60);

    const db = new Database(join(dataDir, 'directory.sqlite'));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const again = await startRelay([], dataDir);
    const anon = client(again.url);
    for (const [handle, bundle] of acked) {
      await expect(anon.lookup(handle)).resolves.toEqual({ handle, bundle });
    }
    anon.close();
    expect(await again.kill('SIGTERM')).toBe(0);
  });

  it('on SIGTERM stops accepting, closes sockets with 1001, closes the database and exits 0', async () => {
    const relay = await startRelay();
    const id = await makeIdentity('stayer');
    const c = client(relay.url, id.identity);
    await c.connect();
    await c.register('stayer', id.bundle);
    const closed = new Promise<number | undefined>((r) => c.onState((s, e) => s === 'closed' && r(e?.closeCode)));
    relay.proc.kill('SIGTERM');
    expect(await closed).toBe(1001);
    expect(await relay.exited).toBe(0);
    expect(relay.stdout()).toMatch(/"event":"shutdown"/);
    await expect(fetch(`http://127.0.0.1:${relay.port}/healthz`)).rejects.toThrow();
    // Cleanly closed: the WAL was checkpointed away and the registration is in the main file.
    const db = new Database(join(relay.dataDir, 'directory.sqlite'), { readonly: true });
    expect(db.prepare('SELECT handle FROM identities').all()).toEqual([{ handle: 'stayer' }]);
    db.close();
  });
});
