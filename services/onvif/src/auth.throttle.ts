/**
 * Password guessing, slowed and then stopped (issue 9): one table for every way an ONVIF password
 * is tried (WS-Security, HTTP Digest, the snapshot URL, RTSP reads through the MediaMTX hook) and
 * for publish secrets.
 *
 * - **Per source address**: after `freeFailures` wrong passwords, each answer is delayed (doubling
 *   from `delayMs` up to `maxDelayMs`); at `lockoutAfter` the address is locked out for
 *   `lockoutMs`, doubling with each lockout up to `maxLockoutMs`. Once a lockout ends, one more
 *   failure locks it again: a single address gets about one guess per lockout.
 * - **Per user** (camera and username), across addresses, against guessing spread over many
 *   addresses: delayed the same way and locked at `userLockoutAfter`, except for the addresses that
 *   logged in as that user before (an NVR keeps working while its user is attacked).
 * - A success from an address clears that user's failures from the address; failures are forgotten
 *   `windowMs` after the last one. While locked, the password is not even checked, so a right
 *   guess is refused like a wrong one.
 *
 * Why not `rate-limiter-flexible`: it counts and blocks keys, but the delays, the doubling
 * lockouts, the per-user exemption of known addresses and a hard bound on memory would all be
 * ours anyway. This table is bounded: past `maxEntries` the least recently seen entry is
 * forgotten, to the second (an attacker needs that many addresses or usernames to lose one's count).
 */
export interface ThrottlePolicy {
  freeFailures: number;
  delayMs: number;
  maxDelayMs: number;
  lockoutAfter: number;
  userLockoutAfter: number;
  lockoutMs: number;
  maxLockoutMs: number;
  windowMs: number;
  maxEntries: number;
}

export type ThrottleScope = 'source' | 'user';

interface Entry {
  /** Failures by username (source entries) or by source (user entries). */
  failures: Map<string, number>;
  lockedUntil: number;
  lockouts: number;
  lastAt: number;
  /** User entries: addresses that logged in as this user (at most 8). */
  known: Set<string>;
}

export type ThrottleCheck = { locked: false } | { locked: true; scope: ThrottleScope; retryAfterMs: number };

export interface FailureOutcome {
  /** How long to hold the answer back. */
  delayMs: number;
  /** Set when this failure started a lockout (to log it once). */
  lockedOut?: { scope: ThrottleScope; forMs: number };
}

/** An entry seen again this soon keeps its place in the eviction order (its time still moves). */
const REORDER_MS = 1000;

export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly policy: ThrottlePolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a request from `source` as `user` (`<camera>/<username>`) may be checked at all. */
  check(source: string, user: string | undefined): ThrottleCheck {
    const t = this.now();
    const s = this.live(`s:${source}`, t);
    if (s && s.lockedUntil > t) return { locked: true, scope: 'source', retryAfterMs: s.lockedUntil - t };
    const u = user === undefined ? undefined : this.live(`u:${user}`, t);
    if (u && u.lockedUntil > t && !u.known.has(source))
      return { locked: true, scope: 'user', retryAfterMs: u.lockedUntil - t };
    return { locked: false };
  }

  failed(source: string, user: string | undefined): FailureOutcome {
    const t = this.now();
    const p = this.policy;
    const s = this.touch(`s:${source}`, t);
    const sCount = bump(s, user ?? '');
    const u = user === undefined ? undefined : this.touch(`u:${user}`, t);
    const uCount = u ? bump(u, source) : 0;
    let lockedOut: FailureOutcome['lockedOut'];
    if (sCount >= p.lockoutAfter && s.lockedUntil <= t)
      lockedOut = { scope: 'source', forMs: this.lock(s, t) };
    else if (u && uCount >= p.userLockoutAfter && u.lockedUntil <= t)
      lockedOut = { scope: 'user', forMs: this.lock(u, t) };
    // A user's answers slow down as far ahead of its lockout as an address's do.
    const over = Math.max(
      sCount - p.freeFailures,
      uCount - (p.userLockoutAfter - (p.lockoutAfter - p.freeFailures)),
    );
    const delayMs = over > 0 ? Math.min(p.maxDelayMs, p.delayMs * 2 ** (over - 1)) : 0;
    return lockedOut ? { delayMs, lockedOut } : { delayMs };
  }

  /** Returns whether anything changed beyond the time last seen (what other workers need to hear). */
  succeeded(source: string, user: string): boolean {
    const t = this.now();
    // An NVR logging in again as usual (every request, hundreds a second): only its time moves, and
    // the entry is moved to the end of the eviction order at most once a second.
    const seen = this.entries.get(`u:${user}`);
    if (
      seen !== undefined &&
      t - seen.lastAt < REORDER_MS &&
      seen.known.has(source) &&
      !seen.failures.has(source) &&
      !this.entries.has(`s:${source}`)
    ) {
      seen.lastAt = t;
      return false;
    }
    const s = this.live(`s:${source}`, t);
    let changed = s?.failures.delete(user) ?? false;
    const u = this.touch(`u:${user}`, t);
    changed = u.failures.delete(source) || changed;
    if (!u.known.has(source)) {
      if (u.known.size >= 8) u.known.delete(u.known.values().next().value!);
      u.known.add(source);
      changed = true;
    }
    return changed;
  }

  /** Addresses and users locked out now. */
  lockedOut(): { source: number; user: number } {
    const t = this.now();
    let source = 0;
    let user = 0;
    for (const [key, e] of this.entries) {
      if (e.lockedUntil <= t) continue;
      if (key.startsWith('s:')) source++;
      else user++;
    }
    return { source, user };
  }

  get size(): number {
    return this.entries.size;
  }

  private lock(e: Entry, t: number): number {
    const forMs = Math.min(this.policy.maxLockoutMs, this.policy.lockoutMs * 2 ** e.lockouts);
    e.lockouts++;
    e.lockedUntil = t + forMs;
    // After the lockout, the next failure locks again.
    const keep = Math.max(0, this.policy.lockoutAfter - 1);
    for (const k of e.failures.keys()) e.failures.set(k, 0);
    e.failures.set('', keep);
    return forMs;
  }

  /** The entry if it is still remembered at `t`. */
  private live(key: string, t: number): Entry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.lockedUntil <= t && t - e.lastAt > this.policy.windowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private touch(key: string, t: number): Entry {
    let e = this.live(key, t);
    if (e) this.entries.delete(key);
    else {
      if (this.entries.size >= this.policy.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      e = { failures: new Map(), lockedUntil: 0, lockouts: 0, lastAt: t, known: new Set() };
    }
    e.lastAt = t;
    // Re-inserted last: Map order is least recently seen first.
    this.entries.set(key, e);
    return e;
  }
}

function bump(e: Entry, key: string): number {
  e.failures.set(key, (e.failures.get(key) ?? 0) + 1);
  let sum = 0;
  for (const n of e.failures.values()) sum += n;
  return sum;
}
