import { z } from 'zod';

/**
 * The console's own KV buckets (accounts, sessions, audit log). Only the console's credential may
 * read or write them; no other service needs them.
 */
export const ConsoleBuckets = {
  /** key = username, value = ConsoleAccount */
  accounts: 'console-accounts',
  /** key = SHA-256 of the session id (hex): the id itself is never stored; value = ConsoleSession */
  sessions: 'console-sessions',
  /** key = `<ms since epoch, 15 digits>.<random>`: ordered by time; value = AuditEntry */
  audit: 'console-audit',
} as const;

export const ConsoleRoleSchema = z.enum(['admin', 'viewer']);
export type ConsoleRole = z.infer<typeof ConsoleRoleSchema>;

/** Console usernames are KV keys as they are. */
export const ConsoleUsernameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits and ._- only');

const isoTime = z.iso.datetime();

export const ConsoleAccountSchema = z
  .object({
    schema: z.literal(1),
    username: ConsoleUsernameSchema,
    role: ConsoleRoleSchema,
    /** Argon2id in PHC string form (`$argon2id$v=19$…`); the password itself is never stored. */
    passwordHash: z.string().startsWith('$argon2id$'),
    createdAt: isoTime,
    updatedAt: isoTime,
    createdBy: z.string().max(64),
  })
  .strict();
export type ConsoleAccount = z.infer<typeof ConsoleAccountSchema>;

export const ConsoleSessionSchema = z
  .object({
    schema: z.literal(1),
    username: ConsoleUsernameSchema,
    role: ConsoleRoleSchema,
    /** The CSRF token every change must carry in its X-CSRF-Token header. */
    csrf: z.string().min(32).max(128),
    address: z.string().max(64),
    createdAt: isoTime,
    expiresAt: isoTime,
  })
  .strict();
export type ConsoleSession = z.infer<typeof ConsoleSessionSchema>;

export const AuditEntrySchema = z
  .object({
    schema: z.literal(1),
    at: isoTime,
    actor: z.string().max(64),
    address: z.string().max(64),
    action: z.string().min(1).max(64),
    /** What was acted on: a camera id, a username… */
    target: z.string().max(200).optional(),
    /** What changed, without secrets. */
    detail: z.record(z.string(), z.unknown()).optional(),
    outcome: z.enum(['ok', 'refused', 'failed']),
    error: z.string().max(500).optional(),
  })
  .strict();
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** One of the doctor's seven checks of "the NVR cannot connect". */
export const DoctorCheckSchema = z
  .object({
    id: z.enum(['agent', 'addresses', 'mode', 'ports', 'onvif-port', 'rtsp', 'firewall']),
    title: z.string(),
    status: z.enum(['pass', 'warn', 'fail']),
    detail: z.string(),
    fix: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type DoctorCheckResult = z.infer<typeof DoctorCheckSchema>;

export const DoctorRequestSchema = z.object({ id: z.uuid() }).strict();
export const DoctorReplySchema = z.discriminatedUnion('ok', [
  z
    .object({ ok: z.literal(true), cameraId: z.uuid(), name: z.string(), checks: z.array(DoctorCheckSchema) })
    .strict(),
  z
    .object({
      ok: z.literal(false),
      error: z.object({ code: z.string().min(1), message: z.string() }).strict(),
    })
    .strict(),
]);
