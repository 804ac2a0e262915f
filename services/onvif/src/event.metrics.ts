import { Counter, Gauge, type Registry } from 'prom-client';

/** The event service's metrics. */
export class EventMetrics {
  readonly received: Counter<'type'>;
  readonly notifications: Counter<'outcome'>;
  readonly subscriptions: Gauge<'kind'>;

  constructor(registry: Registry, count: () => { pull: number; push: number }) {
    this.received = new Counter({
      name: 'desk_onvif_events_received_total',
      help: 'Camera and registry events received, by type (invalid ones too)',
      labelNames: ['type'],
      registers: [registry],
    });
    this.notifications = new Counter({
      name: 'desk_onvif_event_notifications_total',
      help: 'Base Notification Notify requests sent to consumers, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.subscriptions = new Gauge({
      name: 'desk_onvif_event_subscriptions',
      help: 'Live event subscriptions, by kind (pull point, base notification)',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        const c = count();
        this.set({ kind: 'pull' }, c.pull);
        this.set({ kind: 'push' }, c.push);
      },
    });
  }
}
