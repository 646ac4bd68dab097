// The path of a program (`c2c`, the relay) bundled by ./global-setup.ts for this vitest run.
import { existsSync } from 'node:fs';
import { inject } from 'vitest';
import { PREBUILT_KEY, type Program } from './key';

export function prebuilt(program: Program): string {
  const path = inject(PREBUILT_KEY)?.[program];
  if (!path || !existsSync(path)) {
    throw new Error(`the ${program} test bundle is missing (${String(path)}): run tests through vitest.config.ts, whose global setup builds it`);
  }
  return path;
}
