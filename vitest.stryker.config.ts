// Vitest for mutation testing (stryker.config.mjs): the unit and relay projects of vitest.config.ts,
// never e2e (browsers run the built extension, not the mutated sources, and take minutes per file).
import { defineConfig } from 'vitest/config';
import base from './vitest.config';

type Project = { test?: { name?: string; setupFiles?: string[] } };
const MUTATED_BY_THESE = ['unit', 'relay'];

const projects = ((base.test?.projects ?? []) as Project[])
  .filter((p) => MUTATED_BY_THESE.includes(p.test?.name ?? ''))
  .map((p) => ({ ...p, test: { ...p.test, setupFiles: [...(p.test?.setupFiles ?? []), 'tests/mutation-setup.ts'] } }));

export default defineConfig({ ...base, test: { ...base.test, projects: projects as never } });
