import { StderrBudget } from './stderr.budget.js';

describe('StderrBudget', () => {
  it('passes a few lines per window, counts the rest, keeps a tail', () => {
    let now = 0;
    const emitted: string[] = [];
    const notices: number[] = [];
    const sut = new StderrBudget(
      { lines: 3, perMs: 1000, maxLineChars: 10, tailLines: 2 },
      (l) => emitted.push(l),
      (n) => notices.push(n),
      () => now,
    );
    sut.push('a\nb\r\nc\nd\ne');
    sut.push('\n');
    expect(emitted).toEqual(['a', 'b', 'c']);
    now = 1000;
    sut.push('0123456789abcdef\n');
    expect(notices).toEqual([2]);
    expect(emitted.at(-1)).toBe('0123456789');
    expect(sut.lastLines()).toEqual(['e', '0123456789']);
  });

  it('cuts a runaway line without a newline', () => {
    const emitted: string[] = [];
    const sut = new StderrBudget(
      { lines: 10, perMs: 1000, maxLineChars: 4, tailLines: 1 },
      (l) => emitted.push(l),
      () => {},
    );
    sut.push('x'.repeat(9));
    expect(emitted).toEqual(['xxxx']);
  });
});
