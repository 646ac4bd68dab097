// `npm run bench -- crypto-worker`: the modern suite's seal+open where the extension runs it, in its
// background service worker in Chromium (the test build; rebuilt first when older than the sources).
// The same tasks as bench/crypto.ts (bench/crypto/modern-tasks.ts), bundled and evaluated in the worker
// over DevTools. Fields: bench/README.md.
import { loadavg } from 'node:os';
import { launchWithExtension, type ExtensionSession } from '../tests/e2e/harness';
import { backgroundWorker, workerBundle } from './background-worker';
import { ensureChromeBuild } from './content/build';
import { runIfMain } from './main';
import { hybridCost, logHybridCost } from './crypto/modern-tasks';

type Log = (line: string) => void;
type Figures = Record<string, { medianMs: number; runs: number }>;

const ROUNDS = Number(process.env.BENCH_CRYPTO_WORKER_ROUNDS ?? 30);
const BATCH = 10;
const BUDGET_SECONDS = Number(process.env.BENCH_CRYPTO_WORKER_BUDGET_SECONDS ?? 300);

export async function cryptoWorkerBench(log: Log = console.log): Promise<Record<string, unknown>> {
  const started = Date.now();
  const loadAverageBefore = Math.round(loadavg()[0]! * 100) / 100;
  ensureChromeBuild('test', log);
  const code = await workerBundle(new URL('./crypto/worker-entry.ts', import.meta.url));
  let session: ExtensionSession | undefined;
  const budget = setTimeout(() => {
    log(`crypto-worker bench: over its ${BUDGET_SECONDS} s budget, stopping`);
    void Promise.race([session?.close(), new Promise((r) => setTimeout(r, 5000))]).then(() => process.exit(1));
  }, BUDGET_SECONDS * 1000);
  try {
    session = await launchWithExtension('chromium');
    const { worker, url } = await backgroundWorker(session);
    log(`crypto-worker bench: in ${url}, ${ROUNDS} rounds of ${BATCH} runs per task…`);
    await worker.evaluate(code);
    const figures = (await worker.evaluate(`__c2cCryptoBench(${ROUNDS}, ${BATCH})`)) as Figures;
    for (const [name, f] of Object.entries(figures)) log(`${name.padEnd(36)} median ${String(f.medianMs).padStart(9)} ms  (${f.runs} runs)`);
    const x25519 = figures['modern.x25519']!.medianMs;
    const agreements = (name: string) => Math.round((figures[name]!.medianMs / x25519) * 10) / 10;
    for (const name of ['modern.sealOpen.200B.1', 'modern.v2.sealOpen.200B.1']) log(`${name} costs ${agreements(name)} X25519 agreements`);
    const pqCost = hybridCost(figures);
    logHybridCost(pqCost, log);
    return {
      figures,
      hybridCost: pqCost,
      x25519Agreements: { 'modern.sealOpen.200B.1': agreements('modern.sealOpen.200B.1'), 'modern.v2.sealOpen.200B.1': agreements('modern.v2.sealOpen.200B.1') },
      browser: await session.browser.version(),
      loadAverageBefore,
      loadAverageAfter: Math.round(loadavg()[0]! * 100) / 100,
      wallSeconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    clearTimeout(budget);
    await session?.close();
  }
}

runIfMain(import.meta.url, 'crypto-worker', () => cryptoWorkerBench());
