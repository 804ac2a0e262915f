/** Collaborator: timers, replaceable in tests. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * Sends that wait for their random delay (WS-Discovery 2005/04 §2.4: a unicast reply to a
 * multicast request waits a random time up to APP_MAX_DELAY). Bounded: a batch that does not fit
 * whole is refused, so a Probe is answered completely or not at all.
 */
export class ReplyScheduler {
  private readonly pending = new Set<unknown>();

  constructor(
    private readonly capacity: number,
    private readonly timers: Timers = realTimers,
  ) {}

  /** Schedules every job after its delay; false (nothing scheduled) when they do not all fit. */
  scheduleAll(jobs: Array<{ delayMs: number; run: () => void }>): boolean {
    if (this.pending.size + jobs.length > this.capacity) return false;
    for (const job of jobs) {
      const handle = this.timers.setTimeout(() => {
        this.pending.delete(handle);
        job.run();
      }, job.delayMs);
      this.pending.add(handle);
    }
    return true;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Drops every waiting send: on shutdown, the Bye has been said. */
  clear(): void {
    for (const handle of this.pending) this.timers.clearTimeout(handle);
    this.pending.clear();
  }
}
