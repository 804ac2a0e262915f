import { AuthThrottle, type ThrottlePolicy } from './auth.throttle.js';

const policy: ThrottlePolicy = {
  freeFailures: 3,
  delayMs: 100,
  maxDelayMs: 400,
  lockoutAfter: 6,
  userLockoutAfter: 12,
  lockoutMs: 10_000,
  maxLockoutMs: 30_000,
  windowMs: 60_000,
  maxEntries: 100,
};

function setup(p: Partial<ThrottlePolicy> = {}) {
  let t = 1_000_000;
  const sut = new AuthThrottle({ ...policy, ...p }, () => t);
  return { sut, advance: (ms: number) => (t += ms) };
}

const USER = 'cam-1/admin';

describe('AuthThrottle', () => {
  test('a handful of failures are free, then delays grow, then the address is locked out', () => {
    const { sut } = setup();
    const outcomes = Array.from({ length: 6 }, () => sut.failed('10.0.0.1', USER));
    expect(outcomes.map((o) => o.delayMs)).toEqual([0, 0, 0, 100, 200, 400]);
    expect(outcomes.map((o) => o.lockedOut)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      { scope: 'source', forMs: 10_000 },
    ]);
    expect(sut.check('10.0.0.1', USER)).toEqual({ locked: true, scope: 'source', retryAfterMs: 10_000 });
    // The same user from another address is not locked: the lockout is the address's.
    expect(sut.check('10.0.0.2', USER)).toEqual({ locked: false });
    expect(sut.lockedOut()).toEqual({ source: 1, user: 0 });
  });

  test('after a lockout one more failure locks again, for twice as long, up to the maximum', () => {
    const { sut, advance } = setup();
    for (let i = 0; i < 6; i++) sut.failed('10.0.0.1', USER);
    advance(10_000);
    expect(sut.check('10.0.0.1', USER).locked).toBe(false);
    expect(sut.failed('10.0.0.1', USER).lockedOut).toEqual({ scope: 'source', forMs: 20_000 });
    advance(20_000);
    expect(sut.failed('10.0.0.1', USER).lockedOut).toEqual({ scope: 'source', forMs: 30_000 });
  });

  test('a success clears its own user only: guessing one account while logging in as another still locks', () => {
    const { sut } = setup();
    for (let round = 0; round < 3; round++) {
      sut.failed('10.0.0.1', USER);
      sut.failed('10.0.0.1', USER);
      sut.succeeded('10.0.0.1', 'cam-1/viewer');
    }
    expect(sut.check('10.0.0.1', USER).locked).toBe(true);
  });

  test('guessing one user from many addresses locks the user, but not for the addresses that know its password', () => {
    const { sut } = setup();
    sut.succeeded('10.0.0.99', USER);
    let lockedOut;
    for (let i = 0; i < 12; i++) lockedOut = sut.failed(`10.0.1.${i}`, USER).lockedOut ?? lockedOut;
    expect(lockedOut).toEqual({ scope: 'user', forMs: 10_000 });
    expect(sut.check('10.0.2.1', USER)).toMatchObject({ locked: true, scope: 'user' });
    expect(sut.check('10.0.0.99', USER)).toEqual({ locked: false });
    expect(sut.check('10.0.2.1', 'cam-1/other')).toEqual({ locked: false });
  });

  test('failures are forgotten after the window; the table never outgrows its bound', () => {
    const { sut, advance } = setup({ maxEntries: 10 });
    for (let i = 0; i < 5; i++) sut.failed('10.0.0.1', USER);
    advance(60_001);
    expect(sut.failed('10.0.0.1', USER).delayMs).toBe(0);
    for (let i = 0; i < 100; i++) sut.failed(`10.9.0.${i}`, `cam/u${i}`);
    expect(sut.size).toBeLessThanOrEqual(10);
  });

  test('a user logging in over and over stays remembered, and keeps its place in the eviction order to the second', () => {
    const { sut, advance } = setup({ maxEntries: 2 });
    // true: the address became one that knows the user (a new entry); false: nothing changed.
    expect(sut.succeeded('10.0.0.1', 'cam/a')).toBe(true);
    // Seen every half second for twice the window: never forgotten.
    for (let i = 0; i < 240; i++) {
      advance(500);
      expect(sut.succeeded('10.0.0.1', 'cam/a')).toBe(false);
    }
    expect(sut.succeeded('10.0.0.1', 'cam/b')).toBe(true);
    // Within the second, a is not moved behind b: a third user evicts a.
    advance(500);
    sut.succeeded('10.0.0.1', 'cam/a');
    expect(sut.succeeded('10.0.0.2', 'cam/c')).toBe(true);
    expect(sut.succeeded('10.0.0.1', 'cam/b')).toBe(false);
    expect(sut.succeeded('10.0.0.1', 'cam/a')).toBe(true);
    // A second later it is moved: the next newcomer evicts the other one.
    advance(1000);
    expect(sut.succeeded('10.0.0.1', 'cam/a')).toBe(false);
    expect(sut.succeeded('10.0.0.3', 'cam/d')).toBe(true);
    expect(sut.succeeded('10.0.0.1', 'cam/a')).toBe(false);
  });
});
