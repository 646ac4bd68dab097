// The name under which the global setup hands the bundles' paths to test files (vitest provide/inject).
import type { Program } from '../../scripts/build-programs.mjs';

export type { Program };
export const PREBUILT_KEY = 'c2cPrebuilt' as const;

declare module 'vitest' {
  export interface ProvidedContext {
    [PREBUILT_KEY]: Record<Program, string>;
  }
}
