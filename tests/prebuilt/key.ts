// The name under which the global setup hands the bundles' paths to test files (vitest provide/inject).
export const PREBUILT_KEY = 'c2cPrebuilt' as const;

/** The programs tests start as child processes, each bundled from its entry point. */
export const ENTRY_POINTS = { c2c: 'cli/main.ts', relay: 'relay/main.ts' } as const;
export type Program = keyof typeof ENTRY_POINTS;

declare module 'vitest' {
  export interface ProvidedContext {
    [PREBUILT_KEY]: Record<Program, string>;
  }
}
