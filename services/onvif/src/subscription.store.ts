import { randomBytes } from 'node:crypto';
import {
  compileFilter,
  SoapFault,
  type EventFilter,
  type EventMessage,
  type MessagePredicate,
} from '@desk-onvif/onvif-soap';

/**
 * The CAMERA_EVENTS stream sequence of the camera event a message came from (event.hub.ts); none for
 * the `Initialized` property messages and the registry's events. Shared by every subscription the
 * message is offered to.
 */
export const messageSeq = new WeakMap<EventMessage, number>();

export interface SubscriptionLimits {
  perCamera: number;
  total: number;
  /** Messages kept for a subscription nobody pulls; older ones are dropped first. */
  queue: number;
  /** Longest PullMessages wait and longest termination granted. */
  maxPullMs: number;
  maxTerminationMs: number;
}

export interface Subscription {
  readonly id: string;
  readonly cameraId: string;
  readonly kind: 'pull' | 'push';
  readonly filter: EventFilter;
  readonly matches: MessagePredicate;
  /** Base Notification: where Notify goes. */
  readonly consumer: string | undefined;
  terminationMs: number;
  /** The termination written to KV (subscription.book.ts), 0 before the first write. */
  savedTerminationMs: number;
  /**
   * The stream sequence of the latest camera event handed to the client (pulled or notified):
   * messages from events up to it are not queued again (a restart's replay), and after a restart
   * the events after it are replayed; -1: none (no stream). `savedSeq`: the one written to KV.
   */
  deliveredSeq: number;
  savedSeq: number;
  /** Base Notification: the subscription's own address, written in KV with it. */
  address: string | undefined;
  queue: EventMessage[];
  dropped: number;
  waiter: Waiter | undefined;
}

interface Waiter {
  limit: number;
  timer: NodeJS.Timeout;
  done: (messages: EventMessage[]) => void;
}

export interface StoreHooks {
  /** A push subscription has messages waiting in its queue. */
  pending?(sub: Subscription): void;
  /** A subscription was created, renewed, or is gone (expired, unsubscribed, camera closed). */
  changed?(sub: Subscription, what: 'created' | 'renewed' | 'removed'): void;
  /** A subscription passed its termination time and was dropped. */
  expired?(sub: Subscription): void;
  /** Messages from newer camera events were taken (pulled or notified): `deliveredSeq` moved. */
  delivered?(sub: Subscription): void;
}

/**
 * The subscriptions of this node's cameras, kept per camera so that they live with the camera's
 * listener. Bounded everywhere: subscriptions per camera and in total, messages per subscription,
 * the wait of a PullMessages and the termination granted. A subscription past its termination
 * time is dropped by the sweep (and ignored before it runs), so a client that stops pulling costs
 * nothing after that.
 */
export class SubscriptionStore {
  private readonly byCamera = new Map<string, Map<string, Subscription>>();
  private count = 0;

  constructor(
    private readonly limits: SubscriptionLimits,
    private readonly clock: () => number = Date.now,
    private readonly hooks: StoreHooks = {},
  ) {}

  get size(): number {
    return this.count;
  }

  sizeOf(cameraId: string): number {
    return this.byCamera.get(cameraId)?.size ?? 0;
  }

  /** The termination actually granted: at most maxTerminationMs from now. */
  grant(termination: Date): number {
    return Math.min(termination.getTime(), this.clock() + this.limits.maxTerminationMs);
  }

  create(
    cameraId: string,
    kind: 'pull' | 'push',
    filter: EventFilter,
    termination: Date,
    /** `restored`: a subscription read back from KV keeps its id and granted termination. */
    opts: {
      consumer?: string;
      id?: string;
      restored?: boolean;
      deliveredSeq?: number;
      address?: string;
    } = {},
  ): Subscription {
    const mine = this.byCamera.get(cameraId);
    if ((mine?.size ?? 0) >= this.limits.perCamera || this.count >= this.limits.total) {
      // WS-BaseNotification SubscribeCreationFailedFault: no resources for one more.
      throw new SoapFault(
        'Receiver',
        ['CapabilityViolated', 'SubscribeCreationFailedFault'],
        (mine?.size ?? 0) >= this.limits.perCamera
          ? `this camera has ${this.limits.perCamera} subscriptions already: unsubscribe one or let it expire`
          : `this service holds ${this.limits.total} subscriptions already`,
      );
    }
    const sub: Subscription = {
      id: opts.id ?? randomBytes(16).toString('base64url'),
      cameraId,
      kind,
      filter,
      matches: compileFilter(filter),
      consumer: opts.consumer,
      terminationMs: opts.restored ? termination.getTime() : this.grant(termination),
      savedTerminationMs: opts.restored ? termination.getTime() : 0,
      deliveredSeq: opts.deliveredSeq ?? -1,
      savedSeq: opts.restored ? (opts.deliveredSeq ?? -1) : -1,
      address: opts.address,
      queue: [],
      dropped: 0,
      waiter: undefined,
    };
    let map = mine;
    if (!map) this.byCamera.set(cameraId, (map = new Map<string, Subscription>()));
    map.set(sub.id, sub);
    this.count++;
    this.hooks.changed?.(sub, 'created');
    return sub;
  }

