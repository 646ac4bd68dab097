// Token buckets by key, for limits that span connections: per (sender, recipient), per recipient, per
// network prefix, and one global bucket (key ''). A bucket that has refilled completely holds nothing a
// fresh one would not, so sweep() forgets it: memory follows the keys active in the last burst/rate seconds.

export class KeyedBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** `rate` tokens per second up to `burst`; rate 0 turns the limit off. */
  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {}

  /** Takes one token from `key`'s bucket; false (and nothing taken) when it is empty. */
  take(key: string, now: number): boolean {
    if (this.rate <= 0) return true;
    const b = this.buckets.get(key);
    const tokens = b ? Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate) : this.burst;
    if (tokens < 1) return false;
    if (b) {
      b.tokens = tokens - 1;
      b.at = now;
    } else this.buckets.set(key, { tokens: tokens - 1, at: now });
    return true;
  }

  sweep(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.rate >= this.burst) this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
