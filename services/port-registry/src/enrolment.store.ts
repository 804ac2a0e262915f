import type { KV } from '@nats-io/kv';
import {
  BindingRecordSchema,
  EnrolmentRecordSchema,
  encodeJson,
  type BindingRecord,
  type EnrolmentRecord,
} from '@desk-onvif/contracts';
import { decodeEntry, isCasConflict, type Versioned } from '@desk-onvif/service-kit';
import { z } from 'zod';

/** A revoked user public key (camera or enrolment token credential), kept until forever. */
export const RevocationSchema = z.object({ at: z.int(), reason: z.string() }).strict();
export type Revocation = z.infer<typeof RevocationSchema>;

const REVOKED = 'revoked.';

/**
 * KV `enrolments` (tokens, by id; the secret only as its SHA-256) and KV `bindings` (camera id →
 * the public key it enrolled with; `revoked.<public key>` → a revocation). Writes that could race
 * are compare-and-set; a lost race returns undefined, never throws.
 */
export class EnrolmentStore {
  constructor(
    readonly enrolments: KV,
    readonly bindings: KV,
  ) {}

  async getEnrolment(id: string): Promise<Versioned<EnrolmentRecord> | undefined> {
    const e = await this.enrolments.get(id);
    if (!e || e.operation !== 'PUT') return undefined;
    return { value: decodeEntry(EnrolmentRecordSchema, e.value), revision: e.revision };
  }

  createEnrolment(record: EnrolmentRecord): Promise<number | undefined> {
    return cas(() => this.enrolments.create(record.id, encodeJson(record)));
  }

  updateEnrolment(record: EnrolmentRecord, revision: number): Promise<number | undefined> {
    return cas(() => this.enrolments.update(record.id, encodeJson(record), revision));
  }

  async listEnrolments(): Promise<EnrolmentRecord[]> {
    const out: EnrolmentRecord[] = [];
    for await (const key of await this.enrolments.keys()) {
      const e = await this.getEnrolment(key);
      if (e) out.push(e.value);
    }
    return out;
  }

  async getBinding(cameraId: string): Promise<Versioned<BindingRecord> | undefined> {
    const e = await this.bindings.get(cameraId);
    if (!e || e.operation !== 'PUT') return undefined;
    return { value: decodeEntry(BindingRecordSchema, e.value), revision: e.revision };
  }

  createBinding(record: BindingRecord): Promise<number | undefined> {
    return cas(() => this.bindings.create(record.cameraId, encodeJson(record)));
  }

  updateBinding(record: BindingRecord, revision: number): Promise<number | undefined> {
    return cas(() => this.bindings.update(record.cameraId, encodeJson(record), revision));
  }

  async deleteBinding(cameraId: string, revision: number): Promise<boolean> {
    return (
      (await cas(() => this.bindings.delete(cameraId, { previousSeq: revision }).then(() => 0))) !== undefined
    );
  }

  async listBindings(): Promise<BindingRecord[]> {
    const out: BindingRecord[] = [];
    for await (const key of await this.bindings.keys()) {
      if (key.startsWith(REVOKED)) continue;
      const b = await this.getBinding(key);
      if (b) out.push(b.value);
    }
    return out;
  }

  async revoke(publicKey: string, revocation: Revocation): Promise<void> {
    await this.bindings.put(REVOKED + publicKey, encodeJson(revocation));
  }

  /** Every revoked public key → when (seconds): the account JWT's `revocations`. */
  async revocations(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for await (const key of await this.bindings.keys(`${REVOKED}*`)) {
      const e = await this.bindings.get(key);
      if (e?.operation === 'PUT') out[key.slice(REVOKED.length)] = decodeEntry(RevocationSchema, e.value).at;
    }
    return out;
  }
}

async function cas(write: () => Promise<number>): Promise<number | undefined> {
  try {
    return await write();
  } catch (err) {
    if (isCasConflict(err)) return undefined;
    throw err;
  }
}
