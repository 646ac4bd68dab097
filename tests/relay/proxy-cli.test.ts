// c2c relay commands through a SOCKS5 proxy (--proxy socks5h://HOST:PORT): every connection goes through
// the proxy with the relay's host name (address type 3, never resolved locally), the relay sees only the
// proxy's connections, and a proxy that is down, refuses or hangs up stops the command with one line
// while nothing reaches the relay around it.
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { c2c, cleanup, freePort, sendUntilHeard, startRelay, tempDir, type C2CRun as Run, type RunningRelay } from './harness';
import { startSocks5Server, type Socks5Server } from './socks5-server';
import { startTcpTap, type TcpTap } from './tcp-tap';

const run = (args: string[], stdin = '') => c2c(args, stdin).done;

/** A v3 onion address (56 base32 characters): it resolves nowhere but in the test proxy, as with Tor. */
const ONION = `c2crelay${'x'.repeat(47)}d.onion`;

let relay: RunningRelay;
let tap: TcpTap;
let socks: Socks5Server;
let dir: string;
let onionUrl: string;
/** The same relay under a name this machine resolves: a direct connection would reach it. */
let localUrl: string;
const key = (name: string) => join(dir, `${name}.key`);

function oneErrorLine(r: Run, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^c2c: /);
  expect(r.stderr).toMatch(pattern);
}

beforeAll(async () => {
  dir = tempDir('c2c-cli-proxy-');
  tap = await startTcpTap();
  onionUrl = `ws://${ONION}:${tap.port}`;
  localUrl = `ws://localhost:${tap.port}`;
  [relay, socks] = await Promise.all([
    startRelay(['--public-url', onionUrl, '--public-url', localUrl]),
    startSocks5Server({ [ONION]: '127.0.0.1' }),
    ...['alice', 'bob'].map((n) => run(['keygen', '--out', key(n), '--handle', n]).then((r) => expect(r.code).toBe(0))),
  ]);
  tap.targetPort = relay.port;
});
afterAll(async () => {
  await Promise.all([tap.close(), socks.close()]);
  await cleanup();
});
beforeEach(() => {
  socks.behaviour = { kind: 'connect' };
});

