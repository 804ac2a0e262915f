import type { KV } from '@nats-io/kv';
import {
  CameraRecordSchema,
  PortClaimSchema,
  encodeJson,
  portKey,
  type CameraRecord,
  type PortClaim,
} from '@desk-onvif/contracts';
import { decodeEntry, isCasConflict, type Versioned } from '@desk-onvif/service-kit';

/**
 * The registry's only side effects on state: KV `cameras` (records) and KV `ports` (claims).
 * Every write that could race is a compare-and-set; a lost race returns false, never throws.
 */
export class CameraStore {
  constructor(
    readonly cameras: KV,
    readonly ports: KV,
  ) {}

  async getCamera(id: string): Promise<Versioned<CameraRecord> | undefined> {
    const e = await this.cameras.get(id);
    if (!e || e.operation !== 'PUT') return undefined;
    return { value: decodeEntry(CameraRecordSchema, e.value), revision: e.revision };
  }

  async createCamera(record: CameraRecord): Promise<number | undefined> {
    return casOrUndefined(() => this.cameras.create(record.id, encodeJson(record)));
  }

  async updateCamera(record: CameraRecord, revision: number): Promise<number | undefined> {
    return casOrUndefined(() => this.cameras.update(record.id, encodeJson(record), revision));
  }

  async deleteCamera(id: string, revision: number): Promise<boolean> {
    return (
      (await casOrUndefined(() => this.cameras.delete(id, { previousSeq: revision }).then(() => 0))) !==
      undefined
    );
  }

  async cameraIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const k of await this.cameras.keys()) ids.push(k);
    return ids;
  }

  async getClaim(port: number): Promise<Versioned<PortClaim> | undefined> {
    const e = await this.ports.get(portKey(port));
    if (!e || e.operation !== 'PUT') return undefined;
    return { value: decodeEntry(PortClaimSchema, e.value), revision: e.revision };
  }

  /** Claims a free port: a KV create, so two replicas can never both succeed. */
  async createClaim(port: number, claim: PortClaim): Promise<number | undefined> {
    return casOrUndefined(() => this.ports.create(portKey(port), encodeJson(claim)));
  }

  async updateClaim(port: number, claim: PortClaim, revision: number): Promise<number | undefined> {
    return casOrUndefined(() => this.ports.update(portKey(port), encodeJson(claim), revision));
  }

  /** Releases a claim only if it is still this camera's. */
  async releaseClaim(port: number, cameraId: string): Promise<void> {
    const claim = await this.getClaim(port);
    if (claim && 'cameraId' in claim.value && claim.value.cameraId === cameraId) {
      await casOrUndefined(() =>
        this.ports.delete(portKey(port), { previousSeq: claim.revision }).then(() => 0),
      );
    }
  }
}

async function casOrUndefined(write: () => Promise<number>): Promise<number | undefined> {
  try {
    return await write();
  } catch (err) {
    if (isCasConflict(err)) return undefined;
    throw err;
  }
}
