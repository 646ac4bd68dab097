#!/usr/bin/env node
// npm run zip: the store packages from the store build (never the test build or a development build,
// whatever the environment says): the Chrome Web Store zip, then the Firefox (AMO) zip and the AMO
// source zip. Into .output/, or into the folder C2C_OUT_DIR names. A reviewer runs this same command in
// the unpacked source zip (docs/BUILD-FROM-SOURCE.md) and gets the same bytes.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// NODE_ENV too: another value (vitest sets "test") makes preact's JSX transform put each component's
// absolute source path into the bundles.
const env = { ...process.env, NODE_ENV: 'production' };
delete env.C2C_TEST_BUILD;

for (const browser of ['chrome', 'firefox']) {
  const r = spawnSync('npx', ['wxt', 'zip', '-b', browser], { cwd: ROOT, env, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`wxt zip -b ${browser} failed`);
    process.exit(r.status ?? 1);
  }
}
