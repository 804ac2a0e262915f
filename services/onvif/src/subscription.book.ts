import { Logger } from '@nestjs/common';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import { encodeJson } from '@desk-onvif/contracts';
import { decodeEntry } from '@desk-onvif/service-kit';
import { z } from 'zod';
import type { NotifySender } from './notify.sender.js';
import type { Subscription, SubscriptionStore } from './subscription.store.js';

/** A subscription as KV `event-subscriptions` keeps it: enough to serve its address again. */
export const SubscriptionRecordSchema = z.object({
  id: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/),
  cameraId: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/),
  kind: z.enum(['pull', 'push']),
  filter: z.object({
    topics: z.array(z.string().max(4096)).max(64),
    contents: z.array(z.string().max(4096)).max(64),
  }),
  /** Base Notification: where Notify goes, and the subscription's own address written in it. */
  consumer: z.string().max(2048).optional(),
  address: z.string().max(2048).optional(),
  terminationMs: z.number().int().nonnegative(),
  /** CAMERA_EVENTS sequence of the latest camera event handed to the client (absent: none known). */
  seq: z.number().int().nonnegative().optional(),
});
export type SubscriptionRecord = z.infer<typeof SubscriptionRecordSchema>;

export function subscriptionKey(cameraId: string, id: string): string {
  return `${cameraId}.${id}`;
}

/**
 * Event subscriptions written down in KV `event-subscriptions` (key `<camera>.<id>`, the bucket's
 * age limit the longest termination granted) so that a restart, another worker or another onvif
 * node taking the camera keeps serving them: a client pulling the same address gets its events.
 * Written on create, renew and a pull that extends the termination; deleted on Unsubscribe and
 * expiry. Read back three ways: the bucket's watch (current entries first, then changes), the
 * camera's first event here (`claim`), and a request to an address not known in memory (`find`).
 * Only the process serving the camera holds a subscription's queue; the others keep the record.
 */
export class SubscriptionBook {
  private readonly logger = new Logger('subscriptions');
  /** Records of cameras not (yet) seen here, per camera: claimed on the camera's first event. */
  private readonly pending = new Map<string, Map<string, SubscriptionRecord>>();
  private pendingCount = 0;
  /** Entries that failed their schema: ignored, counted. */
  invalidEntries = 0;
  /**
   * A subscription read back (restart, another process): what it missed is replayed to it
   * (event.hub.ts); `seq` undefined when the record has none.
   */
  onRestored: ((sub: Subscription, seq: number | undefined) => void) | undefined;

