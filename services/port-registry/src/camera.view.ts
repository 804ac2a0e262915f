import {
  CameraRecordSchema,
  PortClaimSchema,
  portOfKey,
  type CameraRecord,
  type PortClaim,
} from '@desk-onvif/contracts';
import { decodeEntry, type Versioned } from '@desk-onvif/service-kit';
import type { KvWatchEntry } from '@nats-io/kv';

/**
 * What this replica knows of the buckets, kept current by watches: the cameras (for presence and
 * metrics) and the port claims (to skip ports known to be taken before asking KV). A hint only:
 * every decision that matters is a compare-and-set in KV.
 */
export class CameraView {
  readonly cameras = new Map<string, Versioned<CameraRecord>>();
  readonly claims = new Map<number, PortClaim>();
  invalidEntries = 0;

  applyCamera(e: KvWatchEntry): void {
    if (e.operation !== 'PUT') {
      this.cameras.delete(e.key);
      return;
    }
    try {
      this.cameras.set(e.key, { value: decodeEntry(CameraRecordSchema, e.value), revision: e.revision });
    } catch {
      this.invalidEntries++;
    }
  }

  applyClaim(e: KvWatchEntry): void {
    const port = portOfKey(e.key);
    if (port === undefined) return;
    if (e.operation !== 'PUT') {
      this.claims.delete(port);
      return;
    }
    try {
      this.claims.set(port, decodeEntry(PortClaimSchema, e.value));
    } catch {
      this.invalidEntries++;
    }
  }

  /** Taken by another camera or blocked, as far as this replica knows. */
  isTakenByOther(port: number, cameraId: string, now: Date): boolean {
    const claim = this.claims.get(port);
    if (!claim) return false;
    if ('cameraId' in claim) return claim.cameraId !== cameraId;
    return new Date(claim.until) > now;
  }
}
