// `npm run fuzz -- [--iterations N] [--seconds S] [--seed N] [--time-limit MS] [--list] [TARGET…]`: runs each
// target's inputs (all targets when none is named) and prints, per target, inputs, crashes, hangs, uncaught
// exceptions and time, then every finding with its minimised input. Exit status 1 when anything was found.
// A watchdog thread ends the run if one input blocks the event loop (a synchronous endless loop).
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { runTarget, type Finding, type Report } from './engine';
import { TARGETS } from './targets';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    iterations: { type: 'string', default: '100000' },
    seconds: { type: 'string' },
    seed: { type: 'string' },
    'time-limit': { type: 'string', default: '5000' },
    list: { type: 'boolean', default: false },
  },
});

if (values.list) {
  for (const t of TARGETS) process.stdout.write(`${t.name.padEnd(14)} ${t.covers}\n`);
  process.exit(0);
}

const unknown = positionals.filter((name) => !TARGETS.some((t) => t.name === name));
if (unknown.length > 0) {
  process.stderr.write(`unknown target(s): ${unknown.join(', ')} (see --list)\n`);
  process.exit(2);
}
const number = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    process.stderr.write(`--${name} must be a whole number\n`);
    process.exit(2);
  }
  return n;
};
const iterations = number('iterations', values.iterations)!;
const seconds = number('seconds', values.seconds);
const timeLimitMs = number('time-limit', values['time-limit'])!;
const seed = number('seed', values.seed) ?? (Date.now() & 0x7fffffff);
const targets = positionals.length > 0 ? TARGETS.filter((t) => positionals.includes(t.name)) : TARGETS;

// The watchdog: the loop writes a heartbeat; if it stops for 6 time limits (at least 30 s), the loop is stuck
// in one input. A blocked main thread can print nothing and run no exit handler: the watchdog writes to the
// file descriptor itself and kills the process (SIGKILL: a handler for a gentler signal would need that thread).
const heartbeat = new Int32Array(new SharedArrayBuffer(8));
const watchdog = new Worker(
  `const { workerData: { beat, stuckMs, names } } = require('node:worker_threads');
   const { writeSync } = require('node:fs');
   let last = -1, since = Date.now();
   setInterval(() => {
     const now = Atomics.load(beat, 0);
     if (now !== last) { last = now; since = Date.now(); return; }
     if (Date.now() - since > stuckMs) {
       writeSync(2, 'HANG: one input blocked the fuzz loop for ' + (Date.now() - since) + ' ms (' + names[Atomics.load(beat, 1)] + ', after input ' + now + ')\\n');
       process.kill(process.pid, 'SIGKILL');
     }
   }, 500);`,
  { eval: true, workerData: { beat: heartbeat, stuckMs: Math.max(30_000, timeLimitMs * 6), names: targets.map((t) => t.name) } },
);
// Started before the first input (its code arrives over a message port), then left out of what keeps Node running.
await once(watchdog, 'online');
watchdog.unref();

process.stdout.write(`seed ${seed}, up to ${iterations} inputs per target${seconds ? ` or ${seconds} s` : ''}, time limit ${timeLimitMs} ms per input\n`);
const reports: Report[] = [];
for (const [n, target] of targets.entries()) {
  Atomics.store(heartbeat, 1, n);
  const report = await runTarget(target, {
    iterations,
    seed,
    timeLimitMs,
    ...(seconds !== undefined ? { maxSeconds: seconds } : {}),
    progressEvery: 100,
    onProgress: (done) => {
      Atomics.store(heartbeat, 0, done);
      if (process.stdout.isTTY && done % 10_000 === 0) process.stdout.write(`\r${target.name}: ${done} inputs`);
    },
  });
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
  reports.push(report);
  process.stdout.write(line(report) + '\n');
  for (const f of report.findings) process.stdout.write(finding(report.target, f));
}

process.stdout.write(`\n${'target'.padEnd(14)}${cols(['inputs', 'accepted', 'rejected', 'crashes', 'hangs', 'uncaught', 'max cpu ms', 'seconds', 'inputs/s'])}\n`);
for (const r of reports) process.stdout.write(line(r) + '\n');
for (const r of reports) for (const f of r.findings) process.stdout.write(finding(r.target, f));
process.exit(reports.some((r) => r.crashes + r.hangs + r.uncaught > 0) ? 1 : 0);

function finding(target: string, f: Finding): string {
  return `\n${f.kind.toUpperCase()} in ${target} (input ${f.index}, seed ${seed}): ${f.message}\n  minimised input: ${f.input}\n`;
}

function line(r: Report): string {
  return r.target.padEnd(14) + cols([r.inputs, r.accepted, r.rejected, r.crashes, r.hangs, r.uncaught, r.slowestMs.toFixed(1), r.seconds.toFixed(1), Math.round(r.inputs / r.seconds)]);
}

function cols(values: (string | number)[]): string {
  return values.map((v) => String(v).padStart(11)).join('');
}
