import type { KvWatchEntry } from '@nats-io/kv';

/**
 * After a watch restarts (e.g. nats-server restarted), the current values are replayed. What was
 * known before stays in use meanwhile (no listener closes, no user vanishes for a moment); once
 * the replay has caught up, the keys it did not mention were deleted while we were away.
 */
export class KvResync {
  private seen: Set<string> | undefined;

  start(): void {
    this.seen = new Set();
  }

  /** Call for every entry; returns the known keys that turned out to be gone, once, at the end of the replay. */
  note(e: KvWatchEntry, known: () => Iterable<string>): string[] {
    if (!this.seen) return [];
    this.seen.add(e.key);
    // isUpdate: the replay is over (it was empty if this is the first entry); delta 0: its last entry.
    if (!e.isUpdate && e.delta !== 0) return [];
    const seen = this.seen;
    this.seen = undefined;
    return [...known()].filter((k) => !seen.has(k));
  }
}
