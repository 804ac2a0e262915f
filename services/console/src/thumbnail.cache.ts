import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { cameraSubjects, call } from '@desk-onvif/contracts';
import { NATS_CONNECTION } from '@desk-onvif/service-kit';
import { CONSOLE_CONFIG, type ConsoleConfig } from './config.js';

interface Entry {
  at: number;
  jpeg: Promise<Buffer>;
}

const MAX_ENTRIES = 2000;

/**
 * Camera snapshots for thumbnails and the snapshot live view: one request per camera per max-age,
 * whatever the number of browsers looking; concurrent asks share it.
 */
@Injectable()
export class ThumbnailCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  get(id: string, stream: 'main' | 'sub', maxAgeMs = this.config.THUMBNAIL_MAX_AGE_MS): Promise<Buffer> {
    const key = `${id}:${stream}`;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < maxAgeMs) return hit.jpeg;
    const jpeg = call(this.nc, cameraSubjects(id).snapshot, { stream }, 4000).then((r) =>
      Buffer.from(r.jpegBase64, 'base64'),
    );
    this.entries.set(key, { at: now, jpeg });
    jpeg.catch(() => this.entries.delete(key));
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return jpeg;
  }
}
