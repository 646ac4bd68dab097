// `npm run bench` runs every benchmark; `npm run bench -- NAME [NAME…]` runs the named ones.
// Each benchmark is bench/NAME.ts, run in its own Node process (so one bench's load, timers, globals or
// exit cannot skew or stop another); it prints readable lines and ends with `BENCH NAME {json}`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** To add a benchmark, write bench/NAME.ts and add NAME here. */
const BENCHES = ['crypto', 'crypto-worker', 'relay', 'content', 'chat', 'tokens', 'cli', 'log', 'files', 'files-popup', 'cluster'];

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !BENCHES.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${BENCHES.join(', ')}`);
  process.exit(2);
}

const failed: string[] = [];
for (const name of requested.length > 0 ? requested : BENCHES) {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const run = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (run.status !== 0) failed.push(`${name} (${run.signal ?? `exit ${run.status}`})`);
}
if (failed.length > 0) {
  console.error(`benchmarks failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
