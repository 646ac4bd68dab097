// docs/DEPLOY.md's torrc sample (the relay as a Tor onion service) is a configuration Tor accepts, and it
// forwards to the relay's default listen address. Checked with the real `tor --verify-config` (Debian
// package `tor`, installed by .ci/run) under `DisableNetwork 1`: nothing here reaches the Tor network.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS, parseRelayArgs } from '../../relay/config';
import { ROOT, cleanup, tempDir } from './harness';

const run = promisify(execFile);

/** The ```torrc block of docs/DEPLOY.md. */
function torrcSample(): string {
  const doc = readFileSync(join(ROOT, 'docs/DEPLOY.md'), 'utf8');
  const block = /```torrc\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/DEPLOY.md has no ```torrc block');
  return block.replace(/^ {3}/gm, ''); // indented inside a list item
}

/** Runs `tor --verify-config` on `config` with the network off and folders of this test's own. */
async function verify(config: string): Promise<{ ok: boolean; output: string }> {
  const dir = tempDir('c2c-torrc-');
  const torrc = join(dir, 'torrc');
  const defaults = join(dir, 'torrc-defaults');
  // The sample's HiddenServiceDir is the server's; this check keeps to its own folder.
  const local = config.replace(/^HiddenServiceDir .*$/m, `HiddenServiceDir ${join(dir, 'hs')}/`);
  writeFileSync(torrc, `${local}\nDisableNetwork 1\nDataDirectory ${join(dir, 'data')}\n`);
  writeFileSync(defaults, '');
  try {
    const { stdout } = await run('tor', ['--verify-config', '-f', torrc, '--defaults-torrc', defaults], { timeout: 30_000 });
    return { ok: /Configuration was valid/.test(stdout), output: stdout };
  } catch (e) {
    const err = e as { code?: string; stdout?: string };
    if (err.code === 'ENOENT') throw new Error('`tor` is not installed: apt-get install tor (.ci/run does)');
    return { ok: false, output: err.stdout ?? '' };
  }
}

afterAll(cleanup);

describe('docs/DEPLOY.md onion service sample', () => {
  it('is a configuration tor --verify-config accepts', async () => {
    const sample = torrcSample();
    expect(sample).toMatch(/^HiddenServiceDir /m);
    const result = await verify(sample);
    expect(result.output).toMatch(/Configuration was valid/);
    expect(result.ok).toBe(true);
  });

  it('forwards the onion service to the relay on loopback, at its default port', () => {
    const ports = [...torrcSample().matchAll(/^HiddenServicePort (\d+) (\S+)$/gm)].map((m) => [m[1], m[2]]);
    expect(ports).toEqual([['80', `${DEFAULTS.host}:${DEFAULTS.port}`]]);
    expect(DEFAULTS.host).toBe('127.0.0.1');
  });

  it('the check can fail: tor refuses a broken copy of the sample', async () => {
    const broken = torrcSample().replace(/^HiddenServicePort .*$/m, 'HiddenServicePort 80 127.0.0.1:notaport');
    const result = await verify(broken);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/hidden service port|Failed to parse/i);
  });
});

/** The fenced block in `language` of docs/DEPLOY.md's cluster section. */
function sample(language: string): string {
  const all = readFileSync(join(ROOT, 'docs/DEPLOY.md'), 'utf8');
  const doc = all.slice(all.indexOf('## A relay cluster'));
  const block = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(doc)?.[1];
  if (!block) throw new Error(`docs/DEPLOY.md has no \`\`\`${language} block`);
  return block;
}

describe('docs/DEPLOY.md cluster samples', () => {
  it("the systemd unit runs a cluster node with flags the relay accepts, named for the balancer's address", () => {
    const exec = /^ExecStart=(\S+) (.*)$/m.exec(sample('ini'));
    expect(exec?.[1]).toMatch(/\/c2c-relay$/);
    const options = parseRelayArgs(exec![2]!.split(' '));
    expect(options.cluster).toMatchObject({ postgres: expect.stringMatching(/^postgres:\/\//), redis: expect.stringMatching(/^redis:\/\//) });
    expect(options.publicUrls).toEqual(['wss://relay.example.org']);
    // The balancer sends to each node's --host:--port and checks its /healthz.
    const haproxy = sample('haproxy');
    expect(haproxy).toContain(`server node1 ${options.host}:${options.port} check`);
    expect(haproxy).toMatch(/option httpchk GET \/healthz/);
  });

  it('the command-line example is the same node as the unit', () => {
    const sh = sample('sh').replace(/\\\n\s*/g, '').trim().split(/\s+/);
    const exec = /^ExecStart=\S+ (.*)$/m.exec(sample('ini'))![1]!.split(' ');
    expect(parseRelayArgs(sh.slice(1))).toEqual(parseRelayArgs(exec));
  });
});
