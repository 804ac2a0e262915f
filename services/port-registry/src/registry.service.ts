import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ConflictError,
  NotFoundError,
  PortInUseError,
  PortRangeExhaustedError,
  cameraIdOf,
  identityKey,
  type CameraPatch,
  type CameraRecord,
  type ListRequest,
  type PortClaim,
  type PortUnusable,
  type RegisterRequest,
} from '@desk-onvif/contracts';
import type { Versioned } from '@desk-onvif/service-kit';
import { newCameraRecord, newPublishSecret, refreshLabels } from './camera.factory.js';
import { CameraStore } from './camera.store.js';
import { CameraView } from './camera.view.js';
import { Clock, EventPublisher } from './registry.ports.js';
import { REGISTRY_CONFIG, type RegistryConfig } from './config.js';
import { RegistryMetrics, type RegistrationOutcome } from './registry.metrics.js';
import { preferredPort, probeOrder } from './port-allocator.js';

/** How often a compare-and-set that lost a race is retried before giving up with CONFLICT. */
const CAS_ATTEMPTS = 8;

/** Identity → camera record and ONVIF port; every decision a compare-and-set in KV. */
@Injectable()
export class RegistryService {
  private readonly logger = new Logger('registry');

  constructor(
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
    private readonly store: CameraStore,
    private readonly view: CameraView,
    private readonly metrics: RegistryMetrics,
    private readonly events: EventPublisher,
    private readonly clock: Clock,
  ) {}

  async register(request: RegisterRequest): Promise<CameraRecord> {
    const stop = this.metrics.registrationSeconds.startTimer();
    let outcome: RegistrationOutcome = 'error';
    try {
      const result = await this.registerOnce(request);
      outcome = result.outcome;
      return result.camera;
    } catch (err) {
      if (err instanceof PortRangeExhaustedError) {
        outcome = 'exhausted';
        this.logger.warn({
          msg: 'port range exhausted',
          range: this.config.PORT_RANGE,
          host: request.identity.hostId,
        });
      }
      throw err;
    } finally {
      stop();
      this.metrics.registrations.inc({ outcome });
    }
  }

