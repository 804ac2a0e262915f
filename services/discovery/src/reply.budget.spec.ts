import { ReplyBudget } from './reply.budget.js';

describe('ReplyBudget', () => {
  it('sends the burst at once, paces the rest at the sustained rate, refuses past the deferral bound', () => {
    const sut = new ReplyBudget(1000, 3000, 2000, 100);
    expect([1, 2, 3].map(() => sut.reserve('a', 1000, 0))).toEqual([0, 0, 0]);
    expect(sut.reserve('a', 1000, 0)).toBe(1000);
    expect(sut.reserve('a', 1000, 0)).toBe(2000);
    expect(sut.reserve('a', 1000, 0)).toBeUndefined();
    // Another source has its own budget.
    expect(sut.reserve('b', 1000, 0)).toBe(0);
    // Time pays back what was promised before anything new goes out.
    expect(sut.reserve('a', 1000, 2000)).toBe(1000);
  });

  it('bounds what one source receives in a second, whatever it asks for', () => {
    const sut = new ReplyBudget(10_000, 20_000, 1000, 100);
    let sentWithinOneSecond = 0;
    for (let i = 0; i < 1000; i++) {
      const d = sut.reserve('victim', 1400, 0);
      if (d !== undefined && d <= 1000) sentWithinOneSecond += 1400;
    }
    expect(sentWithinOneSecond).toBeLessThanOrEqual(20_000 + 10_000);
  });

  it('forgets the least recently seen source past its capacity', () => {
    const sut = new ReplyBudget(1, 1, 0, 2);
    sut.reserve('a', 1, 0);
    sut.reserve('b', 1, 0);
    sut.reserve('c', 1, 0);
    expect(sut.size).toBe(2);
    expect(sut.reserve('a', 1, 0)).toBe(0);
  });
});
