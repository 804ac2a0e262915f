/**
 * MessageIDs seen recently. WS-Discovery clients repeat a multicast Probe with the same MessageID
 * (SOAP-over-UDP §3.4 retransmission); WS-Discovery 2005/04 §3.3 has receivers process it once.
 * Bounded in count and time.
 */
export class MessageDedup {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  /** True the first time `id` is seen within the window, false for a repeat. */
  firstTime(id: string, nowMs: number): boolean {
    this.expire(nowMs);
    const at = this.seen.get(id);
    if (at !== undefined && nowMs - at < this.ttlMs) return false;
    if (this.seen.size >= this.maxEntries) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.delete(id);
    this.seen.set(id, nowMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private expire(nowMs: number): void {
    for (const [id, at] of this.seen) {
      if (nowMs - at < this.ttlMs) break;
      this.seen.delete(id);
    }
  }
}
