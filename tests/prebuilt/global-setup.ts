// Vitest global setup: bundles the `c2c` CLI and the relay from the current sources once per run, with the
// recipe `npm run build` uses (scripts/build-programs.mjs), into a temp folder, so tests that start them as
// child processes (about 70 CLI runs, 25 relays) start plain JavaScript of the sources as they are now.
// A failed build, or one with warnings, fails the run: tests never fall back to another copy of the program.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildPrograms } from '../../scripts/build-programs.mjs';
import { PREBUILT_KEY } from './key';

export default async function setup(project: TestProject): Promise<() => void> {
  const outdir = mkdtempSync(join(tmpdir(), 'c2c-test-bundles-'));
  const remove = () => rmSync(outdir, { recursive: true, force: true });
  const rebuild = async () => {
    try {
      project.provide(PREBUILT_KEY, await buildPrograms(outdir));
    } catch (error) {
      throw new Error(`test bundles: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  // A failed first build ends the run before any teardown is registered: remove the folder here.
  await rebuild().catch((error: unknown) => {
    remove();
    throw error;
  });
  // Watch mode: a rerun gets bundles of the sources as they are now, never the previous ones.
  project.onTestsRerun(rebuild);
  return remove;
}
