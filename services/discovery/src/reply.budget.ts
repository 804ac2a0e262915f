/**
 * The reply bytes each source address may receive: `perSecond` sustained, `burst` at once, and
 * replies beyond it paced (deferred) for at most `maxDeferMs`, then dropped. This is what keeps
 * WS-Discovery from being an amplifier: however many cameras one Probe matches (1,000 cameras
 * answer ~1.4 MB to a 0.5 KB Probe), a source — which may be a spoofed victim — receives no more
 * than the budget. The table is bounded like the rate limiter's: past `maxSources` the least
 * recently seen source is forgotten.
 */
export class ReplyBudget {
  /** tokens may go below zero: what is already promised to deferred replies. */
  private readonly sources = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxDeferMs: number,
    private readonly maxSources: number,
  ) {}

  /**
   * Reserves `bytes` for `source` at `nowMs`: the delay in ms before they may be sent (0: now), or
   * undefined (nothing reserved) when that would be later than `maxDeferMs`.
   */
  reserve(source: string, bytes: number, nowMs: number): number | undefined {
    const current = this.sources.get(source);
    let tokens = this.burst;
    if (current) {
      tokens = Math.min(this.burst, current.tokens + ((nowMs - current.at) / 1000) * this.perSecond);
      this.sources.delete(source);
    } else if (this.sources.size >= this.maxSources) {
      const oldest = this.sources.keys().next().value;
      if (oldest !== undefined) this.sources.delete(oldest);
    }
    const delayMs = tokens >= bytes ? 0 : Math.ceil(((bytes - tokens) / this.perSecond) * 1000);
    const granted = delayMs <= this.maxDeferMs;
    // Re-inserted last: Map order is least recently seen first.
    this.sources.set(source, { tokens: granted ? tokens - bytes : tokens, at: nowMs });
    return granted ? delayMs : undefined;
  }

  get size(): number {
    return this.sources.size;
  }
}
