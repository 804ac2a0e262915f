import { Inject, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, type NatsSettings } from './nats.connection.js';
import type { HealthCheck } from './metrics.js';

/** A service's own NATS connection (KV, events, outgoing requests), beside Nest's transport. */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

class NatsDrain implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}
  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }
}

/** The connection under NATS_CONNECTION, drained when the app shuts down. */
export function natsConnectionProviders(settings: NatsSettings): Provider[] {
  return [
    { provide: NATS_CONNECTION, useFactory: () => connectNats(settings) },
    { provide: NatsDrain, inject: [NATS_CONNECTION], useFactory: (nc: NatsConnection) => new NatsDrain(nc) },
  ];
}

export function natsHealthCheck(nc: NatsConnection): HealthCheck {
  return { name: 'nats', check: () => (nc.isClosed() ? Promise.reject(new Error('closed')) : 'connected') };
}
