// Setup for mutation runs only (vitest.stryker.config.ts).
import fc from 'fast-check';

// Property tests draw new cases on every run. Each mutant must meet the cases the dry run passed, or a
// rare failing case (or a lucky pass) decides its fate: one fixed seed for every mutation run.
fc.configureGlobal({ seed: 20_261_207 });
