import type { SecureContext } from 'node:tls';
import { Logger } from '@nestjs/common';
import type { KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { CameraRecordSchema, Registry, call, type CameraRecord } from '@desk-onvif/contracts';
import { decodeEntry } from '@desk-onvif/service-kit';
import type { OnvifConfig } from './config.js';
import type { OnvifHttp } from './onvif.http.js';
import type { OnvifMetrics } from './onvif.metrics.js';
import type { ProfileBook } from './profile.book.js';
import type { UserStore } from './user.store.js';
import { KvResync } from './kv.resync.js';
import { createCameraServer, type CameraServer } from './camera.server.js';
import { workerOf } from './onvif.cluster.js';

interface Listener {
  camera: CameraRecord;
  port: number;
  server: CameraServer;
  open: boolean;
  grace: NodeJS.Timeout | undefined;
}

/**
 * One HTTP listener per camera of this node, following KV `cameras`: opened when a record
 * appears, moved when its port changes, closed when it goes. A port that cannot be bound is
 * reported to the registry, which moves the camera; the new record then opens the new port.
 */
export class CameraListeners {
  private readonly logger = new Logger('listeners');
  private readonly byCamera = new Map<string, Listener>();
  /** This node's cameras that another worker listens for: known here for the MediaMTX hook. */
  private readonly elsewhere = new Map<string, CameraRecord>();
  private readonly resync = new KvResync();

  constructor(
    private readonly config: OnvifConfig,
    private readonly http: OnvifHttp,
    private readonly nc: NatsConnection,
    private readonly users: UserStore,
    private readonly profiles: ProfileBook,
    private readonly metrics: OnvifMetrics,
    private readonly tls: SecureContext | undefined,
    /** A camera's listener closed (removed, moved, shutting down): what lived with it goes too. */
    private readonly closed: (cameraId: string) => void = () => {},
  ) {}

  get size(): number {
    return this.byCamera.size;
  }

  /** Any camera of this node, whichever worker listens for it. */
  camera(id: string): CameraRecord | undefined {
    return this.byCamera.get(id)?.camera ?? this.elsewhere.get(id);
  }

  /** The watch restarted: keep serving, and close what the replay shows was removed meanwhile. */
  reset(): void {
    this.resync.start();
  }

  apply(e: KvWatchEntry): void {
    this.applyOne(e);
    const known = () => [...this.byCamera.keys(), ...this.elsewhere.keys()];
    for (const gone of this.resync.note(e, known)) this.close(gone, 'removed');
  }

  private applyOne(e: KvWatchEntry): void {
    if (e.operation !== 'PUT') {
      this.close(e.key, 'removed');
      return;
    }
    let camera: CameraRecord;
    try {
      camera = decodeEntry(CameraRecordSchema, e.value);
    } catch (err) {
      // A record that fails its schema is never served; the registry is the one to mend it.
      this.logger.warn({ msg: 'invalid camera record ignored', key: e.key, err: String(err).slice(0, 300) });
      return;
    }
    if (camera.node !== this.config.NODE) {
      this.close(camera.id, 'served by another node');
      return;
    }
    // With ONVIF_WORKERS > 1, each camera is served by one worker, always the same (onvif.cluster.ts).
    if (workerOf(camera.id, this.config.WORKERS) !== this.config.WORKER_INDEX) {
      this.elsewhere.set(camera.id, camera);
      return;
    }
    const current = this.byCamera.get(camera.id);
    if (current && current.port === camera.onvifPort) {
      current.camera = camera; // every request reads the latest record
      return;
    }
    if (current) this.close(camera.id, `moving to port ${camera.onvifPort}`);
    this.listen(camera, !current);
  }

  private listen(camera: CameraRecord, isNew: boolean): void {
    const listener: Listener = {
      camera,
      port: camera.onvifPort,
      server: createCameraServer((req, res) => this.http.handle(listener.camera, req, res), this.tls),
      open: false,
      grace: undefined,
    };
    this.byCamera.set(camera.id, listener);
    listener.server.server.on('error', (err: NodeJS.ErrnoException) => {
      // After listen() succeeded an error (e.g. EMFILE on accept) is logged; an unhandled one would end the process.
      if (listener.open) {
        this.logger.error({
          msg: 'listener error',
          cameraId: camera.id,
          port: listener.port,
          err: err.message,
        });
        return;
      }
      if (this.byCamera.get(camera.id) !== listener) return;
      this.byCamera.delete(camera.id);
      clearTimeout(listener.grace);
      void this.reportUnusable(camera, `${err.code ?? 'error'}: ${err.message}`);
    });
    // exclusive: a worker binds the camera's port itself, not through the cluster's primary.
    listener.server.server.listen(
      { port: camera.onvifPort, host: this.config.LISTEN_HOST, exclusive: true },
      () => {
        listener.open = true;
        this.metrics.listenersOpen.inc();
        this.logger.log({
          msg: 'listening',
          cameraId: camera.id,
          port: camera.onvifPort,
          worker: this.config.WORKER_INDEX,
        });
      },
    );
    if (isNew) listener.grace = this.scheduleAdministrator(camera.id);
  }

  /** ONVIF: no default password. A camera whose agent sent no credentials gets a generated one. */
  private scheduleAdministrator(cameraId: string): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.users
        .bootstrap(cameraId, {})
        .then((r) => {
          if (!r.created) return;
          this.metrics.usersGenerated.inc();
          this.logger.log({
            msg: 'generated an Administrator with a random password',
            cameraId,
            username: r.username,
          });
        })
        .catch((err: unknown) =>
          this.logger.warn({ msg: 'could not create the first Administrator', cameraId, err: String(err) }),
        );
    }, this.config.BOOTSTRAP_GRACE_MS);
    timer.unref();
    return timer;
  }

  private async reportUnusable(camera: CameraRecord, reason: string): Promise<void> {
    this.metrics.bindFailures.inc();
    this.logger.warn({
      msg: 'cannot bind the camera port',
      cameraId: camera.id,
      port: camera.onvifPort,
      reason,
    });
    try {
      await call(
        this.nc,
        Registry.portUnusable,
        { id: camera.id, port: camera.onvifPort, reason: reason.slice(0, 500), node: this.config.NODE },
        this.config.AGENT_TIMEOUT_MS,
      );
    } catch (err) {
      this.logger.error({
        msg: 'could not report the unusable port',
        cameraId: camera.id,
        port: camera.onvifPort,
        err: String(err),
      });
    }
  }

  private close(cameraId: string, why: string): void {
    this.elsewhere.delete(cameraId);
    const listener = this.byCamera.get(cameraId);
    if (!listener) return;
    this.byCamera.delete(cameraId);
    clearTimeout(listener.grace);
    if (why === 'removed')
      this.profiles
        .forget(cameraId)
        .catch((err: unknown) =>
          this.logger.warn({ msg: 'could not forget the profiles', cameraId, err: String(err) }),
        );
    if (listener.open) this.metrics.listenersOpen.dec();
    this.closed(cameraId);
    listener.server.server.close();
    listener.server.closeAllConnections();
    this.logger.log({ msg: 'closed', cameraId, port: listener.port, why });
  }

  closeAll(): void {
    for (const id of [...this.byCamera.keys()]) this.close(id, 'shutting down');
  }
}
