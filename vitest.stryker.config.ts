// Vitest for mutation testing (stryker.config.mjs): the unit and relay projects of vitest.config.ts,
// never e2e (browsers run the built extension, not the mutated sources, and take minutes per file).
import { defineConfig } from 'vitest/config';
import base from './vitest.config';

type Project = { test?: { name?: string; setupFiles?: string[]; testTimeout?: number } };
const MUTATED_BY_THESE = ['unit', 'relay'];
// Instrumented code with per-test coverage runs several times slower (armor's property tests passed 30 s
// on a loaded machine). Stryker times each mutant out by its own measure; this is only the ceiling.
const SLOWDOWN = 6;

const projects = ((base.test?.projects ?? []) as Project[])
  .filter((p) => MUTATED_BY_THESE.includes(p.test?.name ?? ''))
  .map((p) => ({
    ...p,
    test: {
      ...p.test,
      testTimeout: (p.test?.testTimeout ?? 30_000) * SLOWDOWN,
      setupFiles: [...(p.test?.setupFiles ?? []), 'tests/mutation-setup.ts'],
    },
  }));

export default defineConfig({ ...base, test: { ...base.test, projects: projects as never } });
