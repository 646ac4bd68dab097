// Loaded before each browser test file. A test that passes on its retry is counted as flaky, not hidden: the
// reason its first attempt failed is printed, so the run's log says why. Helper retries made in this file's
// hooks are recorded on the file (tests/e2e/retried.ts).
import { afterAll, beforeEach, onTestFailed } from 'vitest';
import { takeRetriesOutsideTests } from './retried';

beforeEach(() => {
  onTestFailed(({ task }) => {
    const reasons = (task.result?.errors ?? []).map(describe).join(' | ');
    console.error(`[attempt failed] ${task.name}: ${reasons}`);
  });
});

/** The message, the test line that failed and the diff (shortened): enough to tell which check saw what. */
function describe(e: { message: string; stack?: string; diff?: string }): string {
  const at = e.stack?.split('\n').find((line) => /\.test\.ts:\d+/.test(line))?.trim();
  const diff = e.diff ? ` diff: ${e.diff.replace(/\s+/g, ' ').slice(0, 600)}` : '';
  return `${e.message}${at ? ` (${at})` : ''}${diff}`;
}

// The file comes second; vitest reads the first parameter's pattern for fixtures, and this hook needs none.
afterAll(({}, file) => {
  const retries = takeRetriesOutsideTests();
  if (retries.length > 0) (file.meta.retried ??= []).push(...retries);
});
