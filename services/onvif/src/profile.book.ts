import type { KV, KvWatchEntry } from '@nats-io/kv';
import { encodeJson, OnvifProfileSetSchema, type OnvifProfileSet } from '@desk-onvif/contracts';
import { SoapFault, type ExtraProfile } from '@desk-onvif/onvif-soap';
import { decodeEntry, isCasConflict } from '@desk-onvif/service-kit';
import { KvResync } from './kv.resync.js';

const MAX_ATTEMPTS = 5;

/**
 * Profiles clients created with CreateProfile (Synology's `SynoProfile`), per camera, kept in KV
 * `profiles` (key = camera id) so that they survive a restart and every onvif replica serves
 * them; read from memory, which the bucket's watch keeps current. Served by the main stream.
 */
export class ProfileBook {
  private readonly byCamera = new Map<string, readonly ExtraProfile[]>();
  private readonly resync = new KvResync();
  private static readonly NONE: readonly ExtraProfile[] = [];
  /** Entries that failed their schema: ignored (the camera has no extra profiles), counted. */
  invalidEntries = 0;

  constructor(readonly kv: KV) {}

  of(cameraId: string): readonly ExtraProfile[] {
    return this.byCamera.get(cameraId) ?? ProfileBook.NONE;
  }

  /** The watch restarted: keep serving what is known until the replay shows what changed. */
  reset(): void {
    this.resync.start();
  }

  apply(e: KvWatchEntry): void {
    this.applyOne(e.key, e.operation === 'PUT' ? e.value : undefined);
    for (const key of this.resync.note(e, () => this.byCamera.keys())) this.byCamera.delete(key);
  }

  async add(cameraId: string, profile: ExtraProfile): Promise<void> {
    await this.change(cameraId, (list) => [...list.filter((p) => p.token !== profile.token), profile]);
  }

  async remove(cameraId: string, token: string): Promise<void> {
    await this.change(cameraId, (list) => list.filter((p) => p.token !== token));
  }

  /** The camera is gone: its profiles go too. */
  async forget(cameraId: string): Promise<void> {
    this.byCamera.delete(cameraId);
    await this.kv.delete(cameraId);
  }

  private applyOne(cameraId: string, value: Uint8Array | undefined): void {
    if (!value) {
      this.byCamera.delete(cameraId);
      return;
    }
    try {
      const set = decodeEntry(OnvifProfileSetSchema, value);
      if (set.profiles.length) this.byCamera.set(cameraId, set.profiles);
      else this.byCamera.delete(cameraId);
    } catch {
      this.invalidEntries++;
      this.byCamera.delete(cameraId);
    }
  }

  /** Read, change, write with the revision read (compare-and-set), again when another writer won. */
  private async change(
    cameraId: string,
    f: (list: readonly ExtraProfile[]) => ExtraProfile[],
  ): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const entry = await this.kv.get(cameraId);
      const live = entry?.operation === 'PUT' ? entry : undefined;
      const current = live ? decodeEntry(OnvifProfileSetSchema, live.value).profiles : [];
      const next: OnvifProfileSet = { schema: 1, cameraId, profiles: f(current) };
      const value = encodeJson(OnvifProfileSetSchema.parse(next));
      try {
        if (live) await this.kv.update(cameraId, value, live.revision);
        else await this.kv.create(cameraId, value);
      } catch (err) {
        if (!isCasConflict(err)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)));
        continue;
      }
      this.applyOne(cameraId, value);
      return;
    }
    throw new SoapFault('Receiver', ['Action'], 'too many concurrent changes of the profiles; try again');
  }
}
