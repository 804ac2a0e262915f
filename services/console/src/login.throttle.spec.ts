import { LoginThrottle } from './login.throttle.js';

describe('login throttling', () => {
  let now = 1_000_000;
  const sut = () => new LoginThrottle({ maxFailures: 3, lockoutS: 10 }, () => now);

  it('locks a pair out after the allowed failures, for the lockout, then lets it try again', () => {
    const t = sut();
    t.failed('10.0.0.1', 'ann');
    t.failed('10.0.0.1', 'ann');
    expect(t.retryAfterS('10.0.0.1', 'ann')).toBe(0);
    t.failed('10.0.0.1', 'ann');
    expect(t.retryAfterS('10.0.0.1', 'ann')).toBe(10);
    expect(t.retryAfterS('10.0.0.2', 'ann')).toBe(0);
    now += 10_000;
    expect(t.retryAfterS('10.0.0.1', 'ann')).toBe(0);
  });

  it('doubles the lockout each time', () => {
    const t = sut();
    for (let i = 0; i < 3; i++) t.failed('a', 'u');
    now += 10_000;
    for (let i = 0; i < 3; i++) t.failed('a', 'u');
    expect(t.retryAfterS('a', 'u')).toBe(20);
  });

  it('throttles one address guessing across many usernames', () => {
    const t = sut();
    for (let i = 0; i < 15; i++) t.failed('b', `user${i}`);
    expect(t.retryAfterS('b', 'somebody-else')).toBe(10);
    expect(t.retryAfterS('c', 'somebody-else')).toBe(0);
  });

  it('clears the pair on success', () => {
    const t = sut();
    t.failed('d', 'u');
    t.failed('d', 'u');
    t.succeeded('d', 'u');
    t.failed('d', 'u');
    expect(t.retryAfterS('d', 'u')).toBe(0);
  });
});
