// The name under which the global setup hands the bundle's path to test files (vitest provide/inject).
export const BUNDLE_KEY = 'c2cCliBundle' as const;

declare module 'vitest' {
  export interface ProvidedContext {
    [BUNDLE_KEY]: string;
  }
}
