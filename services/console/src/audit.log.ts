import { randomBytes } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import { AuditEntrySchema, encodeJson, type AuditEntry } from '@desk-onvif/contracts';
import { decodeEntry } from '@desk-onvif/service-kit';
import { clientAddress, type ConsoleRequest } from './http.types.js';

export type AuditInput = Omit<AuditEntry, 'schema' | 'at'>;

/** Secrets never enter the audit log, whatever a caller puts in `detail`. */
const SECRET_FIELD = /pass|secret|token|key|hash|csrf/i;

/** The audit log in KV `console-audit`: one entry per key, keys ordered by time. */
export class AuditLog {
  constructor(
    readonly kv: KV,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(input: AuditInput): Promise<AuditEntry> {
    const at = this.now();
    const entry: AuditEntry = AuditEntrySchema.parse({
      schema: 1,
      at: at.toISOString(),
      ...input,
      ...(input.detail ? { detail: redact(input.detail) } : {}),
    });
    const key = `${String(at.getTime()).padStart(15, '0')}.${randomBytes(6).toString('hex')}`;
    await this.kv.put(key, encodeJson(entry));
    return entry;
  }

  /** The newest entries first. */
  async latest(limit: number): Promise<AuditEntry[]> {
    const keys: string[] = [];
    for await (const k of await this.kv.keys()) keys.push(k);
    keys.sort().reverse();
    const out: AuditEntry[] = [];
    for (const k of keys.slice(0, limit)) {
      const e = await this.kv.get(k);
      if (e && e.operation === 'PUT') out.push(decodeEntry(AuditEntrySchema, e.value));
    }
    return out;
  }
}

export function redact(detail: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(detail)) {
    if (SECRET_FIELD.test(k)) out[k] = '(redacted)';
    else if (v && typeof v === 'object' && !Array.isArray(v)) out[k] = redact(v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

/** Runs a change and writes who did what to what, and how it ended, to the audit log. */
export async function auditedCall<T>(
  audit: AuditLog,
  req: ConsoleRequest,
  action: string,
  target: string | undefined,
  detail: unknown,
  fn: () => Promise<T>,
): Promise<T> {
  const base = {
    actor: req.session?.username ?? 'anonymous',
    address: clientAddress(req),
    action,
    ...(target !== undefined ? { target } : {}),
    ...(detail && typeof detail === 'object' ? { detail: detail as Record<string, unknown> } : {}),
  };
  try {
    const out = await fn();
    await audit.record({ ...base, outcome: 'ok' });
    return out;
  } catch (err) {
    const error = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    await audit.record({ ...base, outcome: 'failed', error });
    throw err;
  }
}
