import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  AnyCamera,
  Buckets,
  CameraRecordSchema,
  Registry,
  cameraIdOfSubject,
  decodeEvent,
} from '@desk-onvif/contracts';
import { NATS_CONNECTION, decodeEntry, openBucket, watchBucket } from '@desk-onvif/service-kit';
import { FleetState, type CameraView } from './fleet.state.js';

export type FleetListener = (batch: { changed: CameraView[]; removed: string[] }) => void;

/** How often collected changes are pushed to the browsers. */
const PUSH_EVERY_MS = 200;

/**
 * The live fleet: a read-only watch of KV `cameras`, every heartbeat and registry event. Browsers
 * subscribe (`listen`) and get batched changes; nothing is polled per camera.
 */
@Injectable()
export class FleetService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('fleet');
  readonly state = new FleetState();
  private readonly listeners = new Set<FleetListener>();
  private readonly abort = new AbortController();
  private readonly subs: Subscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private initialLoad = true;
  /** The last port moves heard per camera, for the doctor (the registry keeps no history). */
  private readonly moves = new Map<string, Array<{ at: string; from: number; to: number; reason: string }>>();
  private ready!: Promise<void>;
  private markReady!: () => void;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {
    this.ready = new Promise((r) => (this.markReady = r));
  }

  onModuleInit(): void {
    this.subs.push(
      this.nc.subscribe(AnyCamera.heartbeat.subject, {
        callback: (err, msg) => {
          if (err) return;
          const id = cameraIdOfSubject(msg.subject);
          if (!id) return;
          try {
            this.state.heartbeat(id, decodeEvent(AnyCamera.heartbeat, msg.data));
          } catch {
            // an invalid heartbeat is ignored, as the registry does
          }
        },
      }),
    );
    this.subs.push(
      this.nc.subscribe(Registry.event.subject, {
        callback: (err, msg) => {
          if (err) return;
          try {
            const ev = decodeEvent(Registry.event, msg.data);
            if (ev.type === 'camera.port-moved') {
              const moves = this.moves.get(ev.id) ?? [];
              moves.push({ at: new Date().toISOString(), from: ev.from, to: ev.to, reason: ev.reason });
              this.moves.set(ev.id, moves.slice(-5));
            }
            // A move an administrator made is no error; one forced by a failed bind is.
            if (ev.type === 'camera.port-moved' && ev.reason !== 'admin')
              this.state.error(
                ev.id,
                new Date().toISOString(),
                `ONVIF port moved ${ev.from} → ${ev.to}: ${ev.reason}`,
              );
          } catch {
            // ignored
          }
        },
      }),
    );
    void this.watchCameras();
    this.timer = setInterval(() => this.push(), PUSH_EVERY_MS);
  }

  /** Resolves once the current records have been read (or at once when there are none yet). */
  whenLoaded(): Promise<void> {
    return this.ready;
  }

  list(): CameraView[] {
    return [...this.state.cameras.values()];
  }

  get(id: string): CameraView | undefined {
    return this.state.cameras.get(id);
  }

  portMoves(id: string): Array<{ at: string; from: number; to: number; reason: string }> {
    return this.moves.get(id) ?? [];
  }

  listen(listener: FleetListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when `test` holds for the camera (as seen through the watch), or after `timeoutMs`. */
  async waitFor(
    id: string,
    test: (c: CameraView | undefined) => boolean,
    timeoutMs = 5000,
  ): Promise<boolean> {
    if (test(this.get(id))) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        stop();
        resolve(test(this.get(id)));
      }, timeoutMs);
      const stop = this.listen(() => {
        if (!test(this.get(id))) return;
        clearTimeout(timer);
        stop();
        resolve(true);
      });
    });
  }

  private async watchCameras(): Promise<void> {
    let kv: KV | undefined;
    while (!kv && !this.abort.signal.aborted) {
      try {
        kv = await openBucket(this.nc, Buckets.cameras, { create: false });
        await kv.status();
      } catch (err) {
        kv = undefined;
        this.logger.warn({
          msg: 'cameras bucket not there yet (is the registry running?)',
          err: String(err),
        });
        this.markReady();
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    if (!kv) return;
    // The bucket keeps a few revisions per key: count the keys, which the watch delivers once each.
    let pending = 0;
    for await (const _ of await kv.keys()) pending++;
    let seen = 0;
    if (pending === 0) this.markReady();
    // Whatever happens to the count meanwhile (a camera removed), the fleet shows after 3 s.
    setTimeout(() => this.markReady(), 3000).unref();
    await watchBucket(
      kv,
      {
        onReset: () => this.state.clear(),
        onEntry: (e) => {
          if (e.operation !== 'PUT') this.state.remove(e.key);
          else {
            try {
              this.state.putRecord(decodeEntry(CameraRecordSchema, e.value));
            } catch (err) {
              this.logger.warn({ msg: 'invalid camera record', key: e.key, err: String(err) });
            }
          }
          if (this.initialLoad && ++seen >= pending) {
            this.initialLoad = false;
            this.markReady();
          }
        },
      },
      this.abort.signal,
      (err) => this.logger.warn({ msg: 'cameras watch restarting', err: String(err) }),
    );
  }

  private push(): void {
    const batch = this.state.drain();
    if (batch.changed.length === 0 && batch.removed.length === 0) return;
    for (const l of this.listeners) l(batch);
  }

  onApplicationShutdown(): void {
    this.abort.abort();
    clearInterval(this.timer);
    for (const s of this.subs) s.unsubscribe();
  }
}
