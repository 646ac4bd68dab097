// Flags the bundlers replace at build time (wxt.config.ts for the extension, vitest.config.ts for tests).

/** True in the test build (C2C_TEST_BUILD=1) and in tests: code for our fixture sites only; false in the store build. */
declare const __C2C_TEST_BUILD__: boolean;