describe('c2c --proxy', () => {
  it('register, lookup, send, listen and rotate go only through the proxy, naming the relay by host name', async () => {
    const via = ['--relay', onionUrl, '--proxy', socks.url];
    for (const n of ['alice', 'bob']) {
      const r = await run(['register', ...via, '--key', key(n), '--handle', n]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^registered ${n}\n`));
    }
    const lookup = await run(['lookup', ...via, 'bob']);
    expect(lookup.code).toBe(0);
    expect(lookup.stdout).toMatch(/^c2cpub1\./);

    const listener = c2c(['listen', ...via, '--key', key('bob'), '--count', '1', '--timeout', '30']);
    const sent = await sendUntilHeard(() => run(['send', ...via, '--key', key('alice'), '--to', 'bob'], 'über Tor'), listener.done);
    for (const r of sent) expect(r.code).toBe(0);
    const heard = await listener.done;
    expect(heard.stderr).toBe('');
    expect(heard.stdout).toBe('alice: über Tor\n');

    const rotate = await run(['rotate', '--key', key('alice'), ...via]);
    expect(rotate.code).toBe(0);
    expect(rotate.stderr).toMatch(/published to the relay/);

    // register ×2, lookup, listen (one connection: its lookups and its first key-log check go over it), at
    // least one send, rotate.
    expect(socks.requests.length).toBeGreaterThanOrEqual(6);
    for (const req of socks.requests) expect(req).toEqual({ atyp: 3, host: ONION, port: tap.port });
    // The relay's side: exactly the connections the proxy opened, none from anywhere else.
    expect([...tap.sourcePorts].sort()).toEqual([...socks.upstreamPorts].sort());
    expect(tap.sourcePorts).toHaveLength(socks.requests.length);
  });

  it('a proxy that is down: one line, and no connection reaches the relay', async () => {
    // The test can see a direct connection: without --proxy the local name reaches the relay.
    const before = tap.sourcePorts.length;
    expect((await run(['lookup', '--relay', localUrl, 'alice'])).code).toBe(0);
    expect(tap.sourcePorts.length).toBe(before + 1);

    const down = `socks5h://127.0.0.1:${await freePort()}`;
    const requests = socks.requests.length;
    const runs = await Promise.all([
      run(['lookup', '--relay', localUrl, '--proxy', down, 'alice']),
      run(['register', '--relay', localUrl, '--proxy', down, '--key', key('alice'), '--handle', 'alice']),
      run(['send', '--relay', localUrl, '--proxy', down, '--key', key('alice'), '--to', 'bob'], 'hello'),
      run(['listen', '--relay', localUrl, '--proxy', down, '--key', key('bob'), '--timeout', '5']),
      run(['rotate', '--key', key('bob'), '--relay', localUrl, '--proxy', down]),
    ]);
    for (const r of runs.slice(0, 4)) oneErrorLine(r, /the SOCKS proxy at 127\.0\.0\.1:\d+ is not reachable \(connection refused\)/);
    // rotate has rotated the key file by then and says so, with the reason.
    expect(runs[4]!.code).not.toBe(0);
    expect(runs[4]!.stderr).toMatch(/the relay did not take the new prekey: the SOCKS proxy at 127\.0\.0\.1:\d+ is not reachable/);
    expect(tap.sourcePorts.length).toBe(before + 1);
    expect(socks.requests.length).toBe(requests);
  });

  it('a proxy that refuses, hangs up or wants a password: a specific line each, nothing reaches the relay', async () => {
    const before = tap.sourcePorts.length;
    const lookup = () => run(['lookup', '--relay', localUrl, '--proxy', socks.url, 'alice']);

    socks.behaviour = { kind: 'refuse', reply: 2 };
    const requests = socks.requests.length;
    oneErrorLine(await lookup(), /refused to connect to the relay: connection not allowed by its rules \(reply 2\)/);
    // It was asked by name: this machine looked nothing up.
    expect(socks.requests.slice(requests)).toEqual([{ atyp: 3, host: 'localhost', port: tap.port }]);

    socks.behaviour = { kind: 'refuse', reply: 4 };
    oneErrorLine(await lookup(), /refused to connect to the relay: host unreachable \(reply 4\)/);
    socks.behaviour = { kind: 'hang-up' };
    oneErrorLine(await lookup(), /closed the connection before connecting to the relay/);
    socks.behaviour = { kind: 'auth-required' };
    oneErrorLine(await lookup(), /requires authentication/);
    // A name only the relay's side knows: the proxy cannot reach it and says so.
    socks.behaviour = { kind: 'connect' };
    oneErrorLine(await run(['lookup', '--relay', `ws://unknown.example:${tap.port}`, '--proxy', socks.url, 'alice']), /host unreachable \(reply 4\)/);

    expect(tap.sourcePorts.length).toBe(before);
  });

  it('a proxy address that is not socks5h://HOST:PORT is refused before anything connects', async () => {
    const before = tap.sourcePorts.length;
    const requests = socks.requests.length;
    const cases: [string, RegExp][] = [
      [`socks5://127.0.0.1:${socks.port}`, /use socks5h:\/\/HOST:PORT \(the proxy must resolve host names/],
      [`http://127.0.0.1:${socks.port}`, /must look like socks5h:\/\/HOST:PORT/],
      ['socks5h://127.0.0.1', /must look like socks5h:\/\/HOST:PORT/],
      [`socks5h://user:pw@127.0.0.1:${socks.port}`, /must not contain a user name or password/],
      ['socks5h://127.0.0.1:0', /port must be from 1 to 65535/],
      ['socks5h://127.0.0.1:70000', /port must be from 1 to 65535/],
      [`socks5h://127.0.0.1:${socks.port}/path`, /nothing after the port/],
      [`socks5h://bad_host!:${socks.port}`, /host must be a host name or an IP address/],
    ];
    for (const [proxy, pattern] of cases) {
      const r = await run(['lookup', '--relay', localUrl, '--proxy', proxy, 'alice']);
      oneErrorLine(r, pattern);
      expect(r.code).toBe(2);
    }
    const rotate = await run(['rotate', '--key', key('bob'), '--proxy', socks.url]);
    oneErrorLine(rotate, /--proxy is for the relay: give --relay too/);
    expect(tap.sourcePorts.length).toBe(before);
    expect(socks.requests.length).toBe(requests);
  });
});
