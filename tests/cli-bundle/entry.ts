// The path of the bundled `c2c` CLI built by ./global-setup.ts for this vitest run.
import { existsSync } from 'node:fs';
import { inject } from 'vitest';
import { BUNDLE_KEY } from './key';

export function cliBundle(): string {
  const path = inject(BUNDLE_KEY);
  if (!path || !existsSync(path)) {
    throw new Error(`the c2c test bundle is missing (${String(path)}): run tests through vitest.config.ts, whose global setup builds it`);
  }
  return path;
}
