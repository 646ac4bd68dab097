// The load generator: a child process of bench/relay.ts, so it never shares a CPU thread with the
// server under test. It takes one command at a time over IPC and answers with one result.
// Frames are 1,024 bytes: [0] kind, [1..8] float64 send time (this process's performance.now()),
// then filler. One clock for sender and receiver, so one-way latency is exact.
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { bareWsTransport, socketIoTransport, type BenchConn, type Transport } from './transports';
import { registerIdentity, relayTransport } from './ours-transport';
import { makeIdentities, makeKeys, type BenchIdentity } from './identities';
import type { IdentityKeyPair } from '../../lib/crypto/identity';
import { summarizeLatencies } from './stats';

const FRAME_SIZE = 1024;
const PING = 1;
const PONG = 2;
const ONE_WAY = 3;

export type TargetKind = 'ours' | 'ws' | 'sio';
export interface TargetSpec {
  kind: TargetKind;
  url: string;
}

export type LoadCommand =
  | { type: 'prepare'; url: string; pairs: number; idle: number; concurrency: number }
  | { type: 'connect'; target: TargetSpec; pairs: number }
  | { type: 'throughput'; session: TargetKind; window: number; warmupMs: number; durationMs: number; serverPid: number }
  | { type: 'paced'; session: TargetKind; rate: number; durationMs: number; graceMs: number }
  | { type: 'idle-open'; target: TargetSpec; count: number; concurrency: number; serverPid: number }
  | { type: 'close'; session: TargetKind };

const filler = Buffer.alloc(FRAME_SIZE, 0x5a);

function frame(kind: number, time: number): Buffer {
  const f = Buffer.allocUnsafe(FRAME_SIZE);
  filler.copy(f);
  f[0] = kind;
  f.writeDoubleLE(time, 1);
  return f;
}

