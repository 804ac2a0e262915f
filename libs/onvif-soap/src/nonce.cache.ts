/** What a nonce check says: first use (now remembered), a replay, or no room to remember it. */
export type NonceVerdict = 'fresh' | 'replayed' | 'full';

/**
 * Nonces seen recently, to refuse a replayed UsernameToken (WS-Security UsernameToken Profile 1.0
 * §4.1: "MAY cache nonces for the freshness window") or a replayed HTTP Digest nonce count.
 *
 * Each nonce is kept at least until the instant its message stops being acceptable anyway
 * (`expiresAtMs`: Created + the window for a UsernameToken), never less, so the window is honoured
 * exactly; at most one bucket (1/64 of the horizon) longer, when it could not be used anyway.
 * Expired nonces go by time buckets: a nonce is filed under the bucket its expiry falls in, and a
 * bucket is dropped whole once its end has passed, so every check is O(1) amortised whatever the
 * fill. A held key maps to its bucket's index (a small integer, stored inline: ~80 bytes a nonce).
 * The bound is hard: when `maxEntries` live nonces are held, a new one is refused ('full', and
 * counted) rather than an unexpired one forgotten, which would reopen it to replay.
 */
export class NonceCache {
  /** Key → the index of the bucket it is filed under. */
  private readonly held = new Map<string, number>();
  /** Bucket index (expiry / bucketMs) → the keys filed there. */
  private readonly buckets = new Map<number, string[]>();
  /** Buckets below this index have been swept. */
  private sweptBelow = -Infinity;
  private readonly bucketMs: number;
  /** Nonces refused because the cache was full of live ones (raise the bound). */
  refusedFull = 0;

  /**
   * `horizonMs`: the longest a nonce may live from now (e.g. twice the Created window, for a
   * Created up to one window in the future); buckets are 1/64 of it.
   */
  constructor(
    readonly maxEntries: number,
    horizonMs: number,
  ) {
    this.bucketMs = Math.max(1, Math.ceil(horizonMs / 64));
  }

  /** Nonces held, including those expired within the current bucket. */
  get size(): number {
    return this.held.size;
  }

  /**
   * Records `key` until `expiresAtMs` unless it is held already. A nonce whose message is already
   * outside its window (`expiresAtMs < nowMs`) is not recorded: the caller refuses it anyway.
   */
  check(key: string, expiresAtMs: number, nowMs: number): NonceVerdict {
    this.sweep(nowMs);
    // Every bucket that ended before now is gone: whatever is held is still live.
    if (this.held.has(key)) return 'replayed';
    if (expiresAtMs < nowMs) return 'fresh';
    if (this.held.size >= this.maxEntries) {
      this.refusedFull++;
      return 'full';
    }
    const index = Math.floor(expiresAtMs / this.bucketMs);
    this.held.set(key, index);
    const bucket = this.buckets.get(index);
    if (bucket) bucket.push(key);
    else this.buckets.set(index, [key]);
    return 'fresh';
  }

  /** Drops every bucket that ended at or before `nowMs`: each key is filed and dropped once. */
  private sweep(nowMs: number): void {
    const current = Math.floor(nowMs / this.bucketMs);
    if (current <= this.sweptBelow) return;
    if (current - this.sweptBelow > this.buckets.size) {
      // A long pause (or the first call): visit the buckets held rather than every index passed.
      for (const index of [...this.buckets.keys()]) if (index < current) this.drop(index);
    } else {
      for (let index = this.sweptBelow; index < current; index++) this.drop(index);
    }
    this.sweptBelow = current;
  }

  private drop(index: number): void {
    const keys = this.buckets.get(index);
    if (!keys) return;
    this.buckets.delete(index);
    for (const key of keys) this.held.delete(key);
  }
}
