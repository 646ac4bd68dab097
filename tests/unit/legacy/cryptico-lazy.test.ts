// The background loads cryptico (which rewrites Math.random when it loads) only when the user turns to the
// legacy suite: not at start, not for modern requests, not to say there is no legacy key; then on creating
// the legacy key. In a fresh Node process, where import() is real (as in Firefox's event page).
import { describe, expect, it } from 'vitest';
import { ROOT, spawnNode } from '../cli/run-cli';

describe('cryptico is loaded only on use', () => {
  it('not at start nor for modern requests; on createLegacyKey', async () => {
    const r = await spawnNode(['--import', 'tsx', 'tests/unit/legacy/cryptico-lazy-probe.ts'], { cwd: ROOT });
    expect(r.code, r.stderr).toBe(0);
    // [at start, after modern requests and getLegacyPublicKey, after createLegacyKey, createLegacyKey ok]
    expect(JSON.parse(r.stdout.trim())).toEqual([false, false, true, true]);
  }, 60_000);
});