  constructor(
    readonly kv: KV,
    private readonly store: SubscriptionStore,
    private readonly notify: NotifySender,
    /** At most this many records waiting for their camera (the store's total bound). */
    private readonly maxPending: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Writes the subscription (created, renewed, or its termination extended by a pull). */
  async save(sub: Subscription, address = sub.address): Promise<void> {
    const seq = sub.deliveredSeq;
    const record: SubscriptionRecord = {
      id: sub.id,
      cameraId: sub.cameraId,
      kind: sub.kind,
      filter: { topics: sub.filter.topics, contents: sub.filter.contents },
      ...(sub.consumer ? { consumer: sub.consumer } : {}),
      ...(address ? { address } : {}),
      terminationMs: sub.terminationMs,
      ...(seq >= 0 ? { seq } : {}),
    };
    try {
      await this.kv.put(subscriptionKey(sub.cameraId, sub.id), encodeJson(record));
      sub.savedTerminationMs = sub.terminationMs;
      sub.savedSeq = Math.max(sub.savedSeq, seq);
    } catch (err) {
      // The subscription works on from memory; only a restart would lose it.
      this.logger.warn({ msg: 'could not write the subscription', cameraId: sub.cameraId, err: String(err) });
    }
  }

  /** Unsubscribed or expired: gone for every process. */
  async delete(sub: Pick<Subscription, 'cameraId' | 'id'>): Promise<void> {
    try {
      await this.kv.delete(subscriptionKey(sub.cameraId, sub.id));
    } catch (err) {
      // The bucket's age limit removes it anyway.
      this.logger.warn({
        msg: 'could not delete the subscription',
        cameraId: sub.cameraId,
        err: String(err),
      });
    }
  }

  /** The bucket's watch: a record to serve (now, or when its camera shows up) or one that went. */
  apply(e: KvWatchEntry): void {
    const [cameraId, id] = e.key.split('.');
    if (!cameraId || !id) return;
    if (e.operation !== 'PUT') {
      this.unpend(cameraId, id);
      // Unsubscribed or expired where another process served the camera: not here either.
      const sub = this.store.get(cameraId, id);
      if (sub) this.store.remove(sub);
      return;
    }
    let record: SubscriptionRecord;
    try {
      record = decodeEntry(SubscriptionRecordSchema, e.value);
    } catch (err) {
      this.invalidEntries++;
      this.logger.warn({
        msg: 'invalid subscription entry ignored',
        key: e.key,
        err: String(err).slice(0, 300),
      });
      return;
    }
    if (record.terminationMs <= this.clock()) return;
    const known = this.store.get(cameraId, id);
    if (known) {
      // Our own write coming back, or a renewal elsewhere.
      known.terminationMs = Math.max(known.terminationMs, record.terminationMs);
      return;
    }
    this.unpend(cameraId, id);
    if (this.pendingCount >= this.maxPending) return;
    let map = this.pending.get(cameraId);
    if (!map) this.pending.set(cameraId, (map = new Map<string, SubscriptionRecord>()));
    map.set(id, record);
    this.pendingCount++;
  }

  /** The camera is served here (an event for it arrived): its waiting records become subscriptions. */
  claim(cameraId: string): void {
    const map = this.pending.get(cameraId);
    if (!map) return;
    this.pending.delete(cameraId);
    this.pendingCount -= map.size;
    for (const record of map.values()) this.restore(record);
  }

  /** A request to an address unknown in memory: the record, from the watch or KV itself. */
  async find(cameraId: string, id: string): Promise<Subscription | undefined> {
    this.claim(cameraId);
    const here = this.store.get(cameraId, id);
    if (here) return here;
    if (!/^[-_A-Za-z0-9]{1,64}$/.test(id)) return undefined;
    try {
      const entry = await this.kv.get(subscriptionKey(cameraId, id));
      if (entry?.operation !== 'PUT') return undefined;
      return this.restore(decodeEntry(SubscriptionRecordSchema, entry.value));
    } catch (err) {
      this.logger.warn({ msg: 'could not read the subscription', cameraId, err: String(err).slice(0, 300) });
      return undefined;
    }
  }

  /** Drops waiting records past their termination. */
  sweep(): void {
    const now = this.clock();
    for (const [cameraId, map] of this.pending)
      for (const [id, r] of map) if (r.terminationMs <= now) this.unpend(cameraId, id);
  }

  private restore(record: SubscriptionRecord): Subscription | undefined {
    if (record.terminationMs <= this.clock()) return undefined;
    const known = this.store.get(record.cameraId, record.id);
    if (known) return known;
    try {
      const sub = this.store.create(
        record.cameraId,
        record.kind,
        record.filter,
        new Date(record.terminationMs),
        {
          id: record.id,
          restored: true,
          ...(record.consumer ? { consumer: record.consumer } : {}),
          ...(record.seq === undefined ? {} : { deliveredSeq: record.seq }),
          ...(record.address ? { address: record.address } : {}),
        },
      );
      if (sub.kind === 'push' && record.address) this.notify.bind(sub, record.address);
      this.onRestored?.(sub, record.seq);
      this.logger.log({ msg: 'subscription restored', cameraId: record.cameraId, kind: record.kind });
      return sub;
    } catch (err) {
      // Over the bounds (SubscribeCreationFailedFault) or a filter that no longer compiles.
      this.logger.warn({
        msg: 'subscription not restored',
        cameraId: record.cameraId,
        err: String(err).slice(0, 300),
      });
      return undefined;
    }
  }

  private unpend(cameraId: string, id: string): void {
    const map = this.pending.get(cameraId);
    if (!map?.delete(id)) return;
    this.pendingCount--;
    if (map.size === 0) this.pending.delete(cameraId);
  }
}
