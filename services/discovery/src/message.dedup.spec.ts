import { MessageDedup } from './message.dedup.js';

describe('MessageDedup', () => {
  it('lets an id through once within its window, again after it', () => {
    const sut = new MessageDedup(10, 1000);
    expect(sut.firstTime('x', 0)).toBe(true);
    expect(sut.firstTime('x', 999)).toBe(false);
    expect(sut.firstTime('x', 1000)).toBe(true);
  });
  it('is bounded in count', () => {
    const sut = new MessageDedup(16, 60_000);
    for (let i = 0; i < 1000; i++) sut.firstTime(`id-${i}`, i);
    expect(sut.size).toBe(16);
  });
});
