// `npm run bench -- files`: `c2c encrypt-file` / `decrypt-file` against Debian's `age` on the same file in
// the same run: throughput, CPU time and peak RSS of each, in alternating rounds. The file (1 GiB of random
// bytes unless BENCH_FILES_MIB says otherwise) is made by the bench, in memory (tmpfs) where the machine has
// one so that the disk does not set the pace of both; every decrypted output is checked against it. The CLI
// runs from a bundle of the current sources (as the tests run it), so no TypeScript compilation is timed.
// Fields: bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildPrograms } from '../scripts/build-programs.mjs';
import { envInt } from './env';
import { guard } from './guard';
import { runIfMain } from './main';

const MIB = 1024 * 1024;
const TARGETS = { throughputVsAge: 0.8, peakRssMiB: 100 };
const AGE = process.env.BENCH_FILES_AGE ?? 'age';
const AGE_KEYGEN = process.env.BENCH_FILES_AGE_KEYGEN ?? 'age-keygen';

interface Run {
  ms: number;
  cpuMs: number;
  peakRssMiB: number;
}

interface Figure {
  medianMs: number;
  mibPerSec: number;
  /** MiB per CPU second (user + system, every thread): what the machine's load changes least. */
  mibPerCpuSec: number;
  peakRssMiB: number; // the highest of all runs
  runs: number;
}

/** Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SEC = 100;

/** Room for the input, two encrypted copies and a decrypted one, with a margin. */
const tmpfsFits = (path: string, mib: number) => {
  const fs = statfsSync(path);
  return fs.bavail * fs.bsize > (4 * mib + 256) * MIB;
};

/** Where the bench's files go: BENCH_FILES_DIR, else /dev/shm (memory) when it has room, else the temp folder. */
function workFolder(mib: number): string {
  const parent = process.env.BENCH_FILES_DIR ?? (existsSync('/dev/shm') && tmpfsFits('/dev/shm', mib) ? '/dev/shm' : tmpdir());
  return mkdtempSync(join(parent, 'c2c-bench-files-'));
}

/** age: installed from Debian when missing and this runs as root with apt-get, else a clear stop. */
function ensureAge(log: (line: string) => void): string {
  const version = () => spawnSync(AGE, ['--version'], { encoding: 'utf8' });
  let found = version();
  if (found.status !== 0 && AGE === 'age' && process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0) {
    log('files bench: age is missing; installing it (apt-get install -y age)');
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'age'], { stdio: 'inherit' });
    found = version();
  }
  if (found.status !== 0) throw new Error(`age is not installed (the baseline): apt-get install age, or set BENCH_FILES_AGE and BENCH_FILES_AGE_KEYGEN to its programs`);
  return found.stdout.trim();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * The peak RSS of a child: VmHWM (the kernel's high-water mark), and its CPU time (utime + stime of
 * /proc/PID/stat), both read until it exits (so at most one 5 ms poll of CPU time is missed).
 */
function timed(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peakKiB = 0;
    let cpuTicks = 0;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
        // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpuTicks = Math.max(cpuTicks, Number(fields[11]) + Number(fields[12]));
      } catch {
        // exited between two polls
      }
    }, 5);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`${command} ${args[0] ?? ''} failed (${code}): ${stderr.trim().split('\n')[0] ?? ''}`));
      else resolve({ ms, cpuMs: (cpuTicks * 1000) / TICKS_PER_SEC, peakRssMiB: peakKiB / 1024 });
    });
  });
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: MIB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function makeFile(path: string, mib: number): void {
  const fd = openSync(path, 'w');
  const block = Buffer.allocUnsafe(MIB);
  try {
    for (let i = 0; i < mib; i++) writeSync(fd, randomFillSync(block));
  } finally {
    closeSync(fd);
  }
}

const perSec = (mib: number, ms: number) => Math.round((mib / (ms / 1000)) * 10) / 10;

function figure(runs: Run[], mib: number): Figure {
  const ms = median(runs.map((r) => r.ms));
  const cpuMs = median(runs.map((r) => r.cpuMs));
  return { medianMs: Math.round(ms), mibPerSec: perSec(mib, ms), mibPerCpuSec: perSec(mib, cpuMs), peakRssMiB: Math.round(Math.max(...runs.map((r) => r.peakRssMiB)) * 10) / 10, runs: runs.length };
}

