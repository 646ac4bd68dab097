// Running independent steps of one operation at once, each mostly waiting on WebCrypto or zlib, while
// still reporting their failures in a fixed order.

/** Starts `work` now; a failure is reported where it is awaited, not as an unhandled rejection. */
export function started<T>(work: Promise<T>): Promise<T> {
  work.catch(() => undefined);
  return work;
}
