#!/usr/bin/env node
// Runs every suite (static checks, unit, relay, e2e) and ends with one plain line "N passed, N failed, N flaky"
// counting all of them, so CI can tell a run that executed nothing from one that passed. Flaky: a test that
// passed only on its retry, or after a test helper tried something again (docs/TESTING.md).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let flaky = 0;
/** The browser tests that were flaky in this run, one `FLAKY:` line each, for .ci/run to print. */
const FLAKY_LIST = join(import.meta.dirname, '..', '.ci', 'flaky-tests.txt');
/** Projects whose tests do not depend on browsers or load: there a flaky test is a failure. */
const DETERMINISTIC = new Set(['unit', 'relay']);

function run(label, cmd, args, env = {}) {
  process.stdout.write(`\n== ${label}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

function count(label, ok) {
  if (ok) passed += 1;
  else {
    failed += 1;
    process.stdout.write(`FAILED: ${label}\n`);
  }
}

/** Runs a check with its output held back (stdout and stderr in arrival order), for running beside others. */
function quietly({ label, cmd, args, env = {} }) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const output = [];
    child.stdout.on('data', (b) => output.push(b));
    child.stderr.on('data', (b) => output.push(b));
    child.on('error', (error) => output.push(Buffer.from(`${error}\n`)));
    child.on('close', (code) => done({ label, ok: code === 0, output: Buffer.concat(output) }));
  });
}

/**
 * Runs lanes side by side, the checks of each lane one after another, then prints every check's output
 * in order. eslint, tsc, wxt and web-ext each use about one core; the machine (and CI) has two.
 */
async function inParallel(...lanes) {
  const results = await Promise.all(lanes.map(async (lane) => {
    const done = [];
    for (const step of lane) done.push(await quietly(step));
    return done;
  }));
  for (const { label, ok, output } of results.flat()) {
    process.stdout.write(`\n== ${label}\n`);
    process.stdout.write(output);
    count(label, ok);
  }
}

const filter = process.argv.slice(2);
const staticChecks = filter.length === 0;

const eslint = { label: 'lint (eslint)', cmd: 'npx', args: ['eslint', '.'] };
const tsc = { label: 'type check (tsc)', cmd: 'npx', args: ['tsc', '--noEmit', '-p', '.'] };
const commitSubjects = { label: 'commit subjects (at most 72 characters)', cmd: 'node', args: ['scripts/check-commit-subjects.mjs'] };
const builds = [
  { label: 'test build (chrome)', cmd: 'npx', args: ['wxt', 'build'], env: { C2C_TEST_BUILD: '1' } },
  { label: 'test build (firefox)', cmd: 'npx', args: ['wxt', 'build', '-b', 'firefox'], env: { C2C_TEST_BUILD: '1' } },
];
const webExtLint = {
  label: 'web-ext lint (firefox build)',
  cmd: 'npx',
  args: ['web-ext', 'lint', '--source-dir', '.output/test/firefox-mv3', '--self-hosted', '--warnings-as-errors'],
};
if (staticChecks) {
  // tsc reads .wxt/, which wxt build rewrites: it never runs during a build.
  await inParallel([eslint], builds);
  await inParallel([tsc, commitSubjects], [webExtLint]);
} else {
  await inParallel(builds);
}

const dir = mkdtempSync(join(tmpdir(), 'c2c-vitest-'));
const out = join(dir, 'results.json');
const flakyOut = join(dir, 'flaky.json');
const vitestOk = run(
  'vitest',
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, '--reporter=./tests/flaky-reporter.ts', ...filter],
  { C2C_FLAKY_REPORT: flakyOut },
);
const flakyLines = [];
try {
  const results = JSON.parse(readFileSync(out, 'utf8'));
  // vitest counts a pass on retry as a pass; here it is flaky (or, in a deterministic project, failed).
  const flakyTests = JSON.parse(readFileSync(flakyOut, 'utf8'));
  passed += results.numPassedTests - flakyTests.filter((t) => !t.hooks).length;
  for (const t of flakyTests) {
    const name = `${t.project} ${t.file} > ${t.test}`;
    if (DETERMINISTIC.has(t.project)) {
      failed += 1;
      process.stdout.write(`FAILED: flaky where nothing may be: ${name} (${t.why.join('; ')})\n`);
    } else {
      flaky += 1;
      flakyLines.push(`FLAKY: ${name}`);
    }
  }
  // A file that fails to load has no test results of its own; count it as a failure.
  const brokenFiles = results.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  failed += results.numFailedTests + brokenFiles;
  // An error outside every test (a failed global setup such as the CLI bundle, an unhandled rejection)
  // fails vitest without failing a test; it still counts.
  if (!vitestOk && results.numFailedTests + brokenFiles === 0) {
    failed += 1;
    process.stdout.write('FAILED: vitest reported an error outside the tests\n');
  }
  if (results.numPendingTests + results.numTodoTests > 0) {
    failed += results.numPendingTests + results.numTodoTests;
    process.stdout.write('FAILED: skipped or todo tests are not allowed\n');
  }
} catch {
  failed += 1;
  process.stdout.write('FAILED: vitest produced no results\n');
}
rmSync(dir, { recursive: true, force: true });
writeFileSync(FLAKY_LIST, flakyLines.map((l) => `${l}\n`).join(''));

process.stdout.write(`\n${flakyLines.map((l) => `${l}\n`).join('')}${passed} passed, ${failed} failed, ${flaky} flaky\n`);
process.exit(failed === 0 ? 0 : 1);
