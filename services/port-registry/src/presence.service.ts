import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { CameraRecord } from '@desk-onvif/contracts';
import { CameraStore } from './camera.store.js';
import { CameraView } from './camera.view.js';
import { REGISTRY_CONFIG, type RegistryConfig } from './config.js';
import { RegistryMetrics } from './registry.metrics.js';
import { Clock, EventPublisher } from './registry.ports.js';

/**
 * Online/offline from agent heartbeats. Every replica sees every heartbeat; a transition is a
 * compare-and-set, so when several replicas notice it at once the record is written once and the
 * record never changes between transitions.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('presence');
  private readonly lastSeen = new Map<string, number>();
  private readonly startedAt: number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<string>();

  constructor(
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
    private readonly store: CameraStore,
    private readonly view: CameraView,
    private readonly metrics: RegistryMetrics,
    private readonly events: EventPublisher,
    private readonly clock: Clock,
  ) {
    this.startedAt = clock.now().getTime();
  }

  onModuleInit(): void {
    const every = Math.max(200, Math.floor(this.config.HEARTBEAT_TIMEOUT_MS / 4));
    this.sweepTimer = setInterval(() => this.sweep(), every);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  async heartbeat(cameraId: string): Promise<void> {
    const known = this.view.cameras.get(cameraId) ?? (await this.store.getCamera(cameraId));
    if (!known) {
      this.metrics.heartbeats.inc({ result: 'unknown-camera' });
      return;
    }
    this.metrics.heartbeats.inc({ result: 'accepted' });
    this.lastSeen.set(cameraId, this.clock.now().getTime());
    if (!known.value.online) await this.transition(cameraId, true);
  }

  /** Cameras online in KV but silent past the timeout go offline. A replica that just started
   * counts from its own start, so a restart never flaps cameras that are still heartbeating. */
  private sweep(): void {
    const now = this.clock.now().getTime();
    for (const [id, { value }] of this.view.cameras) {
      if (!value.online) continue;
      const last = this.lastSeen.get(id) ?? this.startedAt;
      if (now - last > this.config.HEARTBEAT_TIMEOUT_MS) {
        this.transition(id, false).catch((err: unknown) =>
          this.logger.error({ msg: 'offline transition failed', cameraId: id, err: String(err) }),
        );
      }
    }
    for (const id of this.lastSeen.keys()) if (!this.view.cameras.has(id)) this.lastSeen.delete(id);
  }

  private async transition(cameraId: string, online: boolean): Promise<void> {
    const key = `${cameraId}:${online}`;
    if (this.pending.has(key)) return;
    this.pending.add(key);
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        const current = await this.store.getCamera(cameraId);
        if (!current || current.value.online === online) return;
        if (
          !online &&
          this.clock.now().getTime() - (this.lastSeen.get(cameraId) ?? this.startedAt) <=
            this.config.HEARTBEAT_TIMEOUT_MS
        )
          return;
        const next: CameraRecord = { ...current.value, online, updatedAt: this.clock.now().toISOString() };
        if (await this.store.updateCamera(next, current.revision)) {
          this.metrics.presenceTransitions.inc({ to: online ? 'online' : 'offline' });
          this.events.publish({ type: online ? 'camera.online' : 'camera.offline', id: cameraId });
          this.logger.log({ msg: online ? 'camera online' : 'camera offline', cameraId });
          return;
        }
      }
    } finally {
      this.pending.delete(key);
    }
  }
}
