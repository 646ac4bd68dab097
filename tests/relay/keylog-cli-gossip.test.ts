// Key-log gossip through CLI tokens, end to end: a real relay process and the real `c2c`. `encrypt` and
// `send` with --state carry the checkpoint kept in the state file; `decrypt --state --relay` and `listen`
// check the checkpoint of a sender they know against their own through the relay. An honest relay that
// keeps appending raises nothing; a forked log is caught with exit 3 and one `log-inconsistent:` line.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { armor } from '../../lib/armor/armor';
import { utf8 } from '../../lib/bytes';
import { sealMessageV2 } from '../../lib/crypto/message-v2';
import { decodePublicBundle } from '../../lib/crypto/public-bundle';
import { GOSSIP_EXTENSION } from '../../lib/keylog/gossip';
import { c2c, type C2CRun, cleanup, makeIdentity, metrics, registerElsewhere, type RunningRelay, sample, startRelay, tempDir, until } from './harness';

const run = (args: string[], stdin = '') => c2c(args, stdin).done;
const FAULTS = { env: { C2C_RELAY_TEST_FAULTS: '1' } };

afterEach(cleanup);

/** A key file registered through the CLI, and its public key line. */
async function person(relay: RunningRelay, dir: string, handle: string): Promise<{ key: string; pub: string }> {
  const key = join(dir, `${handle}.key`);
  expect((await run(['keygen', '--out', key, '--handle', handle])).code).toBe(0);
  expect((await run(['register', '--relay', relay.url, '--key', key, '--handle', handle])).code).toBe(0);
  return { key, pub: (await run(['pub', key])).stdout.trim() };
}

/** A contacts file (cli/contacts-file.ts) pinning these handles' public key lines. */
function pinned(dir: string, keys: Record<string, string>): string {
  const path = join(dir, 'contacts.json');
  const contacts = Object.fromEntries(Object.entries(keys).map(([handle, pub]) => [handle, { public: pub, pinnedAt: 1 }]));
  writeFileSync(path, JSON.stringify({ 'c2c-contacts': 1, contacts }));
  return path;
}

const sizeIn = (state: string) => Number(JSON.parse(readFileSync(state, 'utf8')).checkpoint.split('\n')[1]);
const stderrLines = (r: C2CRun) => r.stderr.split('\n').filter((l) => l !== '');

/** Exit 3, nothing on stdout, exactly one stderr line: `log-inconsistent: <reason>: …`. */
function expectAlarm(r: C2CRun, reason: string): void {
  expect(r.stdout).toBe('');
  expect(stderrLines(r), r.stderr).toHaveLength(1);
  expect(stderrLines(r)[0]).toMatch(new RegExp(`^log-inconsistent: ${reason}: `));
  expect(r.code).toBe(3);
}

describe('CLI token gossip on an honest relay', { timeout: 120_000 }, () => {
  it('encrypt --state carries the checkpoint; decrypt --state --relay joins it to its own while others append', async () => {
    const relay = await startRelay(['--register-rate', '0', '--register-rate-global', '0']);
    const dir = tempDir();
    const alice = await person(relay, dir, 'alice');
    const bob = await person(relay, dir, 'bob');
    const [aliceState, bobState] = [join(dir, 'alice.state'), join(dir, 'bob.state')];
    expect((await run(['lookup', '--relay', relay.url, 'alice', '--state', bobState])).code).toBe(0);
    let appending = true;
    const appends = (async () => {
      for (let i = 0; appending; i++) await registerElsewhere(relay.url, `busy-${i}`);
    })();
    const verdicts: string[] = [];
    for (let i = 0; i < 4; i++) {
      // alice's view moves on (a lookup), then she writes to bob, who checks her checkpoint against his.
      expect((await run(['lookup', '--relay', relay.url, 'bob', '--state', aliceState])).code).toBe(0);
      const token = await run(['encrypt', '--from', alice.key, '--to', bob.pub, '--state', aliceState], `hello ${i}`);
      expect(token.code).toBe(0);
      const opened = await run(['decrypt', '--key', bob.key, '--from', alice.pub, '--state', bobState, '--relay', relay.url], token.stdout);
      expect(opened.stdout).toBe(`hello ${i}`);
      expect(opened.code).toBe(0);
      verdicts.push(stderrLines(opened).find((l) => l.startsWith('gossip: '))!);
    }
    appending = false;
    await appends;
    // Each time alice had seen more of the log than bob: the relay proved her tree extends into his, or
    // (the log grew under every attempt) nothing was decided; never an alarm.
    expect(verdicts.filter((v) => v !== 'gossip: consistent' && v !== 'gossip: undecided')).toEqual([]);
    expect(verdicts).toContain('gossip: consistent');
    expect(sizeIn(bobState)).toBeGreaterThanOrEqual(sizeIn(aliceState) - 1);
  });

  it('gossip from a sender that is not --from or a pinned contact is not read; garbage gossip is named and ignored', async () => {
    const relay = await startRelay();
    const dir = tempDir();
    const alice = await person(relay, dir, 'alice');
    const bob = await person(relay, dir, 'bob');
    const aliceState = join(dir, 'alice.state');
    const bobState = join(dir, 'bob.state');
    expect((await run(['lookup', '--relay', relay.url, 'bob', '--state', aliceState])).code).toBe(0);
    const token = await run(['encrypt', '--from', alice.key, '--to', bob.pub, '--state', aliceState], 'hi');
    const unknown = await run(['decrypt', '--key', bob.key, '--state', bobState, '--relay', relay.url], token.stdout);
    expect(unknown.code).toBe(0);
    expect(stderrLines(unknown)).toContain('gossip: ignored (the sender is not --from or a pinned contact)');

    // A checkpoint that is not one, from a known sender (sealed here: the CLI only gossips real ones).
    const mallory = await makeIdentity('mallory');
    const recipient = await decodePublicBundle(bob.pub);
    for (const value of [new Uint8Array(3), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 0, 9])]) {
      const sealed = await sealMessageV2({ identity: mallory.identity, recipients: [recipient], plaintext: utf8('odd'), senderKey: 'full', extensions: [{ type: GOSSIP_EXTENSION, value }] });
      const r = await run(['decrypt', '--key', bob.key, '--from', mallory.bundle, '--state', bobState, '--relay', relay.url], armor(sealed).join('\n'));
      expect(r.code).toBe(0);
      expect(stderrLines(r)).toContain('gossip: garbage');
      expect(r.stdout).toBe('odd');
    }
  });

  it('--state and --relay go together on decrypt; encrypt --state needs a state file that exists, and the modern suite', async () => {
    const dir = tempDir();
    const key = join(dir, 'a.key');
    await run(['keygen', '--out', key]);
    const half = await run(['decrypt', '--key', key, '--state', join(dir, 's')], 'x');
    expect([half.code, half.stderr]).toEqual([2, 'c2c: --state and --relay go together\n']);
    const pub = (await run(['pub', key])).stdout.trim();
    const missing = await run(['encrypt', '--from', key, '--to', pub, '--state', join(dir, 'none.state')], 'x');
    expect(missing.code).toBe(1);
    expect(stderrLines(missing)).toEqual([expect.stringMatching(/none\.state: no key-log state there yet/)]);
    // A cryptico message has no room for a checkpoint: said first, whether or not the state file exists.
    const cryptico = await run(['encrypt', '--from', key, '--to', pub, '--suite', 'cryptico', '--state', join(dir, 'none.state')], 'x');
    expect([cryptico.code, cryptico.stderr]).toEqual([2, 'c2c: --state applies to the modern suite only\n']);
  });
});

