import { RateLimiter } from './rate.limiter.js';

describe('RateLimiter', () => {
  it('allows the burst, then the sustained rate, per source', () => {
    const sut = new RateLimiter(2, 3, 100);
    expect([1, 2, 3, 4].map(() => sut.take('a', 0))).toEqual([true, true, true, false]);
    expect(sut.take('b', 0)).toBe(true);
    expect(sut.take('a', 400)).toBe(false);
    expect(sut.take('a', 500)).toBe(true);
  });
  it('forgets the least recently seen source past its capacity', () => {
    const sut = new RateLimiter(1, 1, 2);
    sut.take('a', 0);
    sut.take('b', 0);
    sut.take('a', 0);
    sut.take('c', 0); // evicts b, the least recently seen
    expect(sut.size).toBe(2);
    expect(sut.take('a', 0)).toBe(false);
    expect(sut.take('b', 0)).toBe(true);
  });
});
