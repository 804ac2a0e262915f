import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles up to the cap and stays there', () => {
    const sut = new Backoff({ initialMs: 100, maxMs: 1000, resetAfterMs: 10_000 });
    expect(Array.from({ length: 7 }, () => sut.next(0))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('starts again from the initial delay after a long enough run', () => {
    const sut = new Backoff({ initialMs: 100, maxMs: 1000, resetAfterMs: 10_000 });
    sut.next(0);
    sut.next(0);
    expect(sut.next(9_999)).toBe(400);
    expect(sut.next(10_000)).toBe(100);
    expect(sut.next(0)).toBe(200);
  });
});