describe('CLI token gossip catches a forked log', { timeout: 120_000 }, () => {
  it('decrypt: a checkpoint from another view of the log than this one is a fork (exit 3), the state file as it was', async () => {
    const relay = await startRelay(['--test-fault', 'fork'], undefined, FAULTS);
    const dir = tempDir();
    const alice = await person(relay, dir, 'alice');
    const bob = await person(relay, dir, 'bob');
    const [aliceState, bobState] = [join(dir, 'alice.state'), join(dir, 'bob.state')];
    expect((await run(['lookup', '--relay', relay.url, 'alice', '--state', bobState])).code).toBe(0); // the first reader: the real log
    expect((await run(['lookup', '--relay', relay.url, 'bob', '--state', aliceState])).code).toBe(0); // a view with an extra entry of its own
    const before = readFileSync(bobState);
    const token = await run(['encrypt', '--from', alice.key, '--to', bob.pub, '--state', aliceState], 'hello');
    const r = await run(['decrypt', '--key', bob.key, '--from', alice.pub, '--state', bobState, '--relay', relay.url], token.stdout);
    expectAlarm(r, 'fork');
    expect(r.stderr).toMatch(/a contact was shown/);
    expect(readFileSync(bobState)).toEqual(before);
  });

  it('send --state and listen: the listener catches a pinned contact’s forked view and stops with exit 3', async () => {
    const relay = await startRelay(['--test-fault', 'fork', '--admin-port', '0'], undefined, FAULTS);
    const dir = tempDir();
    const alice = await person(relay, dir, 'alice');
    const bob = await person(relay, dir, 'bob');
    const contacts = pinned(dir, { alice: alice.pub });
    const listener = c2c(['listen', '--relay', relay.url, '--key', bob.key, '--state', join(dir, 'bob.state'), '--contacts', contacts, '--timeout', '30']);
    await until(async () => sample(await metrics(relay), 'c2c_relay_authenticated_connections') === 1, 20_000);
    const sent = await run(['send', '--relay', relay.url, '--key', alice.key, '--to', 'bob', '--state', join(dir, 'alice.state')], 'hello');
    expect(sent.code).toBe(0);
    const r = await listener.done;
    // The message is not printed: its sender's view of the log cannot be joined to the listener's.
    expectAlarm(r, 'fork');
    expect(r.stderr).toMatch(/a contact was shown/);
  });

  it('listen: the same forked view from a sender it has not pinned is not read, and the message is printed', async () => {
    // Anyone can register a handle and send: a stranger's checkpoint, made up or not, cannot stop listening.
    const relay = await startRelay(['--test-fault', 'fork', '--admin-port', '0'], undefined, FAULTS);
    const dir = tempDir();
    const alice = await person(relay, dir, 'alice');
    const bob = await person(relay, dir, 'bob');
    const carol = await person(relay, dir, 'carol');
    const contacts = pinned(dir, { carol: carol.pub });
    const listener = c2c(['listen', '--relay', relay.url, '--key', bob.key, '--state', join(dir, 'bob.state'), '--contacts', contacts, '--count', '1', '--timeout', '30']);
    await until(async () => sample(await metrics(relay), 'c2c_relay_authenticated_connections') === 1, 20_000);
    expect((await run(['send', '--relay', relay.url, '--key', alice.key, '--to', 'bob', '--state', join(dir, 'alice.state')], 'hello')).code).toBe(0);
    const r = await listener.done;
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'alice: hello\n', '']);
  });
});
