// `npm run bench -- log`: the key log at 1,000,000 entries. Builds the log in a temporary data folder
// (measuring the append rate), starts our relay on it in its own process, and measures, in alternating
// rounds on the same relay: a plain lookup against a lookup with the log's proofs (both as the CLI does
// them: request, answer, and the client's checks), the proof bytes per lookup, and the client's checkpoint
// verification in Node. Everything is on loopback; everything started here is stopped here. Fields:
// bench/README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { fromBase64Url } from '../lib/bytes';
import { SIGNATURE_CONTEXT, generateIdentity, signWithContext } from '../lib/crypto/identity';
import { generatePrekey } from '../lib/crypto/prekey';
import { decodePublicBundle, encodePublicBundle } from '../lib/crypto/public-bundle';
import { openCheckpoint } from '../lib/keylog/checkpoint';
import { encodeEntry } from '../lib/keylog/entry';
import { parseVerifierKey } from '../lib/keylog/note';
import { verifyLookup, type LogState } from '../lib/keylog/verify';
import { registerMessage } from '../lib/protocol/relay';
import { RelayClient, type WebSocketConstructor } from '../lib/relay-client/client';
import { SqliteDirectory } from '../relay/directory';
import { launchWithExtension } from '../tests/e2e/harness';
import { backgroundWorker, workerBundle } from './background-worker';
import { ensureChromeBuild } from './content/build';
import { envInt } from './env';
import { guard } from './guard';
import { runIfMain } from './main';
import { freePort, killAllNow, startTs, stopAll, waitHealthy } from './relay/procs';
import { median, round } from './relay/stats';

const CONFIG = {
  entries: envInt('BENCH_LOG_ENTRIES', 1_000_000),
  /** Handles with real keys and signed registrations, spread through the log: the ones looked up. */
  people: envInt('BENCH_LOG_PEOPLE', 200),
  batch: envInt('BENCH_LOG_BATCH', 10_000), // entries per transaction while building
  durableAppends: envInt('BENCH_LOG_DURABLE', 1000), // registrations acknowledged once durable, per mode
  concurrency: envInt('BENCH_LOG_CONCURRENCY', 64), // registrations in flight in the concurrent mode
  rounds: envInt('BENCH_LOG_ROUNDS', 10),
  lookupsPerRound: envInt('BENCH_LOG_LOOKUPS', 40),
  checkpointRuns: envInt('BENCH_LOG_CHECKPOINT_RUNS', 500),
  budgetSeconds: envInt('BENCH_LOG_BUDGET_SECONDS', 1800),
};
const TARGETS = { lookupRatio: 2, proofBytes: 2048, appendPerSec: 2000 };

type Log = (line: string) => void;

interface Person {
  handle: string;
  bundle: string;
  identityKey: Uint8Array;
  prekeyCreated: number;
  signature: Uint8Array;
}

async function makePerson(handle: string): Promise<Person> {
  const identity = await generateIdentity();
  const prekey = await generatePrekey(identity);
  const bundle = encodePublicBundle({ identityKey: identity.publicKey, prekey, handle });
  const signature = await signWithContext(identity.privateKey, SIGNATURE_CONTEXT.relayRegister, registerMessage(handle, bundle));
  return { handle, bundle, identityKey: identity.publicKey, prekeyCreated: prekey.created, signature };
}

/**
 * Fills the log: `people` real registrations (through the directory, signed, each its own transaction)
 * spread evenly among filler entries appended in batches. Filler entries are register entries of the
 * real shape and size for distinct handles, with one real bundle and a zero signature: signing a million
 * would take minutes, and nothing here verifies them (a lookup checks only the looked-up handle's).
 */
async function build(dir: string, log: Log) {
  const directory = new SqliteDirectory(dir, { logOrigin: 'bench.c2c.invalid/log' });
  const db = (directory as unknown as { db: import('better-sqlite3').Database }).db;
  const people = await Promise.all(Array.from({ length: CONFIG.people }, (_, i) => makePerson(`person-${i}`)));
  const filler = await makePerson('filler');
  const every = Math.floor(CONFIG.entries / CONFIG.people);
  let appended = 0;
  let batchMs = 0;
  let batched = 0;
  let next = 0;
  while (appended < CONFIG.entries) {
    const n = Math.min(CONFIG.batch, CONFIG.entries - appended);
    const t = performance.now();
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const handle = `f${appended + i}`;
        directory.log.append(handle, encodeEntry({ type: 'register', handle, time: 0, key: filler.identityKey, bundle: filler.bundle, sig: new Uint8Array(64) }));
      }
    }).immediate();
    batchMs += performance.now() - t;
    batched += n;
    appended += n;
    while (next < people.length && next * every < appended) {
      await directory.register(people[next]!);
      next++;
      appended++;
    }
    if (appended % 200_000 < CONFIG.batch) log(`  ${appended} entries`);
  }
  return { directory, people, batchedPerSec: batched / (batchMs / 1000), buildSeconds: batchMs / 1000 };
}

