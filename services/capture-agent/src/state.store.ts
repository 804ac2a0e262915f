import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CameraRecordSchema, EncoderSettingsSchema } from '@desk-onvif/contracts';
import { writeFileAtomic } from './secret.file.js';

/**
 * What the agent keeps on disk between runs (DESIGN.md step 3): the last assignment, so that a
 * restart while NATS is down streams with it; encoder settings received from ONVIF; the camera's
 * first ONVIF credentials. It holds secrets (publish password, a generated ONVIF password), so the
 * file is its owner's only (`protectSecretFile`: 0600 on Linux, an ACL on Windows) in a 0700
 * directory.
 */
export const AgentStateSchema = z
  .object({
    version: z.literal(1),
    identityKey: z.string().min(1),
    camera: CameraRecordSchema,
    /** Settings from a `camera.<id>.settings` request, kept until the next one. */
    settings: EncoderSettingsSchema.optional(),
    onvif: z
      .object({
        username: z.string().min(1),
        /** The password the onvif service generated; absent when it came from the config. */
        password: z.string().optional(),
        source: z.enum(['generated', 'configured', 'existing']),
        at: z.iso.datetime(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type AgentState = z.infer<typeof AgentStateSchema>;

/** Written by a running agent so that `status` can find its local /status endpoint. */
export const RuntimeInfoSchema = z
  .object({ pid: z.int(), metricsPort: z.int().min(0).max(65535), startedAt: z.iso.datetime() })
  .strict();
export type RuntimeInfo = z.infer<typeof RuntimeInfoSchema>;

export class StateStore {
  constructor(readonly dir: string) {}

  get statePath(): string {
    return join(this.dir, 'state.json');
  }

  get runtimePath(): string {
    return join(this.dir, 'runtime.json');
  }

  /** The saved state, or undefined when there is none; a damaged file is reported, not fatal. */
  load(): { state?: AgentState; problem?: string } {
    return readJson(this.statePath, AgentStateSchema);
  }

  save(state: AgentState): void {
    writeFileAtomic(this.statePath, json(AgentStateSchema.parse(state)), { secret: true });
  }

  loadRuntime(): RuntimeInfo | undefined {
    return readJson(this.runtimePath, RuntimeInfoSchema).state;
  }

  saveRuntime(info: RuntimeInfo): void {
    writeFileAtomic(this.runtimePath, json(info));
  }

  clearRuntime(): void {
    rmSync(this.runtimePath, { force: true });
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function readJson<S extends z.ZodType>(path: string, schema: S): { state?: z.infer<S>; problem?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success
      ? { state: parsed.data }
      : { problem: `${path}: ${parsed.error.issues[0]?.message}` };
  } catch (err) {
    return { problem: `${path}: ${(err as Error).message}` };
  }
}
