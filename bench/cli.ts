// `npm run bench -- cli`: how long a user waits for `c2c` to start and do one small thing, as built by
// `npm run build` (scripts/build-programs.mjs, into a temp folder here): `c2c --help`, `c2c fingerprint KEY`
// and `c2c encrypt` of 200 bytes, against Node's own start (`node -e 0`) and age 1.1.1 encrypting the same
// 200 bytes, measured in the same run in alternating rounds. Fields: bench/README.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildPrograms } from '../scripts/build-programs.mjs';
import { envInt } from './env';
import { guard } from './guard';
import { runIfMain } from './main';

/** The targets: median wall time as a multiple of `node -e 0`. */
const TARGETS = { help: 3, encrypt: 4 };
const MESSAGE_BYTES = 200;
const AGE_VERSION = '1.1.1';

interface Figure {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
}

interface Task {
  name: string;
  command: string;
  args: string[];
}

function run(command: string, args: string[], cwd: string): { ok: boolean; stdout: Buffer; stderr: string } {
  const r = spawnSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: r.status === 0, stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr?.toString() ?? String(r.error) };
}

/** age 1.1.1 on PATH; installed from Debian's packages when missing and we may (root with apt-get). */
function ensureAge(log: (line: string) => void): string {
  const version = () => spawnSync('age', ['--version'], { encoding: 'utf8' });
  let found = version();
  if (found.status !== 0 && process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0) {
    log('age is missing: installing Debian package age');
    spawnSync('apt-get', ['install', '-y', '-qq', 'age'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    found = version();
  }
  if (found.status !== 0) throw new Error('age is not installed (Debian: apt-get install age)');
  const v = found.stdout.trim().replace(/^v/, '');
  if (v !== AGE_VERSION) log(`note: age ${v}, not ${AGE_VERSION}: the baseline differs from the issue's`);
  return v;
}

function stats(samples: number[]): Figure {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const round = (n: number) => Math.round(n * 10) / 10;
  return { medianMs: round(median), minMs: round(sorted[0]!), maxMs: round(sorted.at(-1)!), runs: sorted.length };
}

export async function cliBench(log: (line: string) => void = console.log): Promise<Record<string, unknown>> {
  const started = Date.now();
  const loadAverageBefore = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'c2c-bench-cli-'));
  const stop = guard({ name: 'cli', budgetSeconds: 600, log, cleanupNow: () => rmSync(dir, { recursive: true, force: true }) });
  try {
    const ageVersion = ensureAge(log);
    const programs = await buildPrograms(join(dir, 'programs'));
    const c2c = (...args: string[]) => [programs.c2c, ...args];
    const node = process.execPath;

    // Setup, each output checked: a key file, its public line, an age identity, 200 random bytes.
    const keygen = run(node, c2c('keygen', '--out', 'bench.key'), dir);
    if (!keygen.ok) throw new Error(`c2c keygen failed: ${keygen.stderr}`);
    const publicLine = keygen.stdout.toString().split('\n')[0]!;
    const ageKey = run('age-keygen', ['-o', 'age.key'], dir);
    if (!ageKey.ok) throw new Error(`age-keygen failed: ${ageKey.stderr}`);
    const recipient = /public key: (age1\w+)/i.exec(ageKey.stderr)?.[1];
    if (recipient === undefined) throw new Error('age-keygen printed no public key');
    const message = new Uint8Array(MESSAGE_BYTES).map(() => Math.floor(Math.random() * 256));
    writeFileSync(join(dir, 'message.bin'), message);

    const tasks: Task[] = [
      { name: 'node', command: node, args: ['-e', '0'] },
      { name: 'help', command: node, args: c2c('--help') },
      { name: 'fingerprint', command: node, args: c2c('fingerprint', 'bench.key') },
      { name: 'encrypt', command: node, args: c2c('encrypt', '--from', 'bench.key', '--to', publicLine, '--in', 'message.bin') },
      { name: 'age', command: 'age', args: ['-r', recipient, 'message.bin'] },
    ];

    // Both encryptions must open to the message, or the timings mean nothing.
    writeFileSync(join(dir, 'c2c.txt'), run(node, c2c('encrypt', '--from', 'bench.key', '--to', publicLine, '--in', 'message.bin'), dir).stdout);
    writeFileSync(join(dir, 'age.bin'), run('age', ['-r', recipient, 'message.bin'], dir).stdout);
    const opened = run(node, c2c('decrypt', '--key', 'bench.key', '--in', 'c2c.txt'), dir);
    const ageOpened = run('age', ['-d', '-i', 'age.key', 'age.bin'], dir);
    if (!opened.ok || !Buffer.from(message).equals(opened.stdout)) throw new Error(`c2c encrypt did not round-trip: ${opened.stderr}`);
    if (!ageOpened.ok || !Buffer.from(message).equals(ageOpened.stdout)) throw new Error(`age did not round-trip: ${ageOpened.stderr}`);
    if (readFileSync(join(dir, 'age.bin')).length === 0) throw new Error('age wrote nothing');

    const rounds = envInt('C2C_BENCH_CLI_RUNS', 30);
    const samples: Record<string, number[]> = Object.fromEntries(tasks.map((t) => [t.name, []]));
    log(`cli bench: ${rounds} rounds of ${tasks.map((t) => t.name).join(', ')} (alternating), age ${ageVersion}, Node ${process.version}`);
    for (let i = 0; i < rounds; i++) {
      for (const task of tasks) {
        const t0 = performance.now();
        const r = run(task.command, task.args, dir);
        const ms = performance.now() - t0;
        if (!r.ok) throw new Error(`${task.name} failed: ${r.stderr.split('\n')[0]}`);
        samples[task.name]!.push(ms);
      }
    }
    const figures = Object.fromEntries(tasks.map((t) => [t.name, stats(samples[t.name]!)]));
    for (const [name, f] of Object.entries(figures)) {
      log(`${name.padEnd(12)} median ${f.medianMs.toFixed(1).padStart(7)} ms   min ${f.minMs.toFixed(1).padStart(7)}   max ${f.maxMs.toFixed(1).padStart(7)}   runs ${f.runs}`);
    }
    const ratio = (a: string, b: string) => Math.round((figures[a]!.medianMs / figures[b]!.medianMs) * 100) / 100;
    const comparisons = [
      { figure: 'help', baseline: 'node', ratio: ratio('help', 'node'), target: TARGETS.help },
      { figure: 'fingerprint', baseline: 'node', ratio: ratio('fingerprint', 'node') },
      { figure: 'encrypt', baseline: 'node', ratio: ratio('encrypt', 'node'), target: TARGETS.encrypt },
      { figure: 'encrypt', baseline: 'age', ratio: ratio('encrypt', 'age') },
    ].map((c) => (c.target === undefined ? c : { ...c, met: c.ratio <= c.target }));
    for (const c of comparisons) {
      const target = 'met' in c ? ` (target ≤ ${c.target}×: ${c.met ? 'met' : 'MISSED'})` : '';
      log(`${c.figure} ÷ ${c.baseline}: ${c.ratio}×${target}`);
    }
    const loadAverageAfter = loadavg()[0]!;
    log(`load average ${loadAverageBefore.toFixed(2)} → ${loadAverageAfter.toFixed(2)}`);
    return { figures, comparisons, ageVersion, loadAverageBefore, loadAverageAfter, wallSeconds: Math.round((Date.now() - started) / 1000) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    stop();
  }
}

runIfMain(import.meta.url, 'cli', cliBench);
