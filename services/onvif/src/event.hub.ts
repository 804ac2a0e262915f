import { Logger } from '@nestjs/common';
import type { NatsConnection, Subscription as NatsSubscription } from '@nats-io/transport-node';
import {
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JsMsg,
  type StreamConfig,
} from '@nats-io/jetstream';
import {
  AnyCamera,
  cameraIdOfSubject,
  decodeEvent,
  Registry,
  Streams,
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
import { messageSeq, type Subscription, type SubscriptionStore } from './subscription.store.js';

/** CAMERA_EVENTS: how long and how much (0 ms: no stream, camera events over core NATS only). */
export interface ReplayOptions {
  windowMs: number;
  maxBytes: number;
  replicas: number;
  /** Camera events read back at start at most (the oldest dropped first). */
  maxBuffered?: number;
}

/**
 * The sources of the event service: the agents' `camera.<id>.event` and the registry's
 * `registry.event`, both read without a queue group so that every onvif replica sees every
 * event. Keeps each served camera's properties and hands the resulting messages to the store.
 *
 * Camera events are also kept by JetStream in the stream CAMERA_EVENTS for a bounded window
 * (`ReplayOptions`): the hub reads them through an ordered consumer, so each has a sequence number.
 * At start, the events already in the stream are read back first (not applied: they happened
 * while no process here served them) and kept for the window; a subscription restored from KV
 * (`replay`) gets those that came after the last one its client was handed. Without JetStream
 * (or with a zero window) camera events come over core NATS and nothing is replayed.
 */
export class EventHub {
  private readonly logger = new Logger('events');
  private readonly states = new Map<string, CameraEventState>();
  private subs: NatsSubscription[] = [];
  private consumer: ConsumerMessages | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  /** Camera events that were in the stream at start, per camera, in order: what a restart missed. */
  private missed = new Map<string, Array<{ seq: number; event: CameraEvent }>>();
  private missedCount = 0;
  private forgetMissed: NodeJS.Timeout | undefined;
  private markReady: () => void = () => {};
  /** The missed events are read (or there is no stream): restored subscriptions can be served. */
  readonly ready: Promise<void> = new Promise((resolve) => (this.markReady = resolve));
  isReady = false;
  /** The latest CAMERA_EVENTS sequence read; -1 without the stream. */
  lastSeq = -1;

  constructor(
    private readonly nc: NatsConnection,
    private readonly store: SubscriptionStore,
    /** The record of a camera this node serves, or undefined: events of others are ignored. */
    private readonly cameraOf: (id: string) => CameraRecord | undefined,
    private readonly metrics: EventMetrics,
    private readonly clock: () => Date = () => new Date(),
    /** Before a served camera's messages are published: restore its subscriptions kept in KV. */
    private readonly claim: (cameraId: string) => void = () => {},
    private readonly replayOptions: ReplayOptions = { windowMs: 0, maxBytes: 0, replicas: 1 },
  ) {}

  /** Also run by the sweep (the records waiting for their camera). */
  sweepAlso: (() => void) | undefined;

  start(sweepEveryMs = 1000): void {
    void this.ready.then(() => (this.isReady = true));
    void this.cameraEvents().finally(() => this.markReady());
    this.subs = [
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
    clearTimeout(this.forgetMissed);
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
    void this.consumer?.close();
    this.consumer = undefined;
  }

  /** A camera event as it came (stream or core NATS): decoded, then applied, or read back at start. */
  private onCameraMessage(subject: string, data: Uint8Array, seq?: number, missed = false): void {
    const id = cameraIdOfSubject(subject);
    if (!id) return;
    let event: CameraEvent;
    try {
      event = decodeEvent(AnyCamera.event, data);
    } catch (e) {
      this.metrics.received.inc({ type: 'invalid' });
      this.logger.warn({ msg: 'invalid camera event ignored', cameraId: id, err: String(e).slice(0, 300) });
      return;
    }
    if (seq === undefined) return this.onCameraEvent(id, event);
    if (!missed) return this.onCameraEvent(id, event, seq);
    let list = this.missed.get(id);
    if (!list) this.missed.set(id, (list = []));
    list.push({ seq, event });
    if (++this.missedCount > (this.replayOptions.maxBuffered ?? 100_000)) {
      // Bounded: the camera with this event loses its oldest missed one.
      list.shift();
      this.missedCount--;
    }
  }

  /**
   * Camera events through CAMERA_EVENTS when JetStream has it (created here, kept `windowMs`);
   * else, or on any failure to set it up, over core NATS.
   */
  private async cameraEvents(): Promise<void> {
    const o = this.replayOptions;
    if (o.windowMs > 0)
      try {
        const jsm = await jetstreamManager(this.nc);
        const config: Partial<StreamConfig> & { name: string } = {
          name: Streams.cameraEvents,
          subjects: [AnyCamera.event.subject],
          retention: RetentionPolicy.Limits,
          storage: StorageType.File,
          discard: DiscardPolicy.Old,
          max_age: o.windowMs * 1_000_000,
          max_bytes: o.maxBytes,
          num_replicas: o.replicas,
        };
        let info;
        try {
          info = await jsm.streams.add(config);
        } catch {
          // Made before with other limits (another window configured): updated, else used as it is.
          info = await jsm.streams
            .update(Streams.cameraEvents, config)
            .catch(() => jsm.streams.info(Streams.cameraEvents));
        }
        const startLast = info.state.last_seq;
        this.lastSeq = startLast;
        let caughtUp = info.state.messages === 0 || info.state.first_seq > startLast;
        if (caughtUp) this.markReady();
        const onMessage = (m: JsMsg) => {
          if (m.seq <= this.lastSeq && caughtUp) return; // already read (a consumer made again)
          const missed = m.seq <= startLast;
          this.onCameraMessage(m.subject, m.data, m.seq, missed);
          this.lastSeq = Math.max(this.lastSeq, m.seq);
          if (!caughtUp && m.seq >= startLast) {
            caughtUp = true;
            this.markReady();
            this.logger.log({ msg: 'camera events missed while down read back', events: this.missedCount });
          }
        };
        // From the window's start at first; after a reconnection (nats-server restarted: its
        // consumers are gone) from the next sequence, so nothing is lost or read twice.
        const follow = async (from: { time: string } | { seq: number }) => {
          const consumer = await jetstream(this.nc).consumers.get(
            Streams.cameraEvents,
            'time' in from
              ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: from.time }
              : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from.seq },
          );
          this.consumer = await consumer.consume({ max_messages: 256, callback: onMessage });
        };
        await follow({ time: new Date(Date.now() - o.windowMs).toISOString() });
        void (async () => {
          for await (const status of this.nc.status()) {
            if (status.type !== 'reconnect' || !this.consumer) continue;
            void this.consumer.close();
            try {
              await follow({ seq: this.lastSeq + 1 });
            } catch (err) {
              this.logger.error({
                msg: 'camera events: consumer not made again',
                err: String(err).slice(0, 300),
              });
            }
          }
        })();
        // What was missed is worth replaying for the window only: then it is forgotten.
        this.forgetMissed = setTimeout(() => {
          this.missed.clear();
          this.missedCount = 0;
        }, o.windowMs);
        this.forgetMissed.unref();
        return;
      } catch (err) {
        this.lastSeq = -1;
        this.logger.warn({
          msg: `camera events over core NATS, nothing replayed after a restart: no stream ${Streams.cameraEvents}`,
          err: String(err).slice(0, 300),
        });
      }
    this.subs.push(
      this.nc.subscribe(AnyCamera.event.subject, {
        callback: (err, msg) => {
          if (!err) this.onCameraMessage(msg.subject, msg.data);
        },
      }),
    );
  }

  /**
   * A subscription read back from KV: the camera events of the window it was not handed (those
   * after `seq`, its client's last), as messages, ahead of anything newer. The messages come from
   * the missed events applied in order to a fresh state; the camera's own state had them applied
   * when it was made (`stateOf`).
   */
  replay(sub: Subscription, seq: number | undefined): void {
    if (seq === undefined) return;
    const missed = this.missed.get(sub.cameraId);
    if (!missed?.length) return;
    let state = initialEventState(this.cameraOf(sub.cameraId)?.online ?? true);
    const messages: EventMessage[] = [];
    for (const { seq: s, event } of missed) {
      const t = applyCameraEvent(state, event);
      state = t.state;
      if (s <= seq) continue;
      for (const m of t.messages) messageSeq.set(m, s);
      messages.push(...t.messages);
    }
    if (messages.length === 0) return;
    this.logger.log({ msg: 'missed events replayed', cameraId: sub.cameraId, messages: messages.length });
    this.store.offer(sub, messages);
  }

  /** The camera's properties as they stand, as `Initialized` messages (new subscription, synchronization point). */
  current(cameraId: string): EventMessage[] {
    return propertyMessages(this.stateOf(cameraId, this.cameraOf(cameraId)), this.clock());
  }

  /** The camera left this node: forget its state (its subscriptions go with the listener). */
  forget(cameraId: string): void {
    this.states.delete(cameraId);
  }

  onCameraEvent(cameraId: string, event: CameraEvent, seq?: number): void {
    const camera = this.cameraOf(cameraId);
    if (!camera) return;
    this.metrics.received.inc({ type: event.type });
    const t = applyCameraEvent(this.stateOf(cameraId, camera), event);
    if (seq !== undefined) for (const m of t.messages) messageSeq.set(m, seq);
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
      // The properties as the events missed while no process here served the camera left them.
      for (const { event } of this.missed.get(cameraId) ?? []) s = applyCameraEvent(s, event).state;
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
