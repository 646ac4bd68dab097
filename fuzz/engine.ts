// The fuzzing loop shared by `npm run fuzz` (fuzz/run.ts) and the smoke test: draws inputs from a target,
// runs them under a time limit and sorts every outcome. Typed errors (C2CError, schema errors and the
// few typed errors a target names) are the decoders' normal refusals; a property violation is a crash;
// any other exception is an uncaught exception; an input over the time limit is a hang.
import { z } from 'zod';
import { C2CError } from '../lib/errors';
import { Rng } from './rng';

/** Thrown by a target when a property does not hold (e.g. tampered data decrypted, no round trip). */
export class Violation extends Error {
  override readonly name = 'Violation';
}

export function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Violation(what);
}

/** A prepared target: draws inputs and runs one. */
export interface Harness<I> {
  generate(rng: Rng): I;
  /** Throws a typed error when the input is refused; returns normally when it is accepted. */
  run(input: I): Promise<void> | void;
  /** Smaller variants of an input, for minimising a finding. */
  shrink?(input: I): Iterable<I>;
  /** The input in a form to paste into a unit test. */
  show(input: I): string;
  close?(): Promise<void> | void;
}

export interface Target<I = unknown> {
  name: string;
  /** One line: the decoders and properties covered (fuzz --list, docs/TESTING.md). */
  covers: string;
  /** Inputs the unit smoke runs (fewer where one input costs a key derivation or an RSA operation). */
  smoke: number;
  setup(): Promise<Harness<I>>;
  /** Other typed errors that count as refusals for this target. */
  typedErrors?: (new (...args: never[]) => Error)[];
}

export type FindingKind = 'crash' | 'hang' | 'uncaught';

export interface Finding {
  kind: FindingKind;
  index: number;
  message: string;
  input: string;
}

export interface Report {
  target: string;
  inputs: number;
  accepted: number;
  rejected: number;
  crashes: number;
  hangs: number;
  uncaught: number;
  /** CPU time of the slowest input. */
  slowestMs: number;
  seconds: number;
  findings: Finding[];
}

export interface RunOptions {
  iterations: number;
  seed: number;
  /** An input that takes more CPU time is a hang; one that does not answer within 10 times as long (wall time) too. */
  timeLimitMs: number;
  /** Stop early after this many seconds (the report says how many inputs ran). */
  maxSeconds?: number;
  /** Called every `progressEvery` inputs (progress display, watchdog heartbeat). */
  onProgress?: (done: number) => void;
  progressEvery?: number;
  /** Findings kept per kind, each minimised. */
  keep?: number;
}

const TIMED_OUT = Symbol('timed out');

/** A finding's kind comes with a message saying what went wrong. */
type Outcome = { kind: 'accepted' | 'rejected' | FindingKind; message?: string };

export async function runTarget<I>(target: Target<I>, opts: RunOptions): Promise<Report> {
  const harness = await target.setup();
  const typed = [C2CError, z.core.$ZodError, ...(target.typedErrors ?? [])];
  const isTyped = (e: unknown) => typed.some((T) => e instanceof T);
  const report: Report = { target: target.name, inputs: 0, accepted: 0, rejected: 0, crashes: 0, hangs: 0, uncaught: 0, slowestMs: 0, seconds: 0, findings: [] };
  const keep = opts.keep ?? 3;
  const every = opts.progressEvery ?? 1000;
  const started = performance.now();

  // CPU time decides what is slow (it does not grow when other processes load the machine); wall time only
  // decides that an input will never answer.
  const wallLimitMs = opts.timeLimitMs * 10;
  const attempt = async (input: I): Promise<Outcome & { ms: number }> => {
    const t0 = process.cpuUsage();
    const cpuMs = () => {
      const { user, system } = process.cpuUsage(t0);
      return (user + system) / 1000;
    };
    let outcome: Outcome;
    try {
      const pending = harness.run(input);
      if (pending) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const limit = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), wallLimitMs)));
        const result = await Promise.race([pending, limit]).finally(() => clearTimeout(timer));
        if (result === TIMED_OUT) return { kind: 'hang', message: `no answer within ${wallLimitMs} ms`, ms: cpuMs() };
      }
      outcome = { kind: 'accepted' };
    } catch (e) {
      if (e instanceof Violation) outcome = { kind: 'crash', message: e.message };
      else if (isTyped(e)) outcome = { kind: 'rejected' };
      else outcome = { kind: 'uncaught', message: e instanceof Error ? `${e.name}: ${e.message}` : `thrown ${typeof e}: ${String(e)}` };
    }
    const ms = cpuMs();
    if (ms > opts.timeLimitMs && outcome.kind !== 'crash' && outcome.kind !== 'uncaught') {
      return { kind: 'hang', message: `took ${ms.toFixed(0)} ms of CPU time (limit ${opts.timeLimitMs} ms)`, ms };
    }
    return { ...outcome, ms };
  };

  try {
    for (let i = 0; i < opts.iterations; i++) {
      if (opts.maxSeconds !== undefined && performance.now() - started > opts.maxSeconds * 1000) break;
      const input = harness.generate(Rng.for(opts.seed, i));
      const outcome = await attempt(input);
      report.inputs++;
      report.slowestMs = Math.max(report.slowestMs, outcome.ms);
      if (outcome.kind === 'accepted') report.accepted++;
      else if (outcome.kind === 'rejected') report.rejected++;
      else {
        const { kind, message } = outcome;
        report[kind === 'crash' ? 'crashes' : kind === 'hang' ? 'hangs' : 'uncaught']++;
        if (report.findings.filter((f) => f.kind === kind).length < keep) {
          const smallest = await minimise(input, kind, attempt, harness);
          report.findings.push({ kind, index: i, message: message ?? '', input: harness.show(smallest) });
        }
      }
      if (opts.onProgress && (i + 1) % every === 0) opts.onProgress(i + 1);
    }
  } finally {
    await harness.close?.();
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/** Greedy: keeps taking the first smaller variant that fails the same way, within a bounded number of tries. */
async function minimise<I>(input: I, kind: FindingKind, attempt: (i: I) => Promise<{ kind: string }>, harness: Harness<I>): Promise<I> {
  if (!harness.shrink || kind === 'hang') return input;
  let best = input;
  let tries = 0;
  for (let improved = true; improved && tries < 2000; ) {
    improved = false;
    for (const candidate of harness.shrink(best)) {
      if (++tries >= 2000) break;
      if ((await attempt(candidate)).kind === kind) {
        best = candidate;
        improved = true;
        break;
      }
    }
  }
  return best;
}
