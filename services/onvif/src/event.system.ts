import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { CameraRecord } from '@desk-onvif/contracts';
import type { CameraFeatures } from '@desk-onvif/onvif-soap';
import type { Registry } from 'prom-client';
import type { OnvifConfig } from './config.js';
import { EventHub } from './event.hub.js';
import { EventMetrics } from './event.metrics.js';
import { EventService } from './event.service.js';
import { NotifySender } from './notify.sender.js';
import { SubscriptionBook } from './subscription.book.js';
import { SubscriptionStore } from './subscription.store.js';

/**
 * The event service's parts wired together: the subscription store, the NATS sources, Base
 * Notification delivery and the request side. Started once the camera listeners exist (it asks
 * them which cameras this node serves); a closed listener takes its camera's subscriptions along.
 */
export class EventSystem {
  readonly store: SubscriptionStore;
  readonly metrics: EventMetrics;
  readonly notify: NotifySender;
  readonly service: EventService;
  /** KV `event-subscriptions`: what outlives a restart. */
  readonly book: SubscriptionBook | undefined;
  private hub: EventHub | undefined;
  private cameraOf: (id: string) => CameraRecord | undefined = () => undefined;

  constructor(nc: NatsConnection, config: OnvifConfig, registry: Registry, kv?: KV) {
    this.metrics = new EventMetrics(registry, () => this.counts());
    this.notify = new NotifySender(() => this.store, this.metrics, undefined, {
      timeoutMs: config.EVENTS_NOTIFY_TIMEOUT_MS,
      batch: 32,
    });
    this.store = new SubscriptionStore(
      {
        perCamera: config.EVENTS_MAX_PER_CAMERA,
        total: config.EVENTS_MAX_TOTAL,
        queue: config.EVENTS_QUEUE,
        maxPullMs: config.EVENTS_MAX_PULL_MS,
        maxTerminationMs: config.EVENTS_MAX_TERMINATION_MS,
      },
      Date.now,
      {
        pending: (sub) => this.notify.pending(sub),
        changed: (sub, what) => {
          if (what === 'removed') this.notify.forget(sub);
        },
        expired: (sub) => void this.book?.delete(sub),
        // A pull's answer saves what it handed over (event.service.ts); a Notify's, here.
        delivered: (sub) => {
          if (sub.kind === 'push') void this.book?.save(sub);
        },
      },
    );
    this.book = kv && new SubscriptionBook(kv, this.store, this.notify, config.EVENTS_MAX_TOTAL);
    const hub = new EventHub(
      nc,
      this.store,
      (id) => this.cameraOf(id),
      this.metrics,
      undefined,
      (id) => this.book?.claim(id),
      {
        windowMs: config.EVENTS_REPLAY_MS,
        maxBytes: config.EVENTS_REPLAY_MB << 20,
        replicas: config.KV_REPLICAS,
      },
    );
    if (this.book)
      // Restored from KV: the camera events it missed first (once they are read back at start).
      this.book.onRestored = (sub, seq) => {
        if (hub.isReady) hub.replay(sub, seq);
        else void hub.ready.then(() => hub.replay(sub, seq));
      };
    hub.sweepAlso = () => this.book?.sweep();
    this.hub = hub;
    this.service = new EventService(this.store, hub, this.notify, this.book);
  }

  /** What the event service offers, for GetServiceCapabilities and the profiles claimed. */
  static features(config: OnvifConfig): Pick<CameraFeatures, 'maxSubscriptions'> {
    return { maxSubscriptions: config.EVENTS_MAX_PER_CAMERA };
  }

  start(cameraOf: (id: string) => CameraRecord | undefined): void {
    this.cameraOf = cameraOf;
    this.hub?.start();
  }

  stop(): void {
    this.hub?.stop();
  }

  cameraClosed(cameraId: string): void {
    this.store.dropCamera(cameraId);
    this.hub?.forget(cameraId);
  }

  private counts(): { pull: number; push: number } {
    const c = { pull: 0, push: 0 };
    for (const s of this.store.all()) c[s.kind]++;
    return c;
  }
}