  private async registerOnce(
    request: RegisterRequest,
  ): Promise<{ camera: CameraRecord; outcome: RegistrationOutcome }> {
    const key = identityKey(request.identity);
    const id = cameraIdOf(key);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const existing = await this.store.getCamera(id);
      if (existing) {
        const refreshed = refreshLabels(existing.value, request, this.clock.now());
        if (!refreshed) return { camera: existing.value, outcome: 'existing' };
        if (await this.store.updateCamera(refreshed, existing.revision))
          return { camera: refreshed, outcome: 'updated' };
        continue; // another replica changed it meanwhile: read again
      }
      const port = await this.claimFreePort(id, preferredPort(key, this.config.PORT_RANGE));
      const record = newCameraRecord({
        id,
        identityKey: key,
        request,
        port,
        node: this.config.DEFAULT_NODE,
        now: this.clock.now(),
        publishSecret: newPublishSecret(),
      });
      if (await this.store.createCamera(record)) {
        this.logger.log({ msg: 'camera registered', cameraId: id, port, mode: record.mode });
        return { camera: record, outcome: 'created' };
      }
      // Another replica registered the same identity first: give our claim back, take its record.
      await this.store.releaseClaim(port, id);
    }
    throw new ConflictError(`registration of camera ${id} kept losing races; try again`);
  }

  /**
   * Linear probing from the preferred port; each candidate claimed by a KV create. Ports this
   * replica already knows to be taken are skipped on the first pass and tried on the second, since
   * the view can lag behind KV.
   */
  private async claimFreePort(cameraId: string, first: number, avoid?: number): Promise<number> {
    const now = this.clock.now();
    const candidates = [...probeOrder(first, this.config.PORT_RANGE)].filter((p) => p !== avoid);
    const likelyFree = candidates.filter((p) => !this.view.isTakenByOther(p, cameraId, now));
    const tried = new Set<number>();
    for (const port of [...likelyFree, ...candidates]) {
      if (tried.has(port)) continue;
      tried.add(port);
      if (await this.tryClaim(port, cameraId)) return port;
    }
    throw new PortRangeExhaustedError(this.config.PORT_RANGE);
  }

  /** Claims one port for a camera: free, already its own, or blocked past its time. */
  private async tryClaim(port: number, cameraId: string): Promise<boolean> {
    const claim: PortClaim = { cameraId, at: this.clock.now().toISOString() };
    if (await this.store.createClaim(port, claim)) return true;
    // Held by another camera as far as the view knows: skip the read (a claim never changes hands
    // but through this method, so the view can be behind only by claims made just now).
    const known = this.view.claims.get(port);
    if (known && 'cameraId' in known && known.cameraId !== cameraId) return false;
    const current = await this.store.getClaim(port);
    if (!current) return (await this.store.createClaim(port, claim)) !== undefined;
    if ('cameraId' in current.value) return current.value.cameraId === cameraId;
    if (new Date(current.value.until) <= this.clock.now()) {
      return (await this.store.updateClaim(port, claim, current.revision)) !== undefined;
    }
    return false;
  }

  async get(id: string): Promise<CameraRecord> {
    const found = await this.store.getCamera(id);
    if (!found) throw new NotFoundError(`no camera ${id}`);
    return found.value;
  }

  async list(request: ListRequest): Promise<{ cameras: CameraRecord[]; total: number; nextCursor?: string }> {
    const ids = (await this.store.cameraIds()).sort();
    const after = request.cursor;
    const start = after === undefined ? 0 : ids.findIndex((id) => id > after);
    const pageIds = start < 0 ? [] : ids.slice(start, start + request.limit);
    const records = await Promise.all(pageIds.map((id) => this.store.getCamera(id)));
    const cameras = records.filter((r): r is Versioned<CameraRecord> => r !== undefined).map((r) => r.value);
    const last = pageIds[pageIds.length - 1];
    const more = start >= 0 && start + request.limit < ids.length;
    return { cameras, total: ids.length, ...(more && last ? { nextCursor: last } : {}) };
  }

  async update(id: string, patch: CameraPatch): Promise<CameraRecord> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.store.getCamera(id);
      if (!current) throw new NotFoundError(`no camera ${id}`);
      const record = current.value;
      const movePort = patch.onvifPort !== undefined && patch.onvifPort !== record.onvifPort;
      if (movePort && !(await this.tryClaim(patch.onvifPort!, id)))
        throw new PortInUseError(patch.onvifPort!);
      const next: CameraRecord = {
        ...record,
        ...(patch.name !== undefined ? { name: patch.name, nameSetByAdmin: true } : {}),
        ...(patch.settings !== undefined ? { settings: patch.settings } : {}),
        ...(patch.discoveryMode !== undefined ? { discoveryMode: patch.discoveryMode } : {}),
        ...(patch.scopes !== undefined ? { scopes: patch.scopes } : {}),
        ...(movePort ? { onvifPort: patch.onvifPort!, portSetByAdmin: true } : {}),
        updatedAt: this.clock.now().toISOString(),
      };
      if (await this.store.updateCamera(next, current.revision)) {
        if (movePort) {
          await this.store.releaseClaim(record.onvifPort, id);
          this.metrics.portMoves.inc({ reason: 'admin' });
          this.events.publish({
            type: 'camera.port-moved',
            id,
            from: record.onvifPort,
            to: next.onvifPort,
            reason: 'admin',
          });
          this.logger.log({
            msg: 'port changed by an administrator',
            cameraId: id,
            from: record.onvifPort,
            to: next.onvifPort,
          });
        }
        return next;
      }
      if (movePort) await this.store.releaseClaim(patch.onvifPort!, id);
    }
    throw new ConflictError(`camera ${id} kept changing during the update; try again`);
  }

  async remove(id: string): Promise<void> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.store.getCamera(id);
      if (!current) throw new NotFoundError(`no camera ${id}`);
      if (await this.store.deleteCamera(id, current.revision)) {
        await this.store.releaseClaim(current.value.onvifPort, id);
        this.events.publish({ type: 'camera.removed', id });
        this.logger.log({ msg: 'camera removed', cameraId: id, port: current.value.onvifPort });
        return;
      }
    }
    throw new ConflictError(`camera ${id} kept changing during the removal; try again`);
  }

  /**
   * The onvif service could not bind a camera's port: block the port for a while and move the
   * camera to the next free one. A report about a port the camera no longer has changes nothing,
   * so several onvif replicas reporting the same failure move the camera once.
   */
  async portUnusable(report: PortUnusable): Promise<CameraRecord> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.store.getCamera(report.id);
      if (!current) throw new NotFoundError(`no camera ${report.id}`);
      const record = current.value;
      if (record.onvifPort !== report.port) return record;
      const to = await this.claimFreePort(record.id, report.port + 1, report.port);
      const next: CameraRecord = { ...record, onvifPort: to, updatedAt: this.clock.now().toISOString() };
      if (!(await this.store.updateCamera(next, current.revision))) {
        await this.store.releaseClaim(to, record.id);
        continue;
      }
      await this.blockPort(report.port, record.id, report.reason);
      this.metrics.portMoves.inc({ reason: 'bind-failed' });
      this.events.publish({
        type: 'camera.port-moved',
        id: record.id,
        from: report.port,
        to,
        reason: report.reason,
      });
      this.logger.warn({
        msg: 'camera moved off an unusable port',
        cameraId: record.id,
        from: report.port,
        to,
        reason: report.reason,
      });
      return next;
    }
    throw new ConflictError(`camera ${report.id} kept changing while moving it; try again`);
  }

  private async blockPort(port: number, cameraId: string, reason: string): Promise<void> {
    const now = this.clock.now();
    const blocked: PortClaim = {
      blocked: true,
      reason: reason.slice(0, 500),
      at: now.toISOString(),
      until: new Date(now.getTime() + this.config.PORT_BLOCK_MS).toISOString(),
    };
    const current = await this.store.getClaim(port);
    if (!current) await this.store.createClaim(port, blocked);
    else if ('cameraId' in current.value && current.value.cameraId === cameraId) {
      await this.store.updateClaim(port, blocked, current.revision);
    }
  }
}
