// Mutation testing (StrykerJS): `npm run mutate`, or one folder with
// `npm run mutate -- --mutate 'lib/armor/**/*.ts'`. How to read the results: docs/TESTING.md, "Mutation testing".
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts' },
  // Mutants that do not compile are discarded before any test runs.
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: [
    'lib/crypto/**/*.ts',
    'lib/chat/**/*.ts',
    'lib/armor/**/*.ts',
    'lib/keyring/**/*.ts',
    // relay: authentication (challenge nonces, signature checks), the key directory, the limits.
    'relay/nonces.ts',
    'relay/ed25519.ts',
    'relay/directory.ts',
    'relay/config.ts',
  ],
  // Not copied into the sandbox: build output, browser-only code and tests, benchmarks.
  ignorePatterns: ['.output', 'dist', 'web-ext-artifacts', 'coverage', 'reports', 'tests/e2e', 'bench', '.c2c-relay', '.ci'],
  // One mutant at a time: the type checker runs beside it, and relay tests start processes of their own.
  concurrency: 1,
  // A mutant whose tests run longer than 1.5 × their dry-run time + 10 s has made the code loop: timeout.
  timeoutFactor: 1.5,
  timeoutMS: 10_000,
  // Dry run of the unit and relay projects under coverage measurement: allow for a loaded machine.
  dryRunTimeoutMinutes: 15,
  coverageAnalysis: 'perTest',
  // Static mutants (module-level code: tables, constants) need every test file re-imported per mutant:
  // lib/armor's 143 would take ~2.5 h of its ~3.5 h. They are left out by default (reported as
  // ignored); C2C_MUTATE_STATIC=1 includes them.
  ignoreStatic: process.env.C2C_MUTATE_STATIC !== '1',
  // With `-- --incremental`, results of unchanged code and tests are reused.
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  reporters: ['json', 'clear-text', 'progress'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  // No stryker.log in the checkout; the console shows what went wrong.
  fileLogLevel: 'off',
};
