// Child processes of the relay bench: start, health-check, measure and — always — stop them.
// Every process started here is tracked until it exits, so an error or Ctrl-C cannot leave one behind.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const live = new Set<ChildProcess>();

export interface Server {
  name: string;
  proc: ChildProcess;
  port: number;
  /** The last lines the process printed, shown if it fails. */
  tail(): string;
}

/**
 * Runs a TypeScript entry point in its own Node process (no shell in between, so proc.pid is the server).
 * Servers get no IPC channel (it would keep a gracefully stopping server alive); their stdin is a pipe
 * that closes if this process dies, which our baselines take as a signal to exit.
 */
export function startTs(name: string, entry: string, args: string[], port: number, opts: { ipc?: boolean; nodeArgs?: string[] } = {}): Server {
  const execArgv = ['--import', 'tsx', ...(opts.nodeArgs ?? [])];
  const proc = opts.ipc
    ? fork(entry, args, { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    : spawn(process.execPath, [...execArgv, entry, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 20) lines.splice(0, lines.length - 20);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return { name, proc, port, tail: () => lines.join('\n') };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Waits until GET /healthz answers 200, or fails with the server's own last words. */
export async function waitHealthy(server: Server, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.proc.exitCode !== null) throw new Error(`${server.name} exited (${server.proc.exitCode}):\n${server.tail()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${server.name} not healthy after ${timeoutMs} ms:\n${server.tail()}`);
}

/** Resident memory of a process in KiB, from /proc/<pid>/status. */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** SIGTERM (a graceful exit also lets --cpu-prof write its profile), then SIGKILL after `graceMs`. */
export function stop(proc: ChildProcess, graceMs = 5000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => stop(p)));
}

/** Last resort on exit paths that cannot wait (process 'exit'). */
export function killAllNow(): void {
  for (const p of live) p.kill('SIGKILL');
}

/** A forked helper answering one IPC request at a time. */
export class IpcWorker {
  private constructor(readonly server: Server) {}

  static start(name: string, entry: string): IpcWorker {
    return new IpcWorker(startTs(name, entry, [], 0, { ipc: true }));
  }

  request<T>(cmd: object, timeoutMs: number): Promise<T> {
    const proc = this.server.proc;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`${this.server.name}: no answer within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (m: { ok: boolean; result?: T; error?: string }) =>
        m.ok ? done(null, m.result as T) : done(new Error(`${this.server.name}: ${m.error}`));
      const onExit = () => done(new Error(`${this.server.name} exited:\n${this.server.tail()}`));
      const done = (err: Error | null, value?: T) => {
        clearTimeout(timer);
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        if (err) reject(err);
        else resolve(value as T);
      };
      proc.on('message', onMessage);
      proc.once('exit', onExit);
      proc.send(cmd);
    });
  }
}
