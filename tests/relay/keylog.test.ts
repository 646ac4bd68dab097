// The key log end to end: a real relay process (SQLite), real identities, the real `c2c` CLI keeping a
// state file. An honest relay never raises an alarm, even while others append; each test fault of a
// misbehaving relay (--test-fault) is caught, with exit 3, one `log-inconsistent:` line and the state
// file left as it was.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrekey } from '../../lib/crypto/prekey';
import { encodePublicBundle } from '../../lib/crypto/public-bundle';
import { c2c, cleanup, client, makeIdentity, startRelay, tempDir, type C2CRun, type RunningRelay } from './harness';

const run = (args: string[], stdin = '') => c2c(args, stdin).done;
const FAULTS = { env: { C2C_RELAY_TEST_FAULTS: '1' } };

afterEach(cleanup);

async function register(relay: RunningRelay, handle: string) {
  const id = await makeIdentity(handle);
  const c = client(relay.url, id.identity);
  await c.connect();
  await c.register(handle, id.bundle);
  c.close();
  return id;
}

/** Registers through the CLI, so the key file can listen later. */
async function registerCli(relay: RunningRelay, dir: string, handle: string): Promise<string> {
  const key = join(dir, `${handle}.key`);
  expect((await run(['keygen', '--out', key, '--handle', handle])).code).toBe(0);
  expect((await run(['register', '--relay', relay.url, '--key', key, '--handle', handle])).code).toBe(0);
  return key;
}

const lookup = (relay: RunningRelay, handle: string, state: string) => run(['lookup', '--relay', relay.url, handle, '--state', state]);

