import type { NatsConnection } from '@nats-io/transport-node';
import { Registry, encodeEvent, type RegistryEvent } from '@desk-onvif/contracts';

/** The clock, behind a class so that a test can hold time still. */
export class Clock {
  now(): Date {
    return new Date();
  }
}

/** Publishes `registry.event`; validated like every other payload. */
export class EventPublisher {
  constructor(private readonly nc: NatsConnection) {}
  publish(event: RegistryEvent): void {
    this.nc.publish(Registry.event.subject, encodeEvent(Registry.event, event));
  }
}