// Open connections per server under test; pair i is conns[2i] and conns[2i+1]. `lost` counts the
// connections the server ended (e.g. our relay's 4429 rate limit).
interface Session {
  conns: BenchConn[];
  lost: number;
}
const sessions = new Map<TargetKind, Session>();
// Only one run is active at a time, so one frame handler serves every session.
let onFrame: (conns: BenchConn[], from: number, f: Uint8Array) => void = () => undefined;
let corrupt = 0;
let pairIdentities: BenchIdentity[] = [];
let idleKeys: IdentityKeyPair[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function inBatches<T>(count: number, concurrency: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(count);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < count) {
      const i = next++;
      out[i] = await open(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

function makeTransport(target: TargetSpec): Transport {
  switch (target.kind) {
    case 'ours':
      return relayTransport(target.url, pairIdentities, idleKeys);
    case 'ws':
      return bareWsTransport(target.url);
    case 'sio':
      return socketIoTransport(target.url);
  }
}

function sessionOf(kind: TargetKind): Session {
  const session = sessions.get(kind);
  if (!session) throw new Error(`bench: no open session for ${kind}`);
  return session;
}

function track(kind: TargetKind, conns: BenchConn[]): Session {
  const session = { conns, lost: 0 };
  for (const c of conns) c.onLost(() => session.lost++);
  sessions.set(kind, session);
  return session;
}

/** Makes every key before timing and registers the pair identities (idle ones only authenticate). */
async function prepare(cmd: Extract<LoadCommand, { type: 'prepare' }>): Promise<object> {
  const t0 = performance.now();
  pairIdentities = await makeIdentities(cmd.pairs * 2, 'bench-p');
  idleKeys = await makeKeys(cmd.idle);
  const t1 = performance.now();
  await inBatches(pairIdentities.length, cmd.concurrency, (i) => registerIdentity(cmd.url, pairIdentities[i]!));
  const t2 = performance.now();
  return {
    identities: pairIdentities.length + idleKeys.length,
    keygenMs: Math.round(t1 - t0),
    registered: pairIdentities.length,
    registerMs: Math.round(t2 - t1),
  };
}

async function connect(target: TargetSpec, pairs: number): Promise<object> {
  const started = performance.now();
  const opened = await inBatches(pairs, 20, (i) => makeTransport(target).pair(i));
  const conns = opened.flat();
  conns.forEach((c, i) =>
    c.onFrame((f) => {
      // Everything after the time stamp must arrive exactly as sent.
      if (f.length !== FRAME_SIZE || filler.compare(f, 9, FRAME_SIZE, 9, FRAME_SIZE) !== 0) corrupt++;
      else onFrame(conns, i, f);
    }),
  );
  track(target.kind, conns);
  return { connections: conns.length, setupMs: Math.round(performance.now() - started) };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** CPU seconds used over `ms` of wall time, as a share of one core (2 decimals). */
function coreShare(cpuSecondsUsed: number, ms: number): number {
  return Math.round((cpuSecondsUsed / ms) * 100_000) / 100;
}

/**
 * Closed loop: every client keeps `window` pings in flight; the peer answers each with a pong, and each
 * pong starts a new ping. Both count as forwarded frames. The loop sets its own pace, so the server is
 * saturated without unbounded buffering anywhere.
 */
async function throughput(session: Session, window: number, warmupMs: number, durationMs: number, serverPid: number): Promise<object> {
  let counting = false;
  let running = true;
  let forwarded = 0;
  let outstanding = 0;
  onFrame = (cs, from, f) => {
    if (counting) forwarded++;
    if (f[0] === PING) {
      const pong = Buffer.from(f);
      pong[0] = PONG;
      cs[from ^ 1]!.send(pong);
    } else if (f[0] === PONG) {
      outstanding--;
      if (running) {
        outstanding++;
        cs[from]!.send(frame(PING, performance.now()));
      }
    }
  };
  const { conns } = session;
  const corruptBefore = corrupt;
  const lostBefore = session.lost;
  for (const c of conns) {
    for (let k = 0; k < window; k++) {
      outstanding++;
      c.send(frame(PING, performance.now()));
    }
  }
  await sleep(warmupMs);
  counting = true;
  const t0 = performance.now();
  const cpu0 = [cpuSeconds(serverPid), cpuSeconds(process.pid)];
  await sleep(durationMs);
  counting = false;
  const elapsed = performance.now() - t0;
  const cpu1 = [cpuSeconds(serverPid), cpuSeconds(process.pid)];
  running = false;
  // Drain: every ping in flight should come back as a pong; what never does was lost.
  const drainEnd = performance.now() + 3000;
  while (outstanding > 0 && performance.now() < drainEnd) await sleep(20);
  onFrame = () => undefined;
  return {
    framesPerSec: Math.round((forwarded / elapsed) * 1000),
    forwarded,
    seconds: Math.round(elapsed) / 1000,
    lost: outstanding,
    corrupt: corrupt - corruptBefore,
    closedByServer: session.lost - lostBefore,
    // Share of one core; near 1.0 for the load generator means it, not the server, set the pace.
    serverCpu: coreShare(cpu1[0]! - cpu0[0]!, elapsed),
    loadgenCpu: coreShare(cpu1[1]! - cpu0[1]!, elapsed),
  };
}

/**
 * Open loop: every client sends one-way frames on a fixed schedule (total `rate` frames/s, phases
 * staggered). Latency is taken from the *scheduled* send time, so a stalled sender or server shows up
 * as latency instead of silently lowering the load (no coordinated omission).
 */
async function paced(session: Session, rate: number, durationMs: number, graceMs: number): Promise<object> {
  const { conns } = session;
  const interval = (1000 * conns.length) / rate; // ms between two frames of one client
  const latencies = new Float64Array(Math.ceil((rate * durationMs) / 1000) + conns.length);
  let received = 0;
  onFrame = (_cs, _from, f) => {
    if (f[0] !== ONE_WAY) return;
    const sentAt = new DataView(f.buffer, f.byteOffset, f.byteLength).getFloat64(1, true);
    if (received < latencies.length) latencies[received] = performance.now() - sentAt;
    received++;
  };
  const corruptBefore = corrupt;
  const lostBefore = session.lost;
  const sent = new Array<number>(conns.length).fill(0);
  const start = performance.now() + 5;
  const end = start + durationMs;
  let total = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = Math.min(performance.now(), end);
      conns.forEach((c, i) => {
        const phase = (i / conns.length) * interval;
        for (let due = start + phase + sent[i]! * interval; due <= now; due += interval) {
          c.send(frame(ONE_WAY, due));
          sent[i]!++;
          total++;
        }
      });
      if (now >= end) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const graceEnd = performance.now() + graceMs;
  while (received < total && performance.now() < graceEnd) await sleep(20);
  onFrame = () => undefined;
  return {
    targetRate: Math.round(rate),
    achievedRate: Math.round((received / durationMs) * 1000),
    sent: total,
    received,
    lost: total - received,
    corrupt: corrupt - corruptBefore,
    closedByServer: session.lost - lostBefore,
    ...summarizeLatencies(latencies.subarray(0, Math.min(received, latencies.length))),
  };
}

/** Opens `count` connections, `concurrency` handshakes at a time, and keeps them open. */
async function idleOpen(target: TargetSpec, count: number, concurrency: number, serverPid: number): Promise<object> {
  const transport = makeTransport(target);
  if (!transport.idle) throw new Error(`bench: ${target.kind} has no idle connections`);
  const open = transport.idle.bind(transport);
  const started = performance.now();
  const cpu0 = [cpuSeconds(serverPid), cpuSeconds(process.pid)];
  const opened = await inBatches(count, concurrency, open);
  const ms = performance.now() - started;
  const cpu1 = [cpuSeconds(serverPid), cpuSeconds(process.pid)];
  track(target.kind, opened);
  return {
    connections: opened.length,
    connectMs: Math.round(ms),
    connectsPerSec: Math.round((opened.length / ms) * 1000),
    serverCpu: coreShare(cpu1[0]! - cpu0[0]!, ms),
    loadgenCpu: coreShare(cpu1[1]! - cpu0[1]!, ms),
  };
}

function close(kind: TargetKind): object {
  const session = sessionOf(kind);
  for (const c of session.conns) c.close();
  sessions.delete(kind);
  return { closed: session.conns.length, closedByServer: session.lost };
}

async function handle(cmd: LoadCommand): Promise<object> {
  switch (cmd.type) {
    case 'prepare':
      return prepare(cmd);
    case 'connect':
      return connect(cmd.target, cmd.pairs);
    case 'throughput':
      return throughput(sessionOf(cmd.session), cmd.window, cmd.warmupMs, cmd.durationMs, cmd.serverPid);
    case 'paced':
      return paced(sessionOf(cmd.session), cmd.rate, cmd.durationMs, cmd.graceMs);
    case 'idle-open':
      return idleOpen(cmd.target, cmd.count, cmd.concurrency, cmd.serverPid);
    case 'close':
      return close(cmd.session);
  }
}

// Commands arrive one at a time; the parent waits for each answer before sending the next.
process.on('message', (cmd: LoadCommand) => {
  handle(cmd).then(
    (result) => process.send!({ ok: true, result }),
    (e: unknown) => process.send!({ ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});
process.on('disconnect', () => process.exit(0));
