import { hash, randomBytes } from 'node:crypto';

/** What a nonce check says: first use (now remembered), a replay, or no room to remember it. */
export type NonceVerdict = 'fresh' | 'replayed' | 'full';

/** Expiries are kept in whole seconds (rounded up): a nonce is held at most this much longer. */
const UNIT_MS = 1000;
/** The table is rebuilt (expired entries dropped) once this share of its slots is in use. */
const MAX_LOAD = 0.75;
/** A rebuild leaves at most this share in use, so that many inserts pass before the next one. */
const LOAD_AFTER_REBUILD = 0.375;
const MIN_CAPACITY = 1024;

/**
 * Nonces seen recently, to refuse a replayed UsernameToken (WS-Security UsernameToken Profile 1.0
 * §4.1: "MAY cache nonces for the freshness window") or a replayed HTTP Digest nonce count.
 *
 * Each nonce is kept at least until the instant its message stops being acceptable anyway
 * (`expiresAtMs`: Created + the window for a UsernameToken), never less, so the window is honoured
 * exactly; at most one second longer (expiries are kept in whole seconds, rounded up).
 *
 * The cache holds no JavaScript object per nonce: a nonce is a slot of an open-addressing table
 * (linear probing) in typed arrays, 12 bytes a slot: 64 bits of a keyed SHA-256 of the key and the
 * expiry. A Map of strings made every request slower as it filled (issue 14: 113 → 142 µs after
 * 300,000 requests, 515,905 nonces held): each key was promoted out of the young generation and
 * kept the old one large for the garbage collector to mark, and the Map's rehashes copied it
 * whole. Here a check is a hash, a few adjacent slots read, and one written: O(1) whatever the
 * fill. An expired slot is reused by the next insert whose probe passes it; the table is rebuilt
 * without the expired ones (and resized) when three quarters of it is in use, at most every
 * 3/8 of its capacity in inserts: O(1) amortised. Two keys are taken for one when their 64-bit
 * fingerprints collide (a refused, never a forgotten nonce): ~n/2^64 a check, with a per-process
 * secret key so that nobody can aim at it or pile nonces onto one slot.
 *
 * The bound is hard: at most `maxEntries` nonces are held, live or not yet dropped. When the bound
 * is reached the table first drops what has expired; only if live nonces still fill it is a new
 * one refused ('full', counted) rather than an unexpired one forgotten, which would reopen it to
 * replay. A drop that frees less than 1/16 of the bound is not tried again for 1/64 of the horizon
 * (each costs a pass over the table): a request may then be refused while up to 1/16 is expired.
 */
export class NonceCache {
  private readonly secret = randomBytes(32).toString('base64');
  private capacity = MIN_CAPACITY;
  /** Per slot, the fingerprint's two halves. */
  private fingerprints = new Int32Array(2 * MIN_CAPACITY);
  /** Per slot, 1 + the expiry in seconds (rounded up); 0: an empty slot. */
  private expiries = new Uint32Array(MIN_CAPACITY);
  /** Slots not empty: live nonces and expired ones not yet dropped. */
  private used = 0;
  /** When the bound is reached, no drop before this instant (see the class comment). */
  private noDropBeforeMs = -Infinity;
  private readonly dropPauseMs: number;
  private readonly maxCapacity: number;
  /** What the last find() saw: see there. */
  private reusable = -1;
  private empty = -1;
  /** Nonces refused because the cache was full of live ones (raise the bound). */
  refusedFull = 0;

  /**
   * `horizonMs`: the longest a nonce may live from now (e.g. twice the Created window, for a
   * Created up to one window in the future).
   */
  constructor(
    readonly maxEntries: number,
    horizonMs: number,
  ) {
    this.dropPauseMs = Math.max(UNIT_MS, Math.ceil(horizonMs / 64));
    this.maxCapacity = Math.max(MIN_CAPACITY, pow2AtLeast(maxEntries / MAX_LOAD));
  }

  /** Nonces held, including expired ones not yet dropped. */
  get size(): number {
    return this.used;
  }

