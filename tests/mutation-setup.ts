// Setup for mutation runs only (vitest.stryker.config.ts). Tests that bound CPU time measure Stryker's
// instrumented code, which is slower (the detector's 1 MB scans: ~1.2 s against a 1 s bound), so they fail
// on unmutated code and stop the run. They are skipped here; every normal run of the suites keeps them.
import { beforeEach } from 'vitest';

const CPU_TIME_BOUNDED = [/^scans 1 MB of ".*" in linear time$/, /^finds all 10,000 damaged tokens on a page of fakes, quickly$/];

beforeEach((context) => {
  if (CPU_TIME_BOUNDED.some((name) => name.test(context.task.name))) context.skip('CPU-time bound: not meaningful on instrumented code');
});
