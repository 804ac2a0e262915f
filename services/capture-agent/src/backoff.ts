/**
 * Restart delays: doubling from `initialMs` up to `maxMs`, back to the start once a run has
 * streamed for `resetAfterMs` (a camera that ran for an hour and then crashed restarts at once).
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
}

export class Backoff {
  private failures = 0;

  constructor(private readonly policy: BackoffPolicy) {}

  /** The delay before the next start, given how long the run that just ended streamed. */
  next(streamedMs: number): number {
    if (streamedMs >= this.policy.resetAfterMs) this.failures = 0;
    const delay = Math.min(this.policy.maxMs, this.policy.initialMs * 2 ** this.failures);
    // Stop counting once capped: 2 ** failures must not grow without bound.
    if (delay < this.policy.maxMs) this.failures += 1;
    return delay;
  }

  reset(): void {
    this.failures = 0;
  }
}
