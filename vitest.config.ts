import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

// Vitest 5's reporters call Map.groupBy (Node 21+). On Node 20 printing a failure then crashes and hides
// the failure's details, so provide it here: this config runs in the main process before any reporter.
if (typeof (Map as unknown as { groupBy?: unknown }).groupBy !== 'function') {
  Object.defineProperty(Map, 'groupBy', {
    value<K, V>(items: Iterable<V>, key: (item: V, index: number) => K): Map<K, V[]> {
      const groups = new Map<K, V[]>();
      let i = 0;
      for (const item of items) {
        const k = key(item, i++);
        const group = groups.get(k);
        if (group) group.push(item);
        else groups.set(k, [item]);
      }
      return groups;
    },
    configurable: true,
    writable: true,
  });
}

// unit and relay files spend much of their time waiting on child processes (c2c, relays) and sockets:
// two at a time finish sooner even on two cores (measured in docs/TESTING.md).
const NODE_WORKERS = 2;

// Three suites: unit (pure lib code in Node), relay (real relay processes and SQLite),
// e2e (real Chromium and Firefox with the built test extension; run one file at a time).
export default defineConfig({
  resolve: { alias: { '@': root.replace(/\/$/, '') } },
  // Tests see the test build's code (build-flags.d.ts).
  define: { __C2C_TEST_BUILD__: 'true' },
  test: {
    // Runs once per `vitest run`, before any project: bundles the c2c CLI and the relay that tests start as child processes.
    globalSetup: ['tests/prebuilt/global-setup.ts'],
    projects: [
      {
        extends: true,
        // No retry where nothing depends on browsers or load: a failure is a failure (docs/TESTING.md).
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', testTimeout: 30_000, maxWorkers: NODE_WORKERS, retry: 0 },
      },
      {
        extends: true,
        test: { name: 'relay', include: ['tests/relay/**/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 60_000, maxWorkers: NODE_WORKERS, retry: 0 },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          // After unit and relay have finished: browsers never share the machine with other test files.
          sequence: { groupOrder: 1 },
          // Browsers on a loaded machine: a test that fails is run once more; one that fails twice fails,
          // one that passes on its retry counts as flaky (scripts/test.mjs). Every failed attempt is in the log.
          retry: 1,
          // expect.poll waits for something a browser must do; 1 s (vitest's default) is not enough on a loaded machine.
          expect: { poll: { timeout: 10_000 } },
          setupFiles: ['tests/e2e/report-attempts.ts'],
        },
      },
    ],
  },
});
