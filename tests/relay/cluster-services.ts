// PostgreSQL and Redis for cluster tests and the cluster benchmark: each started on a free loopback port
// with its data in a temp folder, and stopped (and the folder removed) by stop(). PostgreSQL refuses to
// run as root, so under root its processes run as the unprivileged user `nobody`.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './harness';

/** uid/gid to run PostgreSQL as: ourselves, or `nobody` when we are root. */
function unprivileged(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
  if (!line) throw new Error('running as root and there is no user "nobody" to run PostgreSQL as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not start in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function run(command: string, args: string[], options: SpawnOptions = {}): string {
  const r = spawnSync(command, args, { ...options, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr || r.stdout || r.error?.message}`);
  return r.stdout;
}

export interface Postgres {
  url: string;
  port: number;
  /** The server's process id (changes with start()). */
  readonly pid: number;
  /** Plain-text dump of the database (pg_dump). */
  dump(): string;
  stop(): Promise<void>;
  /** Starts the server again after stop() on the same data and port. */
  start(): Promise<void>;
  remove(): Promise<void>;
  /** For exit paths that cannot wait: SIGKILL and remove the data now. */
  kill(): void;
}

export async function startPostgres(): Promise<Postgres> {
  const dir = mkdtempSync(join(tmpdir(), 'c2c-pg-'));
  const user = unprivileged();
  if (user) chownSync(dir, user.uid, user.gid);
  const as: SpawnOptions = user ? { uid: user.uid, gid: user.gid } : {};
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'c2c', '--auth=trust', '-E', 'UTF8', '--no-instructions'], { ...as, cwd: dir });
  const port = await freePort();
  let proc: ChildProcess | null = null;
  let log = '';
  const start = async () => {
    log = '';
    const p = spawn('postgres', ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`], {
      ...as,
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc = p;
    p.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitFor(() => /ready to accept connections/.test(log) || p.exitCode !== null, 'PostgreSQL');
    if (p.exitCode !== null) throw new Error(`PostgreSQL exited: ${log}`);
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGINT'); // fast shutdown
    await gone;
  };
  await start();
  return {
    url: `postgres://c2c@127.0.0.1:${port}/postgres`,
    port,
    get pid() {
      return proc!.pid!;
    },
    dump: () => run('pg_dump', ['-h', '127.0.0.1', '-p', String(port), '-U', 'c2c', 'postgres'], as),
    stop,
    start,
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      proc?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisServer {
  url: string;
  port: number;
  readonly pid: number;
  /** Every key in every database with its value (the "stores nothing" check). */
  keyspace(): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
  kill(): void;
}

export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'c2c-redis-'));
  const port = await freePort();
  let proc: ChildProcess | null = null;
  const start = async () => {
    let out = '';
    // No persistence at all: pub/sub needs none, and nothing may be written to disk.
    const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc = p;
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => /Ready to accept connections/.test(out) || p.exitCode !== null, 'Redis');
    if (p.exitCode !== null) throw new Error(`Redis exited: ${out}`);
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  };
  await start();
  const cli = (...args: string[]) => run('redis-cli', ['-p', String(port), ...args]);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return proc!.pid!;
    },
    keyspace: () => {
      const keys = cli('--scan').split('\n').filter(Boolean);
      return [cli('INFO', 'keyspace'), ...keys.map((k) => `${k} ${cli('DUMP', k)}`)].join('\n');
    },
    stop,
    start,
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      proc?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
