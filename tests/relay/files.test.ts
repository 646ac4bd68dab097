// c2c encrypt-file --relay: recipients named by handle are looked up in a real relay's directory.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { c2c, cleanup, startRelay, tempDir, type RunningRelay } from './harness';

const run = (args: string[], stdin = '') => c2c(args, stdin).done;

let relay: RunningRelay;
let dir: string;
const at = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = tempDir('c2c-files-relay-');
  [relay] = await Promise.all([
    startRelay(),
    ...['alice', 'bob', 'carol'].map((n) => run(['keygen', '--out', at(`${n}.key`), '--handle', n]).then((r) => expect(r.code).toBe(0))),
  ]);
  const r = await run(['register', '--relay', relay.url, '--key', at('bob.key'), '--handle', 'bob']);
  expect(r.code).toBe(0);
});
afterAll(cleanup);

describe('c2c encrypt-file --relay', () => {
  it('encrypts to a handle from the directory, alongside a key file; both recipients decrypt', async () => {
    writeFileSync(at('note.txt'), 'Привет, Bob: the plan is attached 📎\n'.repeat(5000));
    const enc = await run(['encrypt-file', '--from', at('alice.key'), '--relay', relay.url, '--to', 'BOB', '--to', at('carol.key'), at('note.txt'), at('note.c2c')]);
    expect(enc.stderr).toBe('');
    expect(enc.code).toBe(0);
    for (const who of ['bob', 'carol']) {
      const dec = await run(['decrypt-file', '--key', at(`${who}.key`), '--from', at('alice.key'), at('note.c2c'), at(`${who}.out`)]);
      expect(dec.code, dec.stderr).toBe(0);
      expect(readFileSync(at(`${who}.out`), 'utf8')).toBe(readFileSync(at('note.txt'), 'utf8'));
    }
  });

  it('an unknown handle: one error line, no output file', async () => {
    const r = await run(['encrypt-file', '--from', at('alice.key'), '--relay', relay.url, '--to', 'nobody', at('note.txt'), at('nobody.c2c')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^c2c: no such handle on the relay/);
    expect(() => readFileSync(at('nobody.c2c'))).toThrow();
  });

  it('a handle without --relay is neither a key nor a file: not-found', async () => {
    const r = await run(['encrypt-file', '--from', at('alice.key'), '--to', 'bob', at('note.txt'), at('x.c2c')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\(not-found\)/);
  });
});
