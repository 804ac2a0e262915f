import { Logger } from '@nestjs/common';
import { buildResponse, CONTENT_TYPE, notifyXml } from '@desk-onvif/onvif-soap';
import type { EventMetrics } from './event.metrics.js';
import type { Subscription, SubscriptionStore } from './subscription.store.js';

/** How Notify requests leave: fetch in production, a fake in unit tests. */
export type PostXml = (url: string, body: string, contentType: string, timeoutMs: number) => Promise<number>;

export const fetchPost: PostXml = async (url, body, contentType, timeoutMs) => {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'Content-Type': contentType },
    // A consumer answers; it does not send the device elsewhere.
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.body?.cancel();
  return res.status;
};

/**
 * WS-BaseNotification delivery: each push subscription's queued messages are POSTed to its
 * consumer as one Notify, one request in flight per subscription, a bounded wait for the answer.
 * A consumer that fails loses that batch (it can SetSynchronizationPoint for the states); the
 * subscription itself lives until its termination time, as the client asked.
 */
export class NotifySender {
  private readonly logger = new Logger('notify');
  private readonly addresses = new Map<string, string>();
  private readonly busy = new Set<string>();

  constructor(
    private readonly store: () => SubscriptionStore,
    private readonly metrics: EventMetrics,
    private readonly post: PostXml = fetchPost,
    private readonly opts: { timeoutMs: number; batch: number } = { timeoutMs: 5000, batch: 32 },
  ) {}

  bind(sub: Subscription, address: string): void {
    this.addresses.set(sub.id, address);
  }

  forget(sub: Subscription): void {
    this.addresses.delete(sub.id);
  }

  /** The store's `pending` hook: deliver unless a delivery is already running. */
  pending(sub: Subscription): void {
    if (this.busy.has(sub.id)) return;
    void this.deliver(sub);
  }

  private async deliver(sub: Subscription): Promise<void> {
    this.busy.add(sub.id);
    try {
      for (;;) {
        const address = this.addresses.get(sub.id);
        if (!address || !sub.consumer) return;
        const batch = this.store().take(sub, this.opts.batch);
        if (batch.length === 0) return;
        const body = buildResponse('1.2', notifyXml(batch, address));
        try {
          const status = await this.post(sub.consumer, body, CONTENT_TYPE['1.2'], this.opts.timeoutMs);
          const ok = status >= 200 && status < 300;
          this.metrics.notifications.inc({ outcome: ok ? 'ok' : 'refused' });
          if (!ok) this.logger.debug({ msg: 'consumer refused Notify', cameraId: sub.cameraId, status });
        } catch (err) {
          this.metrics.notifications.inc({ outcome: 'failed' });
          this.logger.debug({ msg: 'Notify failed', cameraId: sub.cameraId, err: String(err).slice(0, 200) });
        }
      }
    } finally {
      this.busy.delete(sub.id);
    }
  }
}
