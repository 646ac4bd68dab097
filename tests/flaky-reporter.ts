// A vitest reporter for scripts/test.mjs: which tests were flaky, a thing vitest's JSON report does not say.
// Flaky: passed, but only on vitest's retry, or after a helper tried something again (tests/e2e/retried.ts).
// A file whose hooks needed a helper retry is listed too (`hooks: true`): that is no test of its own.
import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

interface FlakyTest {
  project: string;
  file: string;
  /** The test's full name (suites > test); for hooks, which. */
  test: string;
  hooks: boolean;
  why: string[];
}

export default class FlakyReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const out = process.env.C2C_FLAKY_REPORT;
    if (!out) return;
    const flaky: FlakyTest[] = [];
    for (const module of modules) {
      const where = { project: module.project.name, file: module.relativeModuleId };
      const inHooks = module.meta().retried ?? [];
      if (inHooks.length > 0 && module.ok()) flaky.push({ ...where, test: '(beforeAll/afterAll)', hooks: true, why: inHooks });
      for (const test of module.children.allTests()) {
        if (test.result().state !== 'passed') continue;
        const retries = test.diagnostic()?.retryCount ?? 0;
        const why = [...(retries > 0 ? [`passed on vitest's retry ${retries}`] : []), ...(test.meta().retried ?? [])];
        if (why.length > 0) flaky.push({ ...where, test: test.fullName, hooks: false, why });
      }
    }
    writeFileSync(out, JSON.stringify(flaky));
  }
}
