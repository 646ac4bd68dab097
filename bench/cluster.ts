// `npm run bench -- cluster`: the relay in cluster mode (two nodes, one Redis, one PostgreSQL, all on
// loopback) against the single-process SQLite relay measured in the same run. 1 KiB room frames between
// pairs of clients: on different nodes (cross), on the same node (same), and on the SQLite relay
// (single); frames per second of server CPU (nodes + Redis), p99 latency at half the cross-node rate,
// and registrations per second on PostgreSQL vs SQLite. The load generator is this process (room frames
// need no answer, so it spends little per frame); its CPU is not counted. Everything started here is
// stopped here. Fields: bench/README.md.
import { WebSocket } from 'ws';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RelayClient, type WebSocketConstructor } from '../lib/relay-client/client';
import { startPostgres, startRedis, type Postgres, type RedisServer } from '../tests/relay/cluster-services';
import { envInt } from './env';
import { guard } from './guard';
import { runIfMain } from './main';
import { makeIdentities, type BenchIdentity } from './relay/identities';
import { freePort, killAllNow, startTs, stopAll, waitHealthy } from './relay/procs';
import { median, round } from './relay/stats';

const CONFIG = {
  pairs: envInt('BENCH_CLUSTER_PAIRS', 20),
  window: envInt('BENCH_CLUSTER_WINDOW', 8),
  seconds: envInt('BENCH_CLUSTER_SECONDS', 2),
  rounds: envInt('BENCH_CLUSTER_ROUNDS', 3),
  pacedSeconds: envInt('BENCH_CLUSTER_PACED_SECONDS', 3),
  registrations: envInt('BENCH_CLUSTER_REGISTRATIONS', 1000),
  budgetSeconds: envInt('BENCH_CLUSTER_BUDGET_SECONDS', 240),
};
const TARGETS = { crossVsSinglePerCore: 0.5, p99Ms: 50, registrationsPerSec: 1000 };
const RELAY_CHILD = fileURLToPath(new URL('./relay/relay-child.ts', import.meta.url));
// Limits raised so they never bind, but still checked on every frame as in production.
const LIMITS = ['--rate', '1000000', '--burst', '1000000', '--byte-rate', '1000000000', '--max-conns-per-ip', '100000', '--register-rate', '0', '--register-rate-global', '0', '--mailbox-rate', '0', '--recipient-rate', '0'];
const FRAME = 1024;
const CPU_PROF_DIR = process.env.BENCH_CLUSTER_CPU_PROF; // set to a folder to profile both nodes

type Log = (line: string) => void;

interface Node {
  url: string;
  pid: number;
}

async function startNode(name: string, args: string[], profile = false): Promise<Node> {
  const port = await freePort();
  const nodeArgs = profile && CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : [];
  const server = startTs(name, RELAY_CHILD, ['--port', String(port), ...LIMITS, ...args], port, { nodeArgs });
  await waitHealthy(server);
  return { url: `ws://127.0.0.1:${port}`, pid: server.proc.pid! };
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

const cpuOf = (pids: number[]) => pids.reduce((s, p) => s + cpuSeconds(p), 0);

function connect(url: string, identity: BenchIdentity): RelayClient {
  return new RelayClient({ url, identity, WebSocket: WebSocket as unknown as WebSocketConstructor, reconnect: false, requestTimeoutMs: 30_000 });
}

async function registerAll(url: string, ids: BenchIdentity[]): Promise<RelayClient[]> {
  const clients = ids.map((id) => connect(url, id));
  await Promise.all(clients.map((c) => c.connect()));
  await Promise.all(clients.map((c, i) => c.register(ids[i]!.handle, ids[i]!.bundle)));
  return clients;
}

interface Scenario {
  name: 'cross' | 'same' | 'single';
  /** Pair i: senders[i] → rooms[i] → receivers[i]. */
  senders: RelayClient[];
  receivers: RelayClient[];
  rooms: Uint8Array[];
  /** Server processes whose CPU counts (nodes, then Redis when it carries frames). */
  pids: number[];
  redisPid?: number;
}

/**
 * Frames and their latencies as the receivers see them (the payload starts with the send time). In the
 * closed loop, each receipt lets its sender send the next frame.
 */
function listen(s: Scenario) {
  const seen = { frames: 0, latencies: [] as number[], recording: false, closedLoop: false };
  s.receivers.forEach((client, i) => {
    client.onMessage((m) => {
      seen.frames++;
      if (seen.recording) seen.latencies.push(performance.now() - new DataView(m.payload.buffer, m.payload.byteOffset).getFloat64(0));
      if (seen.closedLoop) s.senders[i]!.sendToRoom(s.rooms[i]!, payload());
    });
  });
  return seen;
}

function payload(): Uint8Array {
  const p = new Uint8Array(FRAME);
  new DataView(p.buffer).setFloat64(0, performance.now());
  return p;
}

/** Closed loop: each pair keeps `window` frames in flight; returns frames/s and frames per CPU second. */
async function throughput(s: Scenario, seen: ReturnType<typeof listen>) {
  seen.closedLoop = true;
  s.senders.forEach((c, i) => {
    for (let w = 0; w < CONFIG.window; w++) c.sendToRoom(s.rooms[i]!, payload());
  });
  await new Promise((r) => setTimeout(r, 500)); // warm-up
  const frames0 = seen.frames;
  const each0 = s.pids.map(cpuSeconds);
  const cpu0 = cpuOf(s.pids);
  const redis0 = s.redisPid ? cpuSeconds(s.redisPid) : 0;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, CONFIG.seconds * 1000));
  const frames = seen.frames - frames0;
  const cpu = cpuOf(s.pids) - cpu0;
  const each = s.pids.map((p, i) => round(((cpuSeconds(p) - each0[i]!) / Math.max(frames, 1)) * 1e6, 1));
  const redisCpu = s.redisPid ? cpuSeconds(s.redisPid) - redis0 : 0;
  const seconds = (performance.now() - t0) / 1000;
  seen.closedLoop = false;
  await new Promise((r) => setTimeout(r, 500)); // the frames in flight drain
  return {
    framesPerSec: Math.round(frames / seconds),
    serverCpu: round(cpu / seconds, 2),
    framesPerServerCoreSec: Math.round(frames / Math.max(cpu, 0.01)),
    // Microseconds of CPU per frame: all servers, and Redis's part of it (0 without Redis).
    cpuUsPerFrame: round((cpu / Math.max(frames, 1)) * 1e6, 1),
    redisCpuUsPerFrame: round((redisCpu / Math.max(frames, 1)) * 1e6, 1),
    cpuUsPerFrameByProcess: each,
  };
}

