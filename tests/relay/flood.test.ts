// Flood: 1,000 offending sockets (malformed frames, oversized frames, connects that never authenticate,
// from 50 addresses of another /24, in a child process) against one relay while 10 honest pairs exchange
// mailbox messages. The honest pairs lose nothing and their p99 latency stays ≤ 100 ms; every offender is
// cut off, and /metrics counts each kind. The same exchange without the flood, just before, is the
// baseline: it shows what the machine itself adds (other processes sharing its two cores).
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { afterAll, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../../lib/bytes';
import type { RelayClient } from '../../lib/relay-client/client';
import { ROOT, cleanup, client, makeIdentity, metrics, sample, startRelay, until, type RunningRelay } from './harness';

afterAll(cleanup);

const OFFENDERS = 1000;
const PAIRS = 10;
const SEND_EVERY_MS = 100; // per direction of each pair: 10 messages a second, under the mailbox limit
const HONEST_MS = 5000;
const FLOOD_MS = HONEST_MS + 3000;
const P99_MS = 100;
/**
 * Latency is judged only on a machine that is not stalling processes by itself: the baseline p99 (no
 * flood) under this, and no more runnable processes on average than cores (this test's own three included).
 */
const QUIET_P99_MS = 10;

type Ends = Record<'malformed' | 'oversized' | 'unauthenticated', Record<string, number>>;
interface Person {
  handle: string;
  c: RelayClient;
}

async function people(relay: RunningRelay): Promise<Person[]> {
  return Promise.all(
    Array.from({ length: PAIRS * 2 }, async (_, i) => {
      const handle = `honest-${i}`;
      const id = await makeIdentity(handle);
      const c = client(relay.url, id.identity);
      await c.connect();
      await c.register(handle, id.bundle);
      return { handle, c };
    }),
  );
}

/**
 * Each person sends to its partner every SEND_EVERY_MS for `ms`; checks every message arrived once and in
 * order; returns the p99 of send-to-arrival latency.
 */
async function exchange(everyone: Person[], ms: number, phase: string): Promise<number> {
  const latencies: number[] = [];
  const received = new Map<string, number[]>(); // "from>to" → sequence numbers in arrival order
  const off = everyone.map((p) =>
    p.c.onMessage((m) => {
      if (m.kind !== 'mailbox') return;
      const { seq, at, tag } = JSON.parse(fromUtf8(m.payload)) as { seq: number; at: number; tag: string };
      if (tag !== phase) return;
      latencies.push(performance.now() - at);
      const key = `${m.from}>${p.handle}`;
      received.set(key, [...(received.get(key) ?? []), seq]);
    }),
  );
  const sent = new Map<string, number>();
  const started = performance.now();
  await Promise.all(
    everyone.map(async (p, i) => {
      const to = everyone[i ^ 1]!.handle;
      for (let seq = 0; performance.now() - started < ms; seq++) {
        await new Promise((r) => setTimeout(r, Math.max(0, started + seq * SEND_EVERY_MS - performance.now())));
        await p.c.sendToHandle(to, utf8(JSON.stringify({ seq, at: performance.now(), tag: phase })));
        sent.set(`${p.handle}>${to}`, seq + 1);
      }
    }),
  );
  const total = [...sent.values()].reduce((a, b) => a + b, 0);
  await until(() => latencies.length >= total, 10_000).catch(() => undefined);
  for (const unsubscribe of off) unsubscribe();
  expect(total, phase).toBeGreaterThanOrEqual(PAIRS * 2 * (ms / SEND_EVERY_MS - 5));
  for (const [key, n] of sent) expect(received.get(key), `${phase} ${key}`).toEqual(Array.from({ length: n }, (_, s) => s));
  const sorted = latencies.sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length * 0.99) - 1]!;
}

it(`${PAIRS} honest pairs lose nothing with p99 ≤ ${P99_MS} ms while ${OFFENDERS} offenders are cut off and counted`, async () => {
  // --auth-timeout 2: the silent connects are cut within the test's few seconds (default 10).
  const relay = await startRelay(['--admin-port', '0', '--auth-timeout', '2']);
  const everyone = await people(relay);
  const baseline = await exchange(everyone, 2000, 'baseline');
  const cpuBefore = sample(await metrics(relay), 'c2c_relay_process_process_cpu_seconds_total');
  const floodStarted = performance.now();

  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/relay/flood-offenders.ts', relay.url, String(OFFENDERS), String(FLOOD_MS)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  await until(() => out.includes('ready\n'), 20_000);
  const flooded = await exchange(everyone, HONEST_MS, 'flood');
  expect(await exited).toBe(0);
  const floodSeconds = (performance.now() - floodStarted) / 1000;
  const ends = JSON.parse(out.trim().split('\n').at(-1)!) as Ends;
  const text = await metrics(relay);

  // The relay keeps up: the whole flood costs it well under half a core (CPU time, whatever the machine's load).
  const cpu = sample(text, 'c2c_relay_process_process_cpu_seconds_total') - cpuBefore;
  expect(cpu / floodSeconds, `relay CPU ${cpu.toFixed(2)} s in ${floodSeconds.toFixed(1)} s of flood`).toBeLessThan(0.5);
  // Honest latency, where the machine lets it be measured: other processes sharing its cores stall
  // every process here by hundreds of milliseconds when they keep them busy.
  const load = loadavg()[0]!;
  const figures = `p99 ${flooded.toFixed(1)} ms under the flood, ${baseline.toFixed(1)} ms without, load ${load.toFixed(1)}`;
  if (baseline <= QUIET_P99_MS && load <= availableParallelism()) expect(flooded, figures).toBeLessThanOrEqual(P99_MS);
  else console.warn(`flood: machine too busy to judge latency (${figures})`);
  expect(sample(text, 'c2c_relay_authenticated_connections')).toBe(PAIRS * 2); // nobody honest was cut off

  // The offenders: every offence ended by the relay, with the offence's own close code, or with 4407 when
  // the offender was too slow to offend within the auth timeout; each code counted in /metrics.
  const byCode = new Map<string, number>();
  for (const [kind, own] of [['malformed', '4400'], ['oversized', '1009'], ['unauthenticated', '4407']] as const) {
    const endings = ends[kind];
    expect(Object.values(endings).reduce((a, b) => a + b, 0), kind).toBeGreaterThanOrEqual(Math.floor(OFFENDERS / 3)); // each at least once
    expect(Object.keys(endings).filter((code) => code !== own && code !== '4407'), `${kind}: ${JSON.stringify(endings)}`).toEqual([]);
    expect(endings[own] ?? 0, `${kind}: ${JSON.stringify(endings)}`).toBeGreaterThan(0);
    for (const [code, n] of Object.entries(endings)) byCode.set(code, (byCode.get(code) ?? 0) + n);
  }
  expect(sample(text, 'c2c_relay_refusals_total{reason="malformed"}')).toBeGreaterThanOrEqual(byCode.get('4400')!);
  expect(sample(text, 'c2c_relay_refusals_total{reason="too-big"}')).toBeGreaterThanOrEqual(byCode.get('1009')!);
  expect(sample(text, 'c2c_relay_refusals_total{reason="auth-timeout"}')).toBeGreaterThanOrEqual(byCode.get('4407')!);
  for (const p of everyone) p.c.close();
}, 60_000);
