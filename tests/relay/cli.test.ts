// CLI ↔ CLI through a real relay process: register, lookup, send, listen, relay-admin revoke.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { c2c, cleanup, metrics, sample, startRelay, tempDir, until, type C2CRun as Run, type RunningRelay } from './harness';

const run = (args: string[], stdin = '') => c2c(args, stdin).done;

function oneErrorLine(r: Run): void {
  expect(r.code).not.toBe(0);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^c2c: /);
}

let relay: RunningRelay;
let dir: string;
const key = (name: string) => join(dir, `${name}.key`);

beforeAll(async () => {
  dir = tempDir('c2c-cli-relay-');
  [relay] = await Promise.all([
    startRelay(['--admin-port', '0']),
    ...['alice', 'bob', 'carol'].map((n) => run(['keygen', '--out', key(n), '--handle', n]).then((r) => expect(r.code).toBe(0))),
  ]);
  for (const n of ['alice', 'bob']) {
    const r = await run(['register', '--relay', relay.url, '--key', key(n), '--handle', n]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^registered ${n}\n[0-9A-F ]{79}\n$`));
  }
});
afterAll(cleanup);

/**
 * Sends once the listener has authenticated: the relay accepts frames for an absent recipient just the
 * same and drops them, so only the relay's own count of authenticated connections tells (no other client
 * stays connected between these tests).
 */
async function sendWhenOnline(from: string, to: string, text: string): Promise<Run> {
  await until(async () => sample(await metrics(relay), 'c2c_relay_authenticated_connections') === 1, 20_000);
  return run(['send', '--relay', relay.url, '--key', key(from), '--to', to], text);
}

describe('c2c relay commands', () => {
  it('looks up a registered handle: its public key line and the same fingerprint keygen printed', async () => {
    const [lookup, pub, fp] = await Promise.all([
      run(['lookup', '--relay', relay.url, 'BOB']),
      run(['pub', key('bob')]),
      run(['fingerprint', key('bob')]),
    ]);
    expect(lookup.code).toBe(0);
    const [line, fingerprint] = lookup.stdout.trim().split('\n');
    expect(line).toMatch(/^c2cpub1\./);
    expect(fingerprint).toMatch(/^[0-9A-F]{4}( [0-9A-F]{4}){15}$/);
    expect(fp.stdout).toContain(fingerprint);
    expect(pub.stdout.trim()).toMatch(/^c2cpub1\./);
  });

  it('sends an encrypted message from one CLI to another listening CLI', async () => {
    const listener = c2c(['listen', '--relay', relay.url, '--key', key('bob'), '--count', '2', '--timeout', '30']);
    const first = await sendWhenOnline('alice', 'bob', 'Привет, Bob 👋\n');
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('accepted by the relay for bob\n');
    const second = await run(['send', '--relay', relay.url, '--key', key('alice'), '--to', 'bob'], 'line one\nline two');
    expect(second.code).toBe(0);
    const r = await listener.done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('alice: Привет, Bob 👋\nalice: line one\\nline two\n');
  });

  it('--json: lookup and listen print one JSON object per line, with the exact text', async () => {
    const [lookup, fp] = await Promise.all([run(['lookup', '--relay', relay.url, '--json', 'Bob']), run(['fingerprint', key('bob')])]);
    expect(lookup.stderr).toBe('');
    expect(lookup.stdout.split('\n')).toHaveLength(2); // one line and its newline
    const found = JSON.parse(lookup.stdout) as Record<string, string>;
    expect(Object.keys(found).sort()).toEqual(['fingerprint', 'handle', 'public']);
    expect(found.handle).toBe('bob');
    expect(found.fingerprint).toBe(fp.stdout.trim());
    expect((await run(['pub', key('bob')])).stdout).toBe(`${found.public}\n`);

    const listener = c2c(['listen', '--relay', relay.url, '--key', key('bob'), '--count', '2', '--timeout', '30', '--json']);
    const texts = ['two\nlines and a \u001b[31mcontrol character', '"quoted" \\ 👋'];
    expect((await sendWhenOnline('alice', 'bob', texts[0]!)).code).toBe(0);
    expect((await run(['send', '--relay', relay.url, '--key', key('alice'), '--to', 'bob'], texts[1])).code).toBe(0);
    const r = await listener.done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const aliceFp = (await run(['fingerprint', key('alice')])).stdout.trim();
    expect(lines.map((l) => JSON.parse(l))).toEqual(texts.map((text) => ({ from: 'alice', fingerprint: aliceFp, text })));
  });

  it('fails with one clear line: unknown handle, unregistered sender, bad URL, unreachable relay', async () => {
    const unknown = await run(['lookup', '--relay', relay.url, 'nobody']);
    oneErrorLine(unknown);
    expect(unknown.stderr).toMatch(/no such handle/);
    // An offline recipient is no failure the sender can see: the relay only says it accepted the message.
    const offline = await run(['send', '--relay', relay.url, '--key', key('alice'), '--to', 'bob'], 'anyone?');
    expect(offline).toMatchObject({ code: 0, stderr: 'accepted by the relay for bob\n' });
    const unregistered = await run(['send', '--relay', relay.url, '--key', key('carol'), '--to', 'bob'], 'hi');
    oneErrorLine(unregistered);
    const badUrl = await run(['lookup', '--relay', 'http://example', 'bob']);
    oneErrorLine(badUrl);
    const unreachable = await run(['lookup', '--relay', 'ws://127.0.0.1:1', 'bob']);
    oneErrorLine(unreachable);
    expect(unreachable.stderr).toMatch(/cannot reach the relay/);
    const badHandle = await run(['register', '--relay', relay.url, '--key', key('carol'), '--handle', 'x']);
    oneErrorLine(badHandle);
  });

  it('listen --timeout exits non-zero with one line when the messages do not come', async () => {
    const r = await run(['listen', '--relay', relay.url, '--key', key('alice'), '--count', '1', '--timeout', '1']);
    oneErrorLine(r);
    expect(r.stderr).toMatch(/timed out after 1 s: received 0 of 1/);
    expect(r.stdout).toBe('');
  });

  it('relay-admin revoke, while the relay runs, ends the identity\'s open connections and its access', async () => {
    const listener = c2c(['listen', '--relay', relay.url, '--key', key('bob'), '--timeout', '30']);
    await sendWhenOnline('alice', 'bob', 'before revocation');
    const started = Date.now();
    const revoke = await run(['relay-admin', 'revoke', '--data', relay.dataDir, 'bob']);
    expect(revoke.stdout).toBe('revoked bob\n');
    const r = await listener.done;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.stdout).toBe('alice: before revocation\n');
    oneErrorLine(r);
    expect(r.stderr).toMatch(/revoked/);
    oneErrorLine(await run(['lookup', '--relay', relay.url, 'bob']));
    const again = await run(['listen', '--relay', relay.url, '--key', key('bob'), '--timeout', '5']);
    oneErrorLine(again);
    expect(again.stderr).toMatch(/revoked/);
    expect((await run(['relay-admin', 'revoke', '--data', relay.dataDir, 'bob'])).stdout).toBe('already revoked bob\n');
    oneErrorLine(await run(['relay-admin', 'revoke', '--data', relay.dataDir, 'nobody']));
    oneErrorLine(await run(['relay-admin', 'revoke', '--data', join(dir, 'no-relay-here'), 'bob']));
  });
});
