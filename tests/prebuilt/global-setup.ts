// Vitest global setup: bundles the `c2c` CLI and the relay from the current sources once per run, so
// tests that start them as child processes (about 70 CLI runs, 25 relays) start plain JavaScript
// instead of registering tsx each time (~1 s → ~0.25 s per start). A failed build, or one with
// warnings, fails the run: tests never fall back to another copy of the program.
import { build, type Plugin } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TestProject } from 'vitest/node';
import { ENTRY_POINTS, PREBUILT_KEY, type Program } from './key';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Left to Node, as `tsx` leaves them: better-sqlite3 is native, and cryptico is sloppy-mode CommonJS
 * that assigns undeclared variables (the strict ESM bundle would throw). They are imported by absolute
 * URL because the bundle lives in a temp folder, outside the checkout's node_modules.
 */
const LEFT_TO_NODE = ['better-sqlite3', 'cryptico'];

function leaveToNode(): Plugin {
  const require = createRequire(join(ROOT, 'package.json'));
  const filter = new RegExp(`^(${LEFT_TO_NODE.join('|')})$`);
  return {
    name: 'c2c:leave-to-node',
    setup(b) {
      b.onResolve({ filter }, (args) => ({ path: pathToFileURL(require.resolve(args.path)).href, external: true }));
    },
  };
}

/** Bundles every program of ENTRY_POINTS into `outdir` (also used by bench/files.ts). */
export async function bundle(outdir: string): Promise<Record<Program, string>> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRY_POINTS,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // Chunks keep the CLI's on-demand command groups on demand (cryptico, ws and crypto load only when used).
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [leaveToNode()],
    // Bundled CommonJS dependencies call require() for Node built-ins; ESM output has none of its own.
    banner: { js: "import { createRequire as __c2cRequire } from 'node:module'; const require = __c2cRequire(import.meta.url);" },
    logLevel: 'silent',
  });
  if (result.warnings.length > 0) {
    throw new Error(`test bundles: esbuild warned:\n${result.warnings.map((w) => `${w.location?.file ?? ''}: ${w.text}`).join('\n')}`);
  }
  const paths = Object.keys(ENTRY_POINTS).map((name) => [name, join(outdir, `${name}.mjs`)]);
  return Object.fromEntries(paths) as Record<Program, string>;
}

export default async function setup(project: TestProject): Promise<() => void> {
  const outdir = mkdtempSync(join(tmpdir(), 'c2c-test-bundles-'));
  const remove = () => rmSync(outdir, { recursive: true, force: true });
  const rebuild = async () => project.provide(PREBUILT_KEY, await bundle(outdir));
  // A failed first build ends the run before any teardown is registered: remove the folder here.
  await rebuild().catch((error: unknown) => {
    remove();
    throw error;
  });
  // Watch mode: a rerun gets bundles of the sources as they are now, never the previous ones.
  project.onTestsRerun(rebuild);
  return remove;
}
