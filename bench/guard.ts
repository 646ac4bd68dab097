// What every benchmark that starts processes needs: a time budget, and a clean-up that runs even when
// it cannot wait (Ctrl-C, a kill, the budget spent), so nothing it started outlives it.

export interface GuardOptions {
  name: string;
  budgetSeconds: number;
  log: (line: string) => void;
  /** Synchronous: kills what was started and removes temporary files, right now. */
  cleanupNow: () => void;
}

/**
 * From now on, past the budget or on SIGINT/SIGTERM, cleans up and exits the process; on a normal exit,
 * cleans up. Call the returned function once the bench has stopped everything itself.
 */
export function guard(opts: GuardOptions): () => void {
  const interrupted = () => {
    opts.cleanupNow();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  process.once('exit', opts.cleanupNow);
  const budget = setTimeout(() => {
    opts.log(`${opts.name} bench: over its ${opts.budgetSeconds} s budget, stopping`);
    opts.cleanupNow();
    process.exit(1);
  }, opts.budgetSeconds * 1000);
  return () => {
    clearTimeout(budget);
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    process.off('exit', opts.cleanupNow);
  };
}
