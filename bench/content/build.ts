// The content bench measures the extension as the sources stand: a Chrome build that is missing or older
// than any source file is rebuilt first (Chrome only; the Firefox builds are left alone).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const SOURCES = ['entrypoints', 'lib', 'components', 'public', 'scripts', 'wxt.config.ts', 'package-lock.json'];

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), st.mtimeMs);
}

/** `test`: the test build (content script declared for loopback hosts); else the store build. Returns its folder. */
export function ensureChromeBuild(kind: 'test' | 'store', log: (line: string) => void): string {
  const dir = join(ROOT, '.output', ...(kind === 'test' ? ['test'] : []), 'chrome-mv3');
  const manifest = join(dir, 'manifest.json');
  const sourcesAt = Math.max(...SOURCES.map((s) => newestMtime(join(ROOT, s))));
  if (existsSync(manifest) && statSync(manifest).mtimeMs >= sourcesAt) return dir;
  log(`building the ${kind} build (missing or older than the sources)…`);
  const env = { ...process.env, C2C_TEST_BUILD: kind === 'test' ? '1' : '' };
  const run = spawnSync('npx', ['wxt', 'build'], { cwd: ROOT, env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`wxt build (${kind}) failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' ')}`);
  return dir;
}