/**
 * Registrations as the relay makes them, acknowledged only once committed (synchronous=FULL): one at a
 * time (one fsync each), then `concurrency` in flight as from many connections (group commit).
 */
async function durableAppends(directory: SqliteDirectory, prefix: string, concurrency: number): Promise<number> {
  const extra = await Promise.all(Array.from({ length: CONFIG.durableAppends }, (_, i) => makePerson(`${prefix}-${i}`)));
  const t = performance.now();
  for (let i = 0; i < extra.length; i += concurrency) await Promise.all(extra.slice(i, i + concurrency).map((p) => directory.register(p)));
  return CONFIG.durableAppends / ((performance.now() - t) / 1000);
}

/**
 * The two clients look up without an identity, as a first contact does; the relay's limits for such
 * sockets (a few lookups, closed after seconds of quiet) would end them during the durable appends.
 */
const UNAUTHENTICATED_LOOKUPS = ['--auth-timeout', '86400', '--unauth-lookups', '1000000'];

/**
 * openCheckpoint where the extension runs it: in its background service worker, in Chromium (the test
 * build), the same code bundled and evaluated over DevTools, on the run's own checkpoint.
 */
async function checkpointVerifyInBackground(checkpoint: string, key: string, log: Log): Promise<{ median: number; runs: number }> {
  ensureChromeBuild('test', log);
  const code = await workerBundle(new URL('./log/worker-entry.ts', import.meta.url));
  const session = await launchWithExtension('chromium');
  try {
    const { worker } = await backgroundWorker(session);
    await worker.evaluate(code);
    const batch = 10;
    return (await worker.evaluate(`__c2cCheckpointBench(${JSON.stringify(checkpoint)}, ${JSON.stringify(key)}, ${Math.ceil(CONFIG.checkpointRuns / batch)}, ${batch})`)) as { median: number; runs: number };
  } finally {
    await session.close();
  }
}