/** Open loop at `rate` frames/s over all pairs; latency from send to receipt. */
async function paced(s: Scenario, seen: ReturnType<typeof listen>, rate: number) {
  seen.latencies = [];
  seen.recording = true;
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      for (; sent < due; sent++) {
        const i = sent % s.senders.length;
        s.senders[i]!.sendToRoom(s.rooms[i]!, payload());
      }
      if (performance.now() - start >= CONFIG.pacedSeconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  await new Promise((r) => setTimeout(r, 1000)); // the last frames arrive
  seen.recording = false;
  const l = [...seen.latencies].sort((a, b) => a - b);
  const at = (q: number) => round(l[Math.min(l.length - 1, Math.floor(q * l.length))] ?? NaN, 2);
  return { rate, sent, received: l.length, lost: sent - l.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: round(l[l.length - 1] ?? NaN, 2) };
}

/** Registrations per second: `count` connections authenticated first (not timed), then all register. */
async function registrationRate(urls: string[], prefix: string, log: Log) {
  const ids = await makeIdentities(CONFIG.registrations, prefix);
  const clients = ids.map((id, i) => connect(urls[i % urls.length]!, id));
  await Promise.all(clients.map((c) => c.connect()));
  const t0 = performance.now();
  await Promise.all(clients.map((c, i) => c.register(ids[i]!.handle, ids[i]!.bundle)));
  const seconds = (performance.now() - t0) / 1000;
  for (const c of clients) c.close();
  const perSec = Math.round(CONFIG.registrations / seconds);
  log(`registrations ${prefix.padEnd(8)} ${CONFIG.registrations} in ${round(seconds, 2)} s: ${perSec}/s`);
  return { count: CONFIG.registrations, seconds: round(seconds, 3), perSec };
}

export async function clusterBench(log: Log = console.log): Promise<Record<string, unknown>> {
  const started = Date.now();
  const loadAverageBefore = round(loadavg()[0]!, 2);
  const dataDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'c2c-bench-cluster-'));
  let pg: Postgres | null = null;
  let redis: RedisServer | null = null;
  const cleanupNow = () => {
    killAllNow();
    redis?.kill();
    pg?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const release = guard({ name: 'cluster', budgetSeconds: CONFIG.budgetSeconds, log, cleanupNow });
  const clients: RelayClient[] = [];
  try {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const cluster = ['--postgres', pg.url, '--redis', redis.url, '--log-key', join(dataDir, 'log-key.json')];
    const a = await startNode('node A', cluster, true);
    const b = await startNode('node B', cluster, true);
    const single = await startNode('single', ['--data', join(dataDir, 'single')]);
    log(`cluster bench: ${CONFIG.pairs} pairs, ${FRAME}-byte room frames, window ${CONFIG.window}, ${CONFIG.rounds}×${CONFIG.seconds} s per scenario`);

    const ids = await makeIdentities(CONFIG.pairs * 6, 'pair');
    const group = (k: number) => ids.slice(k * CONFIG.pairs, (k + 1) * CONFIG.pairs);
    const pair = async (name: Scenario['name'], k: number, from: Node, to: Node, pids: number[], redisPid?: number): Promise<Scenario> => {
      const senders = await registerAll(from.url, group(k));
      const receivers = await registerAll(to.url, group(k + 1));
      clients.push(...senders, ...receivers);
      const rooms = senders.map(() => crypto.getRandomValues(new Uint8Array(16)));
      await Promise.all(rooms.map((room, i) => Promise.all([senders[i]!.joinRoom(room), receivers[i]!.joinRoom(room)])));
      return { name, senders, receivers, rooms, pids, redisPid };
    };
    const scenarios = [
      await pair('cross', 0, a, b, [a.pid, b.pid, redis.pid], redis.pid),
      await pair('same', 2, a, a, [a.pid, b.pid, redis.pid], redis.pid),
      await pair('single', 4, single, single, [single.pid]),
    ];
    const seen = new Map(scenarios.map((s) => [s.name, listen(s)]));
    const runs = new Map(scenarios.map((s) => [s.name, [] as Awaited<ReturnType<typeof throughput>>[]]));
    for (let r = 0; r < CONFIG.rounds; r++) {
      // Rotating order: a burst of other work on this shared machine hits one run, not one scenario.
      for (const s of [...scenarios.slice(r % 3), ...scenarios.slice(0, r % 3)]) {
        const run = await throughput(s, seen.get(s.name)!);
        runs.get(s.name)!.push(run);
        log(`throughput ${s.name.padEnd(6)} round ${r + 1}: ${run.framesPerSec} frames/s, server CPU ${run.serverCpu} cores, ${run.framesPerServerCoreSec} frames per core-second (${run.cpuUsPerFrame} µs per frame: ${run.cpuUsPerFrameByProcess.join(' + ')})`);
      }
    }
    const summary = (name: Scenario['name']) => {
      const list = runs.get(name)!;
      return {
        framesPerSec: Math.round(median(list.map((x) => x.framesPerSec))),
        serverCpu: median(list.map((x) => x.serverCpu)),
        framesPerServerCoreSec: Math.round(median(list.map((x) => x.framesPerServerCoreSec))),
        cpuUsPerFrame: median(list.map((x) => x.cpuUsPerFrame)),
        redisCpuUsPerFrame: median(list.map((x) => x.redisCpuUsPerFrame)),
        runs: list.map((x) => x.framesPerServerCoreSec),
      };
    };
    const cross = summary('cross');
    const same = summary('same');
    const singleNode = summary('single');
    const perCore = {
      cross, same, single: singleNode, runCount: CONFIG.rounds,
      crossVsSingle: round(cross.framesPerServerCoreSec / singleNode.framesPerServerCoreSec, 2),
      crossVsSame: round(cross.framesPerServerCoreSec / same.framesPerServerCoreSec, 2),
    };
    log(`per server core: cross ${cross.framesPerServerCoreSec}, same node ${same.framesPerServerCoreSec}, single SQLite relay ${singleNode.framesPerServerCoreSec}; cross/single ${perCore.crossVsSingle}×`);

    const rate = Math.round(cross.framesPerSec / 2);
    const latency = {
      cross: await paced(scenarios[0]!, seen.get('cross')!, rate),
      single: await paced(scenarios[2]!, seen.get('single')!, rate),
    };
    log(`latency at ${rate} frames/s: cross p50 ${latency.cross.p50Ms} ms, p99 ${latency.cross.p99Ms} ms; single p50 ${latency.single.p50Ms} ms, p99 ${latency.single.p99Ms} ms`);
    for (const c of clients.splice(0)) c.close();

    const registrations = {
      postgres: await registrationRate([a.url, b.url], 'pg', log),
      sqlite: await registrationRate([single.url], 'sqlite', log),
    };
    const targetsMet = {
      crossVsSinglePerCore: perCore.crossVsSingle >= TARGETS.crossVsSinglePerCore,
      p99AtHalfLoad: latency.cross.p99Ms <= TARGETS.p99Ms && latency.cross.lost === 0,
      registrationsPerSec: registrations.postgres.perSec >= TARGETS.registrationsPerSec,
    };
    for (const [name, ok] of Object.entries(targetsMet)) log(`target ${name}: ${ok ? 'met' : 'MISSED'}`);
    return {
      perCore, latency, registrations, targets: TARGETS, targetsMet,
      loadAverageBefore, loadAverageAfter: round(loadavg()[0]!, 2),
      wallSeconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    for (const c of clients) c.close();
    await stopAll();
    await Promise.all([pg?.remove(), redis?.remove()]);
    release();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, 'cluster', clusterBench);
