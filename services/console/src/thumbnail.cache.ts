import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { NatsConnection } from '@nats-io/transport-node';
import { cameraSubjects, call } from '@desk-onvif/contracts';
import { NATS_CONNECTION } from '@desk-onvif/service-kit';
import { CONSOLE_CONFIG, type ConsoleConfig } from './config.js';

interface Snapshot {
  at: number;
  jpeg: Buffer;
}

/**
 * Camera snapshots for thumbnails and the snapshot live view: one request per camera per max-age,
 * whatever the number of browsers looking; concurrent asks share it. The images kept are bounded by
 * their bytes (CONSOLE_THUMBNAIL_CACHE_MB, least recently used out first), not by a count: a
 * thousand sub-stream JPEGs of a real desktop are tens of megabytes.
 */
@Injectable()
export class ThumbnailCache {
  private readonly images: LRUCache<string, Snapshot>;
  private readonly pending = new Map<string, Promise<Buffer>>();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {
    this.images = new LRUCache<string, Snapshot>({
      maxSize: config.THUMBNAIL_CACHE_MB * 1024 * 1024,
      sizeCalculation: (s) => s.jpeg.length + 64,
      // An image older than the max age is never served: it goes when next looked up.
      ttl: config.THUMBNAIL_MAX_AGE_MS,
    });
  }

  /** The bytes of images held now (at most CONSOLE_THUMBNAIL_CACHE_MB). */
  get bytes(): number {
    return this.images.calculatedSize;
  }

  get(id: string, stream: 'main' | 'sub', maxAgeMs = this.config.THUMBNAIL_MAX_AGE_MS): Promise<Buffer> {
    const key = `${id}:${stream}`;
    const hit = this.images.get(key);
    if (hit && Date.now() - hit.at < maxAgeMs) return Promise.resolve(hit.jpeg);
    const asked = this.pending.get(key);
    if (asked) return asked;
    const at = Date.now();
    const jpeg = call(this.nc, cameraSubjects(id).snapshot, { stream }, 4000)
      .then((r) => {
        const image = Buffer.from(r.jpegBase64, 'base64');
        this.images.set(key, { at, jpeg: image });
        return image;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, jpeg);
    return jpeg;
  }
}
