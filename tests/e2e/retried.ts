// Retries in the open. A helper that tries an action again (a new tab, a new overlay) calls retried(): the
// extra attempt is printed, and recorded on the test it ran in, which the run then counts as flaky
// (tests/flaky-reporter.ts, scripts/test.mjs). A retry in a hook (beforeAll, afterAll) is recorded on the
// file by report-attempts.ts.
import { TestRunner } from 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    /** What a helper tried again during this test (on a file: during its hooks), and why. */
    retried?: string[];
  }
}

const outsideTests: string[] = [];

export function retried(what: string, reason: unknown): void {
  const line = `${what}: ${reason instanceof Error ? reason.message : String(reason)}`;
  console.warn(`[retried] ${line}`);
  const test = TestRunner.getCurrentTest();
  if (test) (test.meta.retried ??= []).push(line);
  else outsideTests.push(line);
}

/** The retries made outside any test since the last call. */
export function takeRetriesOutsideTests(): string[] {
  return outsideTests.splice(0);
}