function client(url: string): RelayClient {
  return new RelayClient({ url, WebSocket: WebSocket as unknown as WebSocketConstructor, reconnect: false, requestTimeoutMs: 30_000 });
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function bench(): Promise<Record<string, unknown>> {
  const log: Log = (line) => console.log(line);
  const wallStart = performance.now();
  const loadAverageBefore = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'c2c-bench-log-'));
  const release = guard({ name: 'log', budgetSeconds: CONFIG.budgetSeconds, log, cleanupNow: () => {
    killAllNow();
    rmSync(dir, { recursive: true, force: true });
  } });
  try {
    log(`log bench: building ${CONFIG.entries} entries`);
    const built = await build(dir, log);
    log(`  built in ${round(built.buildSeconds, 1)} s: ${round(built.batchedPerSec)} entries/s batched`);

    const port = await freePort();
    const relay = startTs('relay', fileURLToPath(new URL('./relay/relay-child.ts', import.meta.url)), ['--port', String(port), '--data', dir, '--rate', '0', '--byte-rate', '0', ...UNAUTHENTICATED_LOOKUPS], port);
    await waitHealthy(relay);
    const url = `ws://127.0.0.1:${port}`;
    const plainClient = client(url);
    const proofClient = client(url);
    await Promise.all([plainClient.connect(), proofClient.connect()]);

    // A client that saw the log before the durable appends: every lookup then carries a consistency
    // proof from that size besides the inclusion proof, as for a client returning after a while.
    const first = await proofClient.lookupLogged(built.people[0]!.handle, 0);
    const earlier: LogState = (await verifyLookup(built.people[0]!.handle, first.bundle, first.log, null)).state;
    const since = Number(earlier.checkpoint.split('\n')[1]);
    const sequentialPerSec = await durableAppends(built.directory, 'one', 1);
    const durablePerSec = await durableAppends(built.directory, 'many', CONFIG.concurrency);
    built.directory.close();
    log(`  durable appends: ${round(sequentialPerSec)} entries/s one at a time, ${round(durablePerSec)} entries/s with ${CONFIG.concurrency} in flight`);
    const current = await proofClient.logCheckpoint(since);
    // Each lookup is timed twice over: the round trip (request → parsed answer, what the relay adds) and
    // the whole lookup as the CLI makes it (plus decoding the key line, or plus every check of the log).
    const rtt = { plain: [] as number[], proofs: [] as number[] };
    const total = { plain: [] as number[], proofs: [] as number[] };
    const proofBytes: number[] = [];
    const extraWireBytes: number[] = [];
    let i = 0;
    for (let r = 0; r < CONFIG.rounds; r++) {
      const run = { rttPlain: [] as number[], rttProofs: [] as number[], plain: [] as number[], proofs: [] as number[] };
      for (let k = 0; k < CONFIG.lookupsPerRound; k++) {
        const person = built.people[i++ % built.people.length]!;
        let t0 = performance.now();
        const found = await plainClient.lookup(person.handle);
        run.rttPlain.push(performance.now() - t0);
        await decodePublicBundle(found.bundle);
        run.plain.push(performance.now() - t0);
        t0 = performance.now();
        const logged = await proofClient.lookupLogged(person.handle, since);
        run.rttProofs.push(performance.now() - t0);
        const v = await verifyLookup(person.handle, logged.bundle, logged.log, earlier);
        run.proofs.push(performance.now() - t0);
        if (v.events.length !== 1 || logged.log.consistency === undefined) throw new Error('the lookup did not carry both proofs');
        const entries = logged.log.entries!;
        proofBytes.push(fromBase64Url(logged.log.consistency).length + entries.reduce((n, e) => n + fromBase64Url(e.proof).length, 0));
        extraWireBytes.push(JSON.stringify(logged.log).length - entries.reduce((n, e) => n + e.entry.length, 0));
      }
      rtt.plain.push(median(run.rttPlain));
      rtt.proofs.push(median(run.rttProofs));
      total.plain.push(median(run.plain));
      total.proofs.push(median(run.proofs));
    }

    const verifier = parseVerifierKey(earlier.key);
    const checkpointTimes: number[] = [];
    for (let r = 0; r < CONFIG.checkpointRuns; r++) {
      checkpointTimes.push(await timed(async () => void (await openCheckpoint(current.checkpoint, verifier.name, [verifier]))));
    }

    plainClient.close();
    proofClient.close();
    await stopAll();
    const inBackground = await checkpointVerifyInBackground(current.checkpoint, earlier.key, log);
    const ms = (xs: number[]) => round(median(xs), 3);
    const ratio = median(rtt.proofs) / median(rtt.plain);
    const totalRatio = median(total.proofs) / median(total.plain);
    const bytes = median(proofBytes);
    const runs = { runs: CONFIG.rounds, lookupsPerRun: CONFIG.lookupsPerRound };
    const figures = {
      entries: Number(current.checkpoint.split('\n')[1]),
      lookupPlainP50Ms: { median: ms(rtt.plain), ...runs },
      lookupWithProofsP50Ms: { median: ms(rtt.proofs), ...runs },
      lookupPlainCheckedP50Ms: { median: ms(total.plain), ...runs },
      lookupWithProofsCheckedP50Ms: { median: ms(total.proofs), ...runs },
      proofBytesPerLookup: { median: bytes, runs: proofBytes.length },
      logAnswerBytesBeyondEntries: { median: median(extraWireBytes), runs: extraWireBytes.length },
      checkpointVerifyMs: { median: round(median(checkpointTimes), 4), runs: checkpointTimes.length },
      checkpointVerifyBackgroundMs: inBackground,
      appendBatchedPerSec: round(built.batchedPerSec),
      appendDurableOneAtATimePerSec: { value: round(sequentialPerSec), appends: CONFIG.durableAppends },
      appendDurablePerSec: { value: round(durablePerSec), appends: CONFIG.durableAppends, inFlight: CONFIG.concurrency },
    };
    const comparisons = [
      { figure: 'lookupWithProofsP50Ms', baseline: 'lookupPlainP50Ms', ratio: round(ratio, 2), target: TARGETS.lookupRatio, met: ratio <= TARGETS.lookupRatio },
      { figure: 'lookupWithProofsCheckedP50Ms', baseline: 'lookupPlainCheckedP50Ms', ratio: round(totalRatio, 2) },
      { figure: 'proofBytesPerLookup', target: TARGETS.proofBytes, met: bytes <= TARGETS.proofBytes },
      { figure: 'appendBatchedPerSec', target: TARGETS.appendPerSec, met: built.batchedPerSec >= TARGETS.appendPerSec },
      { figure: 'appendDurablePerSec', target: TARGETS.appendPerSec, met: durablePerSec >= TARGETS.appendPerSec },
    ];
    log(`  lookup round trip p50: plain ${ms(rtt.plain)} ms, with proofs ${ms(rtt.proofs)} ms (${round(ratio, 2)}x, target <= ${TARGETS.lookupRatio}x)`);
    log(`  lookup with the client's checks p50: plain ${ms(total.plain)} ms, with proofs ${ms(total.proofs)} ms (${round(totalRatio, 2)}x)`);
    log(`  proof bytes per lookup: ${bytes} (target <= ${TARGETS.proofBytes}); checkpoint verification ${round(median(checkpointTimes), 4)} ms in Node, ${inBackground.median} ms in the extension's background`);
    release();
    return { config: CONFIG, figures, comparisons, loadAverageBefore, loadAverageAfter: loadavg()[0]!, wallSeconds: round((performance.now() - wallStart) / 1000, 1) };
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, 'log', bench);
