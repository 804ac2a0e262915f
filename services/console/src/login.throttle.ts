/**
 * Login throttling, per (source address, username) and per source address: after `maxFailures`
 * failures in a row the pair is locked out for `lockoutS`, doubling with each further lockout (at most
 * a day); the address alone gets five times the allowance, so that guessing across usernames is
 * throttled too. A success clears the pair. Pure: the clock is passed in.
 */
export interface ThrottleLimits {
  maxFailures: number;
  lockoutS: number;
}

interface Record {
  failures: number;
  lockouts: number;
  lockedUntil: number;
  lastAt: number;
}

const MAX_LOCKOUT_MS = 86_400_000;
/** Records untouched this long are forgotten. */
const FORGET_MS = 86_400_000;

export class LoginThrottle {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before this attempt may be checked at all, or 0. */
  retryAfterS(address: string, username: string): number {
    const now = this.now();
    const until = Math.max(
      this.records.get(pairKey(address, username))?.lockedUntil ?? 0,
      this.records.get(addressKey(address))?.lockedUntil ?? 0,
    );
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  failed(address: string, username: string): void {
    this.bump(pairKey(address, username), this.limits.maxFailures);
    this.bump(addressKey(address), this.limits.maxFailures * 5);
    if (this.records.size > 100_000) this.sweep();
  }

  succeeded(address: string, username: string): void {
    this.records.delete(pairKey(address, username));
  }

  private bump(key: string, allowance: number): void {
    const now = this.now();
    const r = this.records.get(key) ?? { failures: 0, lockouts: 0, lockedUntil: 0, lastAt: now };
    r.failures++;
    r.lastAt = now;
    if (r.failures >= allowance) {
      const ms = Math.min(this.limits.lockoutS * 1000 * 2 ** r.lockouts, MAX_LOCKOUT_MS);
      r.lockedUntil = now + ms;
      r.lockouts++;
      r.failures = 0;
    }
    this.records.set(key, r);
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, r] of this.records)
      if (now - r.lastAt > FORGET_MS && r.lockedUntil < now) this.records.delete(k);
  }
}

const pairKey = (address: string, username: string) => `u\u0000${address}\u0000${username}`;
const addressKey = (address: string) => `a\u0000${address}`;
