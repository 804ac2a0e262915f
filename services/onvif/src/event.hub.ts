import { Logger } from '@nestjs/common';
import type { NatsConnection, Subscription as NatsSubscription } from '@nats-io/transport-node';
import {
  AnyCamera,
  cameraIdOfSubject,
  decodeEvent,
  Registry,
  type CameraEvent,
  type CameraRecord,
  type RegistryEvent,
} from '@desk-onvif/contracts';
import {
  applyCameraEvent,
  applyRegistryEvent,
  initialEventState,
  propertyMessages,
  type CameraEventState,
  type EventMessage,
} from '@desk-onvif/onvif-soap';
import type { EventMetrics } from './event.metrics.js';
import type { SubscriptionStore } from './subscription.store.js';

/**
 * The sources of the event service: the agents' `camera.<id>.event` and the registry's
 * `registry.event`, both subscribed without a queue group so that every onvif replica sees every
 * event. Keeps each served camera's properties and hands the resulting messages to the store.
 */
export class EventHub {
  private readonly logger = new Logger('events');
  private readonly states = new Map<string, CameraEventState>();
  private subs: NatsSubscription[] = [];
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly store: SubscriptionStore,
    /** The record of a camera this node serves, or undefined: events of others are ignored. */
    private readonly cameraOf: (id: string) => CameraRecord | undefined,
    private readonly metrics: EventMetrics,
    private readonly clock: () => Date = () => new Date(),
    /** Before a served camera's messages are published: restore its subscriptions kept in KV. */
    private readonly claim: (cameraId: string) => void = () => {},
  ) {}

  /** Also run by the sweep (the records waiting for their camera). */
  sweepAlso: (() => void) | undefined;

  start(sweepEveryMs = 1000): void {
    this.subs = [
      this.nc.subscribe(AnyCamera.event.subject, {
        callback: (err, msg) => {
          if (err) return;
          const id = cameraIdOfSubject(msg.subject);
          if (!id) return;
          let event: CameraEvent;
          try {
            event = decodeEvent(AnyCamera.event, msg.data);
          } catch (e) {
            this.metrics.received.inc({ type: 'invalid' });
            this.logger.warn({
              msg: 'invalid camera event ignored',
              cameraId: id,
              err: String(e).slice(0, 300),
            });
            return;
          }
          this.onCameraEvent(id, event);
        },
      }),
      this.nc.subscribe(Registry.event.subject, {
        callback: (err, msg) => {
          if (err) return;
          try {
            this.onRegistryEvent(decodeEvent(Registry.event, msg.data));
          } catch (e) {
            this.metrics.received.inc({ type: 'invalid' });
            this.logger.warn({ msg: 'invalid registry event ignored', err: String(e).slice(0, 300) });
          }
        },
      }),
    ];
    this.sweeper = setInterval(() => {
      this.store.sweep();
      this.sweepAlso?.();
    }, sweepEveryMs);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
  }

  /** The camera's properties as they stand, as `Initialized` messages (new subscription, synchronization point). */
  current(cameraId: string): EventMessage[] {
    return propertyMessages(this.stateOf(cameraId, this.cameraOf(cameraId)), this.clock());
  }

  /** The camera left this node: forget its state (its subscriptions go with the listener). */
  forget(cameraId: string): void {
    this.states.delete(cameraId);
  }

  onCameraEvent(cameraId: string, event: CameraEvent): void {
    const camera = this.cameraOf(cameraId);
    if (!camera) return;
    this.metrics.received.inc({ type: event.type });
    const t = applyCameraEvent(this.stateOf(cameraId, camera), event);
    this.commit(cameraId, t.state, t.messages);
  }

  onRegistryEvent(event: RegistryEvent): void {
    const camera = this.cameraOf(event.id);
    if (!camera) return;
    this.metrics.received.inc({ type: event.type });
    const t = applyRegistryEvent(this.stateOf(event.id, camera), event, this.clock());
    this.commit(event.id, t.state, t.messages);
  }

  private stateOf(cameraId: string, camera: CameraRecord | undefined): CameraEventState {
    let s = this.states.get(cameraId);
    if (!s) {
      s = initialEventState(camera?.online ?? true);
      if (camera) this.states.set(cameraId, s);
    }
    return s;
  }

  private commit(cameraId: string, state: CameraEventState, messages: EventMessage[]): void {
    this.states.set(cameraId, state);
    if (messages.length === 0) return;
    this.claim(cameraId);
    this.logger.debug({ msg: 'event', cameraId, topics: messages.map((m) => m.topic) });
    this.store.publish(cameraId, messages);
  }
}
