/**
 * ffmpeg's stderr goes to the log, but bounded: at most `lines` lines per `perMs`, each cut to
 * `maxLineChars`; what is dropped is counted and reported once the window closes. The last few
 * lines are kept for the message logged when ffmpeg exits.
 */
export class StderrBudget {
  private pending = '';
  private windowStart = 0;
  private usedInWindow = 0;
  private suppressed = 0;
  private readonly tail: string[] = [];

  constructor(
    private readonly opts: { lines: number; perMs: number; maxLineChars: number; tailLines: number },
    private readonly emit: (line: string) => void,
    private readonly suppressedNotice: (count: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  push(chunk: string): void {
    this.pending += chunk;
    const lines = this.pending.split(/\r?\n|\r/);
    this.pending = lines.pop() ?? '';
    if (this.pending.length > this.opts.maxLineChars) {
      lines.push(this.pending);
      this.pending = '';
    }
    for (const line of lines) if (line.trim()) this.line(line.slice(0, this.opts.maxLineChars));
  }

  lastLines(): string[] {
    return [...this.tail];
  }

  /** Reports what is still counted (at child exit). */
  flush(): void {
    if (this.suppressed > 0) this.suppressedNotice(this.suppressed);
    this.suppressed = 0;
  }

  private line(line: string): void {
    this.tail.push(line);
    if (this.tail.length > this.opts.tailLines) this.tail.shift();
    const now = this.now();
    if (now - this.windowStart >= this.opts.perMs) {
      this.flush();
      this.windowStart = now;
      this.usedInWindow = 0;
    }
    if (this.usedInWindow < this.opts.lines) {
      this.usedInWindow += 1;
      this.emit(line);
    } else {
      this.suppressed += 1;
    }
  }
}
