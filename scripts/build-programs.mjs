#!/usr/bin/env node
// Bundles the `c2c` CLI and the relay into plain JavaScript with esbuild, so they start without compiling
// TypeScript. `npm run build` and `npm run prepare` (install, pack) build them into dist/, which the
// package's `bin` entries run; the test global setup (tests/prebuilt/global-setup.ts) builds the same
// bundles into a temp folder per test run. A build with errors or warnings fails: there is no fallback.
import { build } from 'esbuild';
import { chmodSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The programs and their entry points; each is bundled to `<outdir>/<name>.mjs`. */
export const ENTRY_POINTS = { c2c: 'cli/main.ts', relay: 'relay/main.ts' };

/** Where `npm run build` puts the programs (the package's `bin` entries point here). */
export const PROGRAMS_DIR = join(ROOT, 'dist');

/**
 * Left to Node, as the package's own dependencies: better-sqlite3 is native, and cryptico is sloppy-mode
 * CommonJS that assigns undeclared variables (the strict ESM bundle would throw).
 */
const LEFT_TO_NODE = ['better-sqlite3', 'cryptico'];

/**
 * Inside the package (dist/), the bundles import them by name and Node finds them in the package's own
 * node_modules, wherever it is installed. A bundle outside the checkout (a test run's temp folder) has no
 * node_modules above it, so it imports the checkout's copies by absolute URL.
 */
function leaveToNode(outdir) {
  const inPackage = !relative(ROOT, outdir).startsWith('..') && !isAbsolute(relative(ROOT, outdir));
  const require = createRequire(join(ROOT, 'package.json'));
  const filter = new RegExp(`^(${LEFT_TO_NODE.join('|')})$`);
  return {
    name: 'c2c:leave-to-node',
    setup(b) {
      b.onResolve({ filter }, (args) => ({
        path: inPackage ? args.path : pathToFileURL(require.resolve(args.path)).href,
        external: true,
      }));
    },
  };
}

/** Builds both programs into `outdir` and returns the path of each. */
export async function buildPrograms(outdir = PROGRAMS_DIR) {
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
    plugins: [leaveToNode(outdir)],
    // The shebang lets the entry files be `bin` targets. Bundled CommonJS dependencies call require() for
    // Node built-ins; ESM output has none of its own.
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __c2cRequire } from 'node:module'; const require = __c2cRequire(import.meta.url);",
    },
    logLevel: 'silent',
    metafile: true,
  });
  if (result.warnings.length > 0) {
    throw new Error(`esbuild warned:\n${result.warnings.map((w) => `${w.location?.file ?? ''}: ${w.text}`).join('\n')}`);
  }
  // Files of an earlier build go only now: a `c2c` already running from outdir still finds the chunks it
  // loads on demand, unless the sources changed them.
  const current = new Set(Object.keys(result.metafile.outputs).map((out) => resolve(ROOT, out)));
  for (const file of readdirSync(outdir)) {
    if (!current.has(resolve(outdir, file))) rmSync(join(outdir, file), { recursive: true, force: true });
  }
  const paths = Object.fromEntries(Object.keys(ENTRY_POINTS).map((name) => [name, join(outdir, `${name}.mjs`)]));
  for (const path of Object.values(paths)) chmodSync(path, 0o755);
  return paths;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await buildPrograms();
  } catch (error) {
    console.error(`build-programs: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
