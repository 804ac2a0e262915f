import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { z } from 'zod';

/** JetStream KV helpers shared by the services: buckets, compare-and-set, resilient watches. */

export async function openBucket(
  nc: NatsConnection,
  name: string,
  opts: { create: boolean; replicas?: number; history?: number; ttlMs?: number },
): Promise<KV> {
  const kvm = new Kvm(nc);
  if (!opts.create) return kvm.open(name);
  return kvm.create(name, {
    replicas: opts.replicas ?? 1,
    history: opts.history ?? 1,
    // An entry older than this is removed by the server (the stream's max age).
    ...(opts.ttlMs === undefined ? {} : { ttl: opts.ttlMs }),
  });
}

/** A create of an existing key, or an update or delete with a stale revision (API error 10071). */
export function isCasConflict(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

export interface Versioned<T> {
  value: T;
  revision: number;
}

const decoder = new TextDecoder();

/** Reads and validates one value; a value that fails its schema is reported, never trusted. */
export function decodeEntry<S extends z.ZodType>(schema: S, value: Uint8Array): z.infer<S> {
  return schema.parse(JSON.parse(decoder.decode(value)));
}

export interface WatchHandlers {
  /** A key's current value (PUT) or its removal (DEL/PURGE, value undefined). */
  onEntry(entry: KvWatchEntry): void;
  /** The watch (re)started: everything known so far may be stale, current values follow. */
  onReset?(): void;
}

/**
 * Watches a bucket until `signal` aborts, starting over (with onReset) whenever the watch ends,
 * e.g. when nats-server restarts. A watch delivers current values first, then changes.
 */
export async function watchBucket(
  kv: KV,
  handlers: WatchHandlers,
  signal: AbortSignal,
  onError: (err: unknown) => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      handlers.onReset?.();
      const iter = await kv.watch();
      const stop = () => iter.stop();
      signal.addEventListener('abort', stop, { once: true });
      try {
        for await (const entry of iter) {
          handlers.onEntry(entry);
        }
      } finally {
        signal.removeEventListener('abort', stop);
      }
    } catch (err) {
      if (!signal.aborted) onError(err);
    }
    if (!signal.aborted) await new Promise((r) => setTimeout(r, 500));
  }
}