  /**
   * Records `key` until `expiresAtMs` unless it is held already. A nonce whose message is already
   * outside its window (`expiresAtMs < nowMs`) is not recorded: the caller refuses it anyway.
   */
  check(key: string, expiresAtMs: number, nowMs: number): NonceVerdict {
    // One-shot, as a byte string: a third of the cost of a Hash object and a Buffer (~0.4 µs).
    const digest = hash('sha256', this.secret + key, 'binary');
    const hi = int32At(digest, 0);
    const lo = int32At(digest, 4);
    // A slot is live while its expiry (in seconds, rounded up) has not passed now.
    const liveFrom = Math.ceil(nowMs / UNIT_MS) + 1;
    if (this.find(hi, lo, liveFrom)) return 'replayed';
    if (expiresAtMs < nowMs) return 'fresh';
    const expiry = Math.ceil(expiresAtMs / UNIT_MS) + 1;
    if (this.reusable >= 0) {
      // An expired slot (perhaps this very key's last life): the count of slots in use is unchanged.
      this.put(this.reusable, hi, lo, expiry);
      return 'fresh';
    }
    if (this.used >= this.maxEntries) {
      if (nowMs < this.noDropBeforeMs) return this.refuse();
      this.rebuild(liveFrom);
      if (this.maxEntries - this.used < this.maxEntries / 16) this.noDropBeforeMs = nowMs + this.dropPauseMs;
      if (this.used >= this.maxEntries) return this.refuse();
    } else if (this.used + 1 > this.capacity * MAX_LOAD) {
      this.rebuild(liveFrom);
    } else {
      this.put(this.empty, hi, lo, expiry);
      this.used++;
      return 'fresh';
    }
    // Rebuilt: the key's place has moved (and it is not held: it was not before).
    this.find(hi, lo, liveFrom);
    this.put(this.empty, hi, lo, expiry);
    this.used++;
    return 'fresh';
  }

  private refuse(): 'full' {
    this.refusedFull++;
    return 'full';
  }

  /**
   * Probes for the fingerprint: true if it is held and live. Otherwise `reusable` is the first
   * expired slot on the way (or the key's own expired slot), -1 if none, and `empty` the empty
   * slot that ended the probe (kept in fields: no object a check).
   */
  private find(hi: number, lo: number, liveFrom: number): boolean {
    const mask = this.capacity - 1;
    const fp = this.fingerprints;
    const exp = this.expiries;
    this.reusable = -1;
    this.empty = -1;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const e = exp[i]!;
      if (e === 0) {
        this.empty = i;
        return false;
      }
      if (fp[2 * i] === hi && fp[2 * i + 1] === lo) {
        if (e >= liveFrom) return true;
        // A key is held once: its own expired slot is where its new life goes.
        this.reusable = i;
        return false;
      }
      if (e < liveFrom && this.reusable < 0) this.reusable = i;
    }
  }

  private put(i: number, hi: number, lo: number, expiry: number): void {
    this.fingerprints[2 * i] = hi;
    this.fingerprints[2 * i + 1] = lo;
    this.expiries[i] = expiry;
  }

  /** A new table with the live slots only, sized so that 3/8 of it at most is in use. */
  private rebuild(liveFrom: number): void {
    const oldFp = this.fingerprints;
    const oldExp = this.expiries;
    let live = 0;
    for (let i = 0; i < oldExp.length; i++) if (oldExp[i]! >= liveFrom) live++;
    const capacity = Math.min(
      this.maxCapacity,
      Math.max(MIN_CAPACITY, pow2AtLeast((live + 1) / LOAD_AFTER_REBUILD)),
    );
    const mask = capacity - 1;
    const fp = new Int32Array(2 * capacity);
    const exp = new Uint32Array(capacity);
    for (let j = 0; j < oldExp.length; j++) {
      const e = oldExp[j]!;
      if (e < liveFrom) continue;
      const lo = oldFp[2 * j + 1]!;
      let i = lo & mask;
      while (exp[i] !== 0) i = (i + 1) & mask;
      fp[2 * i] = oldFp[2 * j]!;
      fp[2 * i + 1] = lo;
      exp[i] = e;
    }
    this.capacity = capacity;
    this.fingerprints = fp;
    this.expiries = exp;
    this.used = live;
  }
}

/** Four bytes of a byte string, little-endian, as a signed 32-bit integer. */
function int32At(bytes: string, at: number): number {
  return (
    bytes.charCodeAt(at) |
    (bytes.charCodeAt(at + 1) << 8) |
    (bytes.charCodeAt(at + 2) << 16) |
    (bytes.charCodeAt(at + 3) << 24)
  );
}

function pow2AtLeast(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}