async function bench(): Promise<Record<string, unknown>> {
  const log = (line: string) => console.log(line);
  const mib = envInt('BENCH_FILES_MIB', 1024);
  const rounds = envInt('BENCH_FILES_ROUNDS', 3);
  const ageVersion = ensureAge(log);
  const dir = workFolder(mib);
  const release = guard({ name: 'files', budgetSeconds: 120 + mib * 1.5 * rounds, log, cleanupNow: () => rmSync(dir, { recursive: true, force: true }) });
  const loadBefore = loadavg()[0]!;
  log(`files bench: ${mib} MiB, ${rounds} rounds, files in ${dirname(dir)}; age ${ageVersion}; load ${loadBefore.toFixed(2)}`);

  const { c2c } = await buildPrograms(join(dir, 'bundle'));
  const node = (args: string[]) => [c2c, ...args];
  const input = join(dir, 'input.bin');
  makeFile(input, mib);
  const inputHash = await sha256Of(input);
  for (const n of ['sender', 'recipient']) {
    const r = spawnSync(process.execPath, node(['keygen', '--out', join(dir, `${n}.key`)]), { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`c2c keygen failed: ${r.stderr}`);
  }
  const recipientPub = spawnSync(process.execPath, node(['pub', join(dir, 'recipient.key')]), { encoding: 'utf8' }).stdout.trim();
  const ageKey = join(dir, 'age.key');
  if (spawnSync(AGE_KEYGEN, ['-o', ageKey]).status !== 0) throw new Error('age-keygen failed');
  const ageRecipient = /public key: (age1\w+)/.exec(readFileSync(ageKey, 'utf8'))![1]!;

  const runs: Record<string, Run[]> = { 'c2c.encrypt': [], 'c2c.decrypt': [], 'age.encrypt': [], 'age.decrypt': [] };
  const check = async (path: string, who: string) => {
    if ((await sha256Of(path)) !== inputHash) throw new Error(`${who} decrypted something else than the input`);
    rmSync(path);
  };
  for (let round = 1; round <= rounds; round++) {
    // Alternating, so both tools see the same machine load; the order flips each round.
    const ours = async () => {
      runs['c2c.encrypt']!.push(await timed(process.execPath, node(['encrypt-file', '--from', 'sender.key', '--to', recipientPub, 'input.bin', 'c2c.c2c']), dir));
      runs['c2c.decrypt']!.push(await timed(process.execPath, node(['decrypt-file', '--key', 'recipient.key', 'c2c.c2c', 'c2c.out']), dir));
      await check(join(dir, 'c2c.out'), 'c2c');
    };
    const theirs = async () => {
      runs['age.encrypt']!.push(await timed(AGE, ['-r', ageRecipient, '-o', 'age.age', 'input.bin'], dir));
      runs['age.decrypt']!.push(await timed(AGE, ['-d', '-i', 'age.key', '-o', 'age.out', 'age.age'], dir));
      await check(join(dir, 'age.out'), 'age');
    };
    if (round % 2) {
      await ours();
      await theirs();
    } else {
      await theirs();
      await ours();
    }
    log(`  round ${round}: c2c enc ${runs['c2c.encrypt']!.at(-1)!.ms.toFixed(0)} ms, dec ${runs['c2c.decrypt']!.at(-1)!.ms.toFixed(0)} ms; age enc ${runs['age.encrypt']!.at(-1)!.ms.toFixed(0)} ms, dec ${runs['age.decrypt']!.at(-1)!.ms.toFixed(0)} ms`);
  }
  const sizes = { input: mib * MIB, c2c: statSync(join(dir, 'c2c.c2c')).size, age: statSync(join(dir, 'age.age')).size };
  release();
  rmSync(dir, { recursive: true, force: true });

  const figures = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, figure(v, mib)])) as Record<string, Figure>;
  const comparisons = (['encrypt', 'decrypt'] as const).flatMap((op) => {
    const ours = figures[`c2c.${op}`]!;
    const theirs = figures[`age.${op}`]!;
    const ratio = Math.round((ours.mibPerSec / theirs.mibPerSec) * 100) / 100;
    const cpuRatio = Math.round((ours.mibPerCpuSec / theirs.mibPerCpuSec) * 100) / 100;
    return [
      { figure: `c2c.${op}.mibPerSec`, baseline: `age.${op}.mibPerSec`, ratio, target: TARGETS.throughputVsAge, met: ratio >= TARGETS.throughputVsAge },
      { figure: `c2c.${op}.mibPerCpuSec`, baseline: `age.${op}.mibPerCpuSec`, ratio: cpuRatio },
      { figure: `c2c.${op}.peakRssMiB`, value: ours.peakRssMiB, baselineValue: theirs.peakRssMiB, target: TARGETS.peakRssMiB, met: ours.peakRssMiB <= TARGETS.peakRssMiB },
    ];
  });
  for (const [name, f] of Object.entries(figures)) {
    log(`${name.padEnd(12)} ${f.mibPerSec.toFixed(1).padStart(7)} MiB/s  median ${f.medianMs} ms  ${f.mibPerCpuSec.toFixed(1).padStart(7)} MiB per CPU s  peak RSS ${f.peakRssMiB.toFixed(1)} MiB  (${f.runs} runs)`);
  }
  for (const c of comparisons) {
    if (!('ratio' in c)) log(`${c.figure}: ${c.value} MiB (age ${c.baselineValue}; target ≤ ${c.target}) ${c.met ? 'met' : 'NOT met'}`);
    else if (c.target === undefined) log(`${c.figure}: ${c.ratio}× age (no target; shows the work done, whatever the load)`);
    else log(`${c.figure}: ${c.ratio}× age (target ≥ ${c.target}×) ${c.met ? 'met' : 'NOT met'}`);
  }
  const loadAfter = loadavg()[0]!;
  log(`load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}`);
  return { mib, rounds, age: ageVersion, sizes, figures, comparisons, load: { before: loadBefore, after: loadAfter } };
}

runIfMain(import.meta.url, 'files', bench);
