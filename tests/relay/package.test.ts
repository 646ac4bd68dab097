// The package as a user installs it: `npm pack` in the checkout, `npm install -g` of the tarball into a
// temporary prefix, then the installed `c2c` and `c2c-relay` commands, started by name from a folder
// outside the checkout: keygen, a relay, register, send, listen.
// better-sqlite3 installs as usual through its install script (prebuild-install, else node-gyp). Where a
// user's prebuild-install downloads the prebuilt binary, a test machine may reach no download host, so the
// test hands prebuild-install the binary the checkout's install built, through its documented local-prebuilds
// folder. Compiling instead takes minutes (more under load); it is still
// what happens if the versions ever differ (the time limit allows for it).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, c2c, cleanup, sendUntilHeard, startRelay, tempDir, type Installed } from './harness';

interface Command {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Command> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A folder holding the checkout's better-sqlite3 binary as prebuild-install names a prebuilt one (glibc
 * Linux; elsewhere the name does not match and node-gyp builds it).
 */
async function localPrebuilds(tmp: string): Promise<string> {
  const dir = join(tmp, 'prebuilds');
  mkdirSync(dir);
  const moduleDir = dirname(createRequire(join(ROOT, 'package.json')).resolve('better-sqlite3/package.json'));
  const { version } = JSON.parse(readFileSync(join(moduleDir, 'package.json'), 'utf8')) as { version: string };
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const tar = await run('tar', ['-czf', join(dir, name), '-C', moduleDir, 'build/Release/better_sqlite3.node'], { cwd: tmp });
  expect(tar.code, tar.stderr).toBe(0);
  return dir;
}

interface PackResult {
  filename: string;
  size: number;
  files: { path: string }[];
}

let tmp: string;
let packed: PackResult;
let installed: Installed;
let packageDir: string;

beforeAll(async () => {
  tmp = tempDir('c2c-package-');
  // `npm pack` runs `prepare`, which builds dist/ from the sources as they are.
  const pack = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: ROOT });
  expect(pack.code, pack.stderr).toBe(0);
  packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as PackResult[])[0]!;
  const prefix = join(tmp, 'prefix');
  // Packuments and tarballs from npm's cache when it has them; the registry otherwise. Should node-gyp
  // build, both cores (JOBS is its make -j).
  const install = await run(
    'npm',
    ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(tmp, packed.filename)],
    { cwd: tmp, env: { ...process.env, JOBS: 'max', npm_config_better_sqlite3_local_prebuilds: await localPrebuilds(tmp) } },
  );
  expect(install.code, install.stderr).toBe(0);
  packageDir = join(prefix, 'lib', 'node_modules', 'crypt2chat');
  const work = join(tmp, 'work');
  mkdirSync(work);
  // Only the prefix's commands and Node itself: nothing from the checkout (no tsx, no node_modules/.bin).
  const path = [join(prefix, 'bin'), dirname(process.execPath), ...(process.env.PATH ?? '').split(delimiter)].join(delimiter);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: path };
  delete env.NODE_OPTIONS;
  installed = { command: 'c2c', cwd: work, env };
}, 600_000);
afterAll(cleanup);

describe('the packed package', () => {
  it('holds the built programs, docs and license; not the sources', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['dist/c2c.mjs', 'dist/relay.mjs', 'LICENSE', 'README.md', 'docs/CLI.md', 'package.json']));
    expect(paths.filter((p) => !/^(dist\/[\w-]+\.mjs|docs\/[\w-]+\.md|LICENSE|README\.md|package\.json)$/.test(p))).toEqual([]);
    expect(packed.size).toBeLessThan(1024 * 1024);
    // No path of the machine that built it: the left-out modules resolve from the package's node_modules.
    const dist = join(packageDir, 'dist');
    for (const file of readdirSync(dist)) expect(readFileSync(join(dist, file), 'utf8'), file).not.toContain(ROOT);
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { dependencies: object; private?: boolean };
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['better-sqlite3', 'cryptico']);
    expect(manifest.private).toBe(true); // npm publish refuses it; pack and install do not mind
  });

  it('installs c2c and c2c-relay that work outside the checkout: keygen, relay, register, send, listen', async () => {
    const cli = (args: string[], stdin = '') => c2c(args, stdin, installed).done;
    const help = await cli(['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: c2c /);
    for (const name of ['alice', 'bob']) {
      const made = await cli(['keygen', '--out', `${name}.key`, '--handle', name]);
      expect(made.code, made.stderr).toBe(0);
    }
    const relay = await startRelay([], tempDir(), { installed: { ...installed, command: 'c2c-relay' } });
    for (const name of ['alice', 'bob']) {
      const r = await cli(['register', '--relay', relay.url, '--key', `${name}.key`, '--handle', name]);
      expect(r.code, r.stderr).toBe(0);
    }
    const listener = c2c(['listen', '--relay', relay.url, '--key', 'bob.key', '--count', '1', '--timeout', '30'], '', installed);
    const sent = await sendUntilHeard(() => cli(['send', '--relay', relay.url, '--key', 'alice.key', '--to', 'bob'], 'hello from the package\n'), listener.done);
    for (const r of sent) expect(r.code, r.stderr).toBe(0);
    const heard = await listener.done;
    expect(heard.code, heard.stderr).toBe(0);
    expect(heard.stdout).toBe('alice: hello from the package\n');
  });
});
