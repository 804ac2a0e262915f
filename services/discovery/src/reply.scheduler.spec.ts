import { ReplyScheduler, type Timers } from './reply.scheduler.js';

describe('ReplyScheduler', () => {
  const manual = () => {
    const jobs = new Map<number, () => void>();
    let next = 0;
    const timers: Timers = {
      setTimeout: (fn) => (jobs.set(++next, fn), next),
      clearTimeout: (h) => jobs.delete(h as number),
    };
    return { timers, runAll: () => [...jobs.values()].forEach((f) => f()) };
  };
  it('refuses a batch that does not fit whole', () => {
    const { timers, runAll } = manual();
    const sut = new ReplyScheduler(3, timers);
    const ran: number[] = [];
    expect(sut.scheduleAll([1, 2].map((n) => ({ delayMs: 1, run: () => ran.push(n) })))).toBe(true);
    expect(sut.scheduleAll([3, 4].map((n) => ({ delayMs: 1, run: () => ran.push(n) })))).toBe(false);
    expect(sut.size).toBe(2);
    runAll();
    expect(ran).toEqual([1, 2]);
    expect(sut.size).toBe(0);
  });
});
