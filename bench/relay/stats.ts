// Small statistics helpers for the benches: medians over repeated runs and latency percentiles.

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100) of an already sorted array. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface LatencySummary {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summarizeLatencies(values: Float64Array | number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  return {
    samples: sorted.length,
    p50Ms: round(percentileSorted(sorted, 50), 2),
    p99Ms: round(percentileSorted(sorted, 99), 2),
    maxMs: round(sorted.length ? sorted[sorted.length - 1]! : NaN, 2),
  };
}

export function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
