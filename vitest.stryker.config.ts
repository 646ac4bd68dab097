// Vitest for mutation testing (stryker.config.mjs): the unit and relay projects of vitest.config.ts,
// never e2e (browsers run the built extension, not the mutated sources, and take minutes per file).
import { defineConfig } from 'vitest/config';
import base from './vitest.config';

type Project = { test?: { name?: string; setupFiles?: string[]; testTimeout?: number; exclude?: string[] } };
const MUTATED_BY_THESE = ['unit', 'relay'];
// Instrumented code with per-test coverage runs several times slower (armor's property tests passed 30 s
// on a loaded machine). Stryker times each mutant out by its own measure; this is only the ceiling.
const SLOWDOWN = 6;
// Tests that bound CPU time measure instrumented code here, which is slower than their bounds (the
// detector's 1 MB scans: ~1.2 s against 1 s): they run in every normal run of the suites instead.
const CPU_TIME_BOUNDED = ['tests/unit/armor/detect-speed.test.ts'];
// The fuzz smoke runs thousands of inputs through most of lib/: every mutant it reaches would pay for all
// of them (minutes each). The decoders' own tests cover those mutants; `npm test` runs the smoke.
const FUZZ_SMOKE = ['tests/unit/fuzz/smoke.test.ts'];

const projects = ((base.test?.projects ?? []) as Project[])
  .filter((p) => MUTATED_BY_THESE.includes(p.test?.name ?? ''))
  .map((p) => ({
    ...p,
    test: {
      ...p.test,
      testTimeout: (p.test?.testTimeout ?? 30_000) * SLOWDOWN,
      setupFiles: [...(p.test?.setupFiles ?? []), 'tests/mutation-setup.ts'],
      exclude: [...(p.test?.exclude ?? ['**/node_modules/**']), ...CPU_TIME_BOUNDED, ...FUZZ_SMOKE],
    },
  }));

export default defineConfig({ ...base, test: { ...base.test, projects: projects as never } });