function expectOk(r: C2CRun): void {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

/** Exit 3, nothing on stdout, exactly one stderr line: `log-inconsistent: <reason>: …`. */
function expectAlarm(r: C2CRun, reason: string): void {
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^log-inconsistent: ${reason}: `));
  expect(r.code).toBe(3);
}

const sizeIn = (state: string) => Number(JSON.parse(readFileSync(state, 'utf8')).checkpoint.split('\n')[1]);

describe('key log on an honest relay', () => {
  it('lookup --state verifies and keeps the checkpoint; rotations, key changes and revocations are logged and audited', async () => {
    const relay = await startRelay();
    const dir = tempDir();
    const state = join(dir, 'relay.state');
    const alice = await register(relay, 'alice');
    await register(relay, 'bob');

    const first = await lookup(relay, 'alice', state);
    expectOk(first);
    expect(first.stdout.split('\n')[0]).toBe(alice.bundle);
    expect(sizeIn(state)).toBe(2);

    // A rotation is an entry signed (through its prekey signature) by alice's key.
    const newer = encodePublicBundle({ identityKey: alice.identity.publicKey, prekey: await generatePrekey(alice.identity, { now: Date.now() + 1000 }), handle: 'alice' });
    const c = client(relay.url, alice.identity);
    await c.connect();
    await c.rotatePrekey(newer);
    c.close();
    const rotated = await lookup(relay, 'alice', state);
    expectOk(rotated);
    expect(rotated.stdout.split('\n')[0]).toBe(newer);
    expect(sizeIn(state)).toBe(3);

    // A key change signed by the old key, then an admin revocation signed by the relay's log key.
    const carol = await register(relay, 'carol');
    const next = await makeIdentity('carol');
    const mover = client(relay.url, next.identity);
    await mover.connect();
    await mover.changeIdentity('carol', next.bundle, carol.identity);
    mover.close();
    expectOk(await lookup(relay, 'carol', state));
    expect((await run(['relay-admin', 'revoke', '--data', relay.dataDir, 'bob'])).code).toBe(0);

    const checkpoint = await run(['log', 'checkpoint', '--relay', relay.url]);
    expectOk(checkpoint);
    expect(checkpoint.stdout).toMatch(/^c2c-relay\/[0-9a-f]{16}\n6\n[A-Za-z0-9+/]{43}=\n\n— c2c-relay\/[0-9a-f]{16} [A-Za-z0-9+/]+=*\n$/);

    const audit = await run(['log', 'audit', '--relay', relay.url, '--state', state]);
    expectOk(audit);
    expect(audit.stdout).toBe('audited 6 entries of 3 handles: every signature verifies, the root matches\n');
    expect(sizeIn(state)).toBe(6);
    const revoked = await lookup(relay, 'bob', state);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/revoked/);
  });

  it('never raises an alarm while other clients append concurrently', async () => {
    const relay = await startRelay(['--register-rate', '0', '--register-rate-global', '0']); // appends as fast as they go
    const dir = tempDir();
    const state = join(dir, 'relay.state');
    await register(relay, 'watched');
    let appending = true;
    const appends = (async () => {
      for (let i = 0; appending; i++) await register(relay, `busy-${i}`);
    })();
    const results: C2CRun[] = [];
    // Two state files, lookups and audits interleaved with the appends.
    for (let i = 0; i < 6; i++) {
      results.push(...(await Promise.all([lookup(relay, 'watched', state), lookup(relay, 'watched', join(dir, 'other.state'))])));
      if (i % 3 === 2) results.push(await run(['log', 'audit', '--relay', relay.url, '--state', state]));
    }
    appending = false;
    await appends;
    for (const r of results) expectOk(r);
    expect(sizeIn(state)).toBeGreaterThan(1);
  });

  it('c2c listen checks its own handle in the log at start and periodically, and then listens', async () => {
    const relay = await startRelay();
    const dir = tempDir();
    const bob = await registerCli(relay, dir, 'bob');
    const state = join(dir, 'bob.state');
    const listen = await run(['listen', '--relay', relay.url, '--key', bob, '--timeout', '3', '--state', state, '--log-check', '1']);
    // No message came: it timed out listening, after the log checks (at start, then every second) passed.
    expect(listen.stderr).toMatch(/^c2c: timed out after 3 s/);
    expect(sizeIn(state)).toBe(1);
  });

  it('c2c listen refuses a --log-check that is not a number of seconds', async () => {
    const r = await run(['listen', '--relay', 'ws://127.0.0.1:9', '--key', 'none.key', '--log-check', '0']);
    expect(r.stderr).toBe('c2c: --log-check must be a number of seconds from 1 to 2147483\n');
    expect(r.code).toBe(1);
  });
});

describe('state file and log origin', () => {
  it('a damaged state file is refused with one line and left as it was', async () => {
    const relay = await startRelay();
    const dir = tempDir();
    await register(relay, 'alice');
    const state = join(dir, 'relay.state');
    expectOk(await lookup(relay, 'alice', state));
    const good = JSON.parse(readFileSync(state, 'utf8')) as { checkpoint: string };
    for (const bad of ['not json', JSON.stringify({ ...good, format: 'other' }), JSON.stringify({ ...good, checkpoint: good.checkpoint.replace(/\n\d+\n/, '\n9\n') })]) {
      writeFileSync(state, bad);
      const r = await lookup(relay, 'alice', state);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^c2c: .*relay\.state is (not a key-log state file|damaged)[^\n]*\n$/);
      expect(readFileSync(state, 'utf8')).toBe(bad);
    }
  });

  it('--log-origin names a new log; a log keeps its name', async () => {
    const dataDir = tempDir();
    const relay = await startRelay(['--log-origin', 'relay.example.org/log'], dataDir);
    const checkpoint = await run(['log', 'checkpoint', '--relay', relay.url]);
    expectOk(checkpoint);
    expect(checkpoint.stdout).toMatch(/^relay\.example\.org\/log\n0\n47DEQpj8HBSa\+\/TImW\+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— relay\.example\.org\/log /);
    await relay.kill('SIGTERM');
    await expect(startRelay(['--log-origin', 'other.example.org'], dataDir)).rejects.toThrow(/a log's origin cannot change/);
  });
});

describe('a misbehaving relay is caught', () => {
  it('--test-fault is refused without C2C_RELAY_TEST_FAULTS=1', async () => {
    await expect(startRelay(['--test-fault', 'fork'])).rejects.toThrow(/--test-fault is for tests only: it needs C2C_RELAY_TEST_FAULTS=1/);
  });

  it('swap-key: a key the log does not hold is refused by lookup --state and by listen', async () => {
    const relay = await startRelay(['--test-fault', 'swap-key:alice'], undefined, FAULTS);
    const dir = tempDir();
    const aliceKey = await registerCli(relay, dir, 'alice');
    await register(relay, 'bob');
    const state = join(dir, 'relay.state');
    expectOk(await lookup(relay, 'bob', state));
    const before = readFileSync(state);

    // Without a state file the swap goes unseen: this is what the log is for.
    expectOk(await run(['lookup', '--relay', relay.url, 'alice']));
    expectAlarm(await lookup(relay, 'alice', state), 'unlogged-key');
    expect(readFileSync(state)).toEqual(before);
    const listen = await run(['listen', '--relay', relay.url, '--key', aliceKey, '--timeout', '10']);
    expectAlarm(listen, 'unlogged-key');
  });

  it('fork: two connections see two logs, and the second view cannot be joined to the first', async () => {
    const relay = await startRelay(['--test-fault', 'fork'], undefined, FAULTS);
    const dir = tempDir();
    const state = join(dir, 'relay.state');
    await register(relay, 'alice');
    expectOk(await lookup(relay, 'alice', state)); // the first reader: the real log
    expectOk(await lookup(relay, 'alice', state)); // a view with one extra entry: it extends what we kept
    const before = readFileSync(state);
    const forked = await lookup(relay, 'alice', state); // another extra entry at the same place
    expectAlarm(forked, 'fork');
    expect(forked.stderr).toMatch(/kept: size 2 root [0-9a-f]{12}…; served: size 2 root [0-9a-f]{12}…/);
    expect(readFileSync(state)).toEqual(before);
    expectAlarm(await run(['log', 'audit', '--relay', relay.url, '--state', state]), 'fork');
  });

  it('fork: c2c listen catches a log that forks while it listens, through its periodic check', async () => {
    const relay = await startRelay(['--test-fault', 'fork'], undefined, FAULTS);
    const dir = tempDir();
    const bob = await registerCli(relay, dir, 'bob');
    // The check at start reads the log as it is; each periodic check, on a connection of its own, sees a
    // view with an extra entry of its own: the second of them cannot be joined to the first.
    const r = await run(['listen', '--relay', relay.url, '--key', bob, '--timeout', '20', '--log-check', '1']);
    expectAlarm(r, 'fork');
    expect(r.stderr).toMatch(/kept: size 2 root [0-9a-f]{12}…; served: size 2 root [0-9a-f]{12}…/);
  });

  it('rewrite: a log that drops an old entry and recomputes is caught by lookup and by audit', async () => {
    const relay = await startRelay(['--test-fault', 'rewrite'], undefined, FAULTS);
    const dir = tempDir();
    const state = join(dir, 'relay.state');
    await register(relay, 'alice');
    await register(relay, 'bob');
    expectOk(await lookup(relay, 'bob', state));
    const before = readFileSync(state);
    expectAlarm(await lookup(relay, 'bob', state), 'tree-shrank');
    await register(relay, 'carol'); // the rewritten log is as large again: now it has another root
    expectAlarm(await run(['log', 'audit', '--relay', relay.url, '--state', state]), 'fork');
    expect(readFileSync(state)).toEqual(before);
  });
});
