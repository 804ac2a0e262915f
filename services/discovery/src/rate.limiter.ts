/**
 * A token bucket per source address: `perSecond` requests sustained, `burst` at once. The table is
 * bounded: past `maxSources` the least recently seen source is forgotten (it starts afresh with a
 * full bucket, which only ever matters to an attacker with thousands of allowed addresses).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxSources: number,
  ) {}

  /** Takes one token for `source` at time `nowMs`; false when its bucket is empty. */
  take(source: string, nowMs: number): boolean {
    const bucket = this.buckets.get(source);
    let tokens = this.burst;
    if (bucket) {
      tokens = Math.min(this.burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.perSecond);
      this.buckets.delete(source);
    } else if (this.buckets.size >= this.maxSources) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    const allowed = tokens >= 1;
    // Re-inserted last: Map order is least recently seen first.
    this.buckets.set(source, { tokens: allowed ? tokens - 1 : tokens, at: nowMs });
    return allowed;
  }

  get size(): number {
    return this.buckets.size;
  }
}
