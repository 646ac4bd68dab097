// Runs `c2c` as a child process, the way a user or script does, from this run's bundle of the current
// sources (tests/prebuilt/; the installed package is covered by tests/relay/package.test.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { prebuilt } from '../../prebuilt/paths';

export const ROOT = resolve(import.meta.dirname, '../../..');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

/** Spawns `node args[0] …` in `cwd` with optional stdin; never rejects on a non-zero exit. */
export function spawnNode(args: string[], opts: { cwd: string; input?: string | Uint8Array }): Promise<RunResult> {
  return new Promise((done, fail) => {
    // detached: a session of its own, without the terminal vitest may run in, as in CI, so a command
    // that would ask for a passphrase says so instead of waiting on the developer's terminal.
    const child = spawn(process.execPath, args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (code) => {
      const stdoutBytes = Buffer.concat(out);
      done({ code, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes });
    });
    child.stdin.on('error', () => {}); // the CLI may exit before reading all of stdin
    child.stdin.end(opts.input ?? '');
  });
}

export function c2c(cwd: string, args: string[], input?: string | Uint8Array): Promise<RunResult> {
  return spawnNode([prebuilt('c2c'), ...args], { cwd, input });
}

/** Makes a key file `NAME.key` in `dir` for each name; gives each one's public key line and fingerprint. */
export async function keygenAll(dir: string, names: string[]): Promise<{ pub: Record<string, string>; fp: Record<string, string> }> {
  const results = await Promise.all(names.map((n) => c2c(dir, ['keygen', '--out', `${n}.key`, '--handle', n])));
  const pub: Record<string, string> = {};
  const fp: Record<string, string> = {};
  results.forEach((r, i) => {
    expectOk(r);
    [pub[names[i]!] = '', fp[names[i]!] = ''] = r.stdout.trimEnd().split('\n');
  });
  return { pub, fp };
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'c2c-cli-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Success: exit 0 and nothing on stderr unless allowed. */
export function expectOk(r: RunResult): void {
  expect(r.stderr.startsWith('c2c:') ? r.stderr : '', 'unexpected error').toBe('');
  expect(r.code).toBe(0);
}

/**
 * The failure contract: non-zero exit, exactly one stderr line naming the error code, nothing on stdout
 * (so no plaintext), no stack trace, and none of the `secrets` anywhere in the output.
 */
export function expectFailure(r: RunResult, code: string | RegExp, secrets: string[] = []): void {
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^c2c: /);
  expect(lines[0]).not.toMatch(/\bat .*:\d+:\d+/);
  if (typeof code === 'string') expect(lines[0]).toContain(`(${code})`);
  else expect(lines[0]).toMatch(code);
  for (const secret of secrets) expect(r.stderr).not.toContain(secret);
}

/** The stderr report of a successful decrypt, as a map ("sender" → fingerprint, "status" → word …). */
export function report(r: RunResult): Record<string, string> {
  return Object.fromEntries(
    r.stderr
      .split('\n')
      .filter((l) => l.includes(': '))
      .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
  );
}

export const FINGERPRINT = /^([0-9A-F]{4} ){15}[0-9A-F]{4}$/;