  /** A live subscription of this camera, or undefined (unknown, expired, another camera's). */
  get(cameraId: string, id: string): Subscription | undefined {
    const sub = this.byCamera.get(cameraId)?.get(id);
    if (sub && sub.terminationMs <= this.clock()) {
      this.remove(sub);
      this.hooks.expired?.(sub);
      return undefined;
    }
    return sub;
  }

  renew(sub: Subscription, termination: Date): void {
    sub.terminationMs = this.grant(termination);
    this.hooks.changed?.(sub, 'renewed');
  }

  remove(sub: Subscription): void {
    const map = this.byCamera.get(sub.cameraId);
    if (!map?.delete(sub.id)) return;
    this.count--;
    if (map.size === 0) this.byCamera.delete(sub.cameraId);
    this.answer(sub, []);
    sub.queue = [];
    this.hooks.changed?.(sub, 'removed');
  }

  /** The camera is no longer served here: its subscriptions go with its listener. */
  dropCamera(cameraId: string): void {
    for (const sub of [...(this.byCamera.get(cameraId)?.values() ?? [])]) this.remove(sub);
  }

  /** Queues messages for one subscription (its filter applied), answering a waiting pull. */
  offer(sub: Subscription, messages: readonly EventMessage[]): void {
    let added = false;
    for (const m of messages) {
      if (!sub.matches(m)) continue;
      // Already handed to the client before a restart (the replay of the stream).
      if ((messageSeq.get(m) ?? Infinity) <= sub.deliveredSeq) continue;
      sub.queue.push(m);
      added = true;
      if (sub.queue.length > this.limits.queue) {
        sub.queue.shift();
        sub.dropped++;
      }
    }
    if (!added) return;
    if (sub.waiter) this.answer(sub, this.take(sub, sub.waiter.limit));
    else if (sub.kind === 'push') this.hooks.pending?.(sub);
  }

  /** Every subscription of a camera gets the messages its filter lets through. */
  publish(cameraId: string, messages: readonly EventMessage[]): void {
    const map = this.byCamera.get(cameraId);
    if (!map || messages.length === 0) return;
    const now = this.clock();
    for (const sub of map.values()) if (sub.terminationMs > now) this.offer(sub, messages);
  }

  /**
   * PullMessages: what is queued now, else the first messages to arrive within the timeout, else
   * none. A second pull on the same subscription answers the first one, empty. ONVIF Core 9.1.1:
   * after the answer the subscription stays alive at least for the pull's timeout.
   */
  pull(sub: Subscription, timeoutMs: number, limit: number, signal?: AbortSignal): Promise<EventMessage[]> {
    const wait = Math.min(timeoutMs, this.limits.maxPullMs);
    const extend = () => {
      sub.terminationMs = Math.max(sub.terminationMs, this.clock() + wait);
    };
    this.answer(sub, []);
    if (sub.queue.length > 0 || wait <= 0) {
      extend();
      return Promise.resolve(this.take(sub, limit));
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        limit,
        timer: setTimeout(() => this.answer(sub, []), wait),
        done: (messages) => {
          extend();
          resolve(messages);
        },
      };
      sub.waiter = waiter;
      signal?.addEventListener('abort', () => {
        if (sub.waiter === waiter) this.answer(sub, []);
      });
    });
  }

  take(sub: Subscription, limit: number): EventMessage[] {
    const taken = sub.queue.splice(0, limit);
    const before = sub.deliveredSeq;
    for (const m of taken) sub.deliveredSeq = Math.max(sub.deliveredSeq, messageSeq.get(m) ?? -1);
    if (sub.deliveredSeq > before) this.hooks.delivered?.(sub);
    return taken;
  }

  /** Drops what has passed its termination time. */
  sweep(): number {
    const now = this.clock();
    let removed = 0;
    for (const map of [...this.byCamera.values()])
      for (const sub of [...map.values()])
        if (sub.terminationMs <= now) {
          this.remove(sub);
          this.hooks.expired?.(sub);
          removed++;
        }
    return removed;
  }

  all(): IterableIterator<Subscription> {
    const maps = this.byCamera.values();
    return (function* () {
      for (const m of maps) yield* m.values();
    })();
  }

  private answer(sub: Subscription, messages: EventMessage[]): void {
    const w = sub.waiter;
    if (!w) return;
    sub.waiter = undefined;
    clearTimeout(w.timer);
    w.done(messages);
  }
}
