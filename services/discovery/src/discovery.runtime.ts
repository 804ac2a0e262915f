import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CameraRecordSchema, type CameraRecord } from '@desk-onvif/contracts';
import { decodeEntry, watchBucket } from '@desk-onvif/service-kit';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Announcer } from './announcer.js';
import type { CameraDirectory } from './camera.directory.js';
import type { DiscoveryMetrics } from './discovery.metrics.js';
import type { DiscoveryResponder } from './discovery.responder.js';
import type { DiscoverySocket } from './discovery.socket.js';
import type { ReplyScheduler } from './reply.scheduler.js';

/**
 * Wires the parts to the world for the life of the app: the socket feeds the responder, the KV
 * watch feeds the directory, and every change of the directory is announced. No Bye on shutdown:
 * the cameras have not left the network, only this service restarts (and says Hello again).
 */
export class DiscoveryRuntime implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('discovery');
  private readonly abort = new AbortController();

  constructor(
    private readonly cameras: KV,
    private readonly socket: DiscoverySocket,
    private readonly responder: DiscoveryResponder,
    private readonly directory: CameraDirectory,
    private readonly announcer: Announcer,
    private readonly scheduler: ReplyScheduler,
    private readonly metrics: DiscoveryMetrics,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.socket.open((datagram, source) => this.responder.handle(datagram, source));
    void watchBucket(
      this.cameras,
      // A restarted watch delivers every key's last value again (deletions included), so the
      // directory is kept and only real changes are announced.
      { onEntry: (e) => this.onEntry(e) },
      this.abort.signal,
      (err) => this.logger.warn({ msg: 'camera watch restarting', err: String(err) }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.abort.abort();
    this.scheduler.clear();
    await this.socket.close();
  }

  private onEntry(entry: KvWatchEntry): void {
    let record: CameraRecord | undefined;
    if (entry.operation === 'PUT') {
      try {
        record = decodeEntry(CameraRecordSchema, entry.value);
      } catch {
        this.metrics.invalidRecords.inc();
        this.logger.warn({ msg: 'invalid camera record ignored', cameraId: entry.key });
      }
    }
    const change = this.directory.apply(entry.key, record, entry.revision);
    if (!change) return;
    this.logger.log({
      msg: change.type === 'hello' ? 'announcing camera' : 'camera leaving',
      cameraId: change.camera.id,
    });
    void this.announcer.announce(change.type, change.camera);
  }
}
