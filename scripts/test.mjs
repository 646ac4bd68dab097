#!/usr/bin/env node
// Runs every suite (static checks, unit, relay, e2e) and ends with one plain line "N passed, N failed"
// counting all of them, so CI can tell a run that executed nothing from one that passed.
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let passed = 0;
let failed = 0;

function run(label, cmd, args, env = {}) {
  process.stdout.write(`\n== ${label}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

function check(label, cmd, args, env) {
  if (run(label, cmd, args, env)) passed += 1;
  else {
    failed += 1;
    process.stdout.write(`FAILED: ${label}\n`);
  }
}

const filter = process.argv.slice(2);
const staticChecks = filter.length === 0;

if (staticChecks) {
  check('lint (eslint)', 'npx', ['eslint', '.']);
  check('type check (tsc)', 'npx', ['tsc', '--noEmit', '-p', '.']);
}
check('test build (chrome)', 'npx', ['wxt', 'build'], { C2C_TEST_BUILD: '1' });
check('test build (firefox)', 'npx', ['wxt', 'build', '-b', 'firefox'], { C2C_TEST_BUILD: '1' });
if (staticChecks) {
  check('web-ext lint (firefox build)', 'npx', ['web-ext', 'lint', '--source-dir', '.output/test/firefox-mv3', '--self-hosted', '--warnings-as-errors']);
}

const dir = mkdtempSync(join(tmpdir(), 'c2c-vitest-'));
const out = join(dir, 'results.json');
const vitestOk = run('vitest', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...filter]);
try {
  const results = JSON.parse(readFileSync(out, 'utf8'));
  passed += results.numPassedTests;
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

process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
