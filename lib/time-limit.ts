// Waiting with a limit: extension messaging can leave a promise pending for ever (a worker stopped
// mid-request), and a user must see an error rather than a screen that waits for nothing.

/** `promise`'s outcome, or `fallback()` when it has not settled within `ms` (a later outcome is ignored). */
export function withinTime<T>(promise: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
