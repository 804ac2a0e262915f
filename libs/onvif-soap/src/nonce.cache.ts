/**
 * Nonces seen recently, to refuse a replayed UsernameToken (WS-Security UsernameToken Profile 1.0
 * §4.1: "MAY cache nonces for the freshness window") or a replayed HTTP Digest nonce count.
 * Bounded: past `maxEntries` the oldest entries go first, expired ones before any live one; a live
 * one evicted early is counted, so that an operator sees when the bound is too small for the load.
 */
export class NonceCache {
  private readonly entries = new Map<string, number>();
  evictedEarly = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** True when `key` was recorded within the TTL; otherwise records it and returns false. */
  seen(key: string, nowMs: number): boolean {
    const at = this.entries.get(key);
    if (at !== undefined && nowMs - at <= this.ttlMs) return true;
    if (at !== undefined) this.entries.delete(key);
    this.makeRoom(nowMs);
    this.entries.set(key, nowMs);
    return false;
  }

  private makeRoom(nowMs: number): void {
    // Insertion order is time order, so expired entries sit at the front.
    for (const [key, at] of this.entries) {
      if (this.entries.size < this.maxEntries && nowMs - at <= this.ttlMs) return;
      if (nowMs - at <= this.ttlMs) this.evictedEarly++;
      this.entries.delete(key);
    }
  }
}
