import { z } from 'zod';
import { EncoderSettingsSchema } from './settings.schemas.js';

/**
 * Payload schemas of every NATS message and KV value. Both ends validate with these: the sender
 * before it sends, the receiver before it acts. A camera's encoder settings: settings.schemas.ts.
 */

const idPart = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9{}._:-]+$/, 'letters, digits and {}._:- only');
const label = z
  .string()
  .min(1)
  .max(255)
  .refine((v) => ![...v].some((c) => c < ' ' || c === '\u007f'), 'no control characters');

export const CameraModeSchema = z.enum(['shared', 'per-user']);
export const PlatformSchema = z.enum(['win32', 'linux', 'darwin']);

export const IdentitySchema = z
  .object({
    hostId: idPart,
    hostName: label,
    mode: CameraModeSchema,
    userId: idPart.optional(),
    userName: label.optional(),
  })
  .strict()
  .refine((v) => v.mode === 'shared' || v.userId !== undefined, {
    message: 'required when mode is per-user',
    path: ['userId'],
  });
export type Identity = z.infer<typeof IdentitySchema>;

export const AgentInfoSchema = z
  .object({
    version: z.string().min(1).max(64),
    platform: PlatformSchema,
  })
  .strict();

/** A configurable ONVIF scope (SetScopes): one URI with a scheme, no whitespace (Scopes lists are whitespace-separated). */
export const ScopeUriSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/);
/** Configurable scopes a camera keeps at most (AddScopes past it: TooManyScopes). */
export const MAX_CONFIGURABLE_SCOPES = 16;

const port = z.int().min(1).max(65535);
const cameraId = z.uuid();
const isoTime = z.iso.datetime();

export const CameraRecordSchema = z
  .object({
    schema: z.literal(1),
    id: cameraId,
    identityKey: z.string().min(1).max(300),
    mode: CameraModeSchema,
    hostId: idPart,
    hostName: label,
    userId: idPart.optional(),
    userName: label.optional(),
    name: label,
    nameSetByAdmin: z.boolean(),
    onvifPort: port,
    portSetByAdmin: z.boolean(),
    /** Which onvif node serves this camera; one node today, several later without a migration. */
    node: z.string().min(1).max(64),
    paths: z.object({ main: z.string().min(1), sub: z.string().min(1) }).strict(),
    mac: z.string().regex(/^02(:[0-9a-f]{2}){5}$/),
    serial: z.string().min(1).max(64),
    /** RTSP publish credentials of the agent; redacted in every reply but the agent's own registration. */
    publish: z.object({ user: z.string().min(1), password: z.string() }).strict(),
    settings: EncoderSettingsSchema,
    discoveryMode: z.enum(['Discoverable', 'NonDiscoverable']),
    /** Configurable ONVIF scopes a client set (SetScopes…); absent: `name/` and `location/` of the camera (contracts' scopes.ts). */
    scopes: z.array(ScopeUriSchema).max(MAX_CONFIGURABLE_SCOPES).optional(),
    online: z.boolean(),
    agent: AgentInfoSchema.optional(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .strict();
export type CameraRecord = z.infer<typeof CameraRecordSchema>;

/** KV `ports`, key `onvif.<port>`: who holds the port, or why nobody may. */
export const PortClaimSchema = z.union([
  z.object({ cameraId, at: isoTime }).strict(),
  z.object({ blocked: z.literal(true), reason: z.string().max(500), at: isoTime, until: isoTime }).strict(),
]);
export type PortClaim = z.infer<typeof PortClaimSchema>;

export const ErrorBodySchema = z.object({ code: z.string().min(1), message: z.string() }).strict();

/** Every reply is `{ ok: true, ... }` or `{ ok: false, error: { code, message } }`. */
export function replyOf<T extends z.ZodRawShape>(shape: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), ...shape }).strict(),
    z.object({ ok: z.literal(false), error: ErrorBodySchema }).strict(),
  ]);
}

export const RegisterRequestSchema = z
  .object({ identity: IdentitySchema, agent: AgentInfoSchema.optional() })
  .strict();
export type RegisterRequest = z.infer<typeof RegisterRequestSchema>;

export const CameraReplySchema = replyOf({ camera: CameraRecordSchema });
export type CameraReply = z.infer<typeof CameraReplySchema>;

export const GetRequestSchema = z.object({ id: cameraId }).strict();
export const RemoveRequestSchema = GetRequestSchema;
export const RemoveReplySchema = replyOf({ id: cameraId });

export const ListRequestSchema = z
  .object({
    limit: z.int().min(1).max(1000).default(100),
    /** Opaque: the `nextCursor` of the previous page. */
    cursor: z.string().max(100).optional(),
  })
  .strict();
export type ListRequest = z.infer<typeof ListRequestSchema>;
export const ListReplySchema = replyOf({
  cameras: z.array(CameraRecordSchema),
  total: z.int().min(0),
  nextCursor: z.string().optional(),
});

export const CameraPatchSchema = z
  .object({
    name: label.optional(),
    onvifPort: port.optional(),
    settings: EncoderSettingsSchema.optional(),
    discoveryMode: z.enum(['Discoverable', 'NonDiscoverable']).optional(),
    scopes: z.array(ScopeUriSchema).max(MAX_CONFIGURABLE_SCOPES).optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'the patch changes nothing' });
export type CameraPatch = z.infer<typeof CameraPatchSchema>;
export const UpdateRequestSchema = z.object({ id: cameraId, patch: CameraPatchSchema }).strict();

/** onvif → registry: a camera's port could not be bound on a node. */
export const PortUnusableSchema = z
  .object({ id: cameraId, port, reason: z.string().min(1).max(500), node: z.string().max(64).optional() })
  .strict();
export type PortUnusable = z.infer<typeof PortUnusableSchema>;

/** Events published by the registry on `registry.event`. */
export const RegistryEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('camera.port-moved'), id: cameraId, from: port, to: port, reason: z.string() }),
  z.object({ type: z.literal('camera.online'), id: cameraId }),
  z.object({ type: z.literal('camera.offline'), id: cameraId }),
  z.object({ type: z.literal('camera.removed'), id: cameraId }),
]);
export type RegistryEvent = z.infer<typeof RegistryEventSchema>;

export const AudioStateSchema = z
  .object({
    state: z.enum(['streaming', 'lost', 'off', 'unavailable']),
    device: z.string().max(300).optional(),
    codec: z.enum(['aac', 'pcmu']).optional(),
    detail: z.string().max(500).optional(),
  })
  .strict();
export type AudioState = z.infer<typeof AudioStateSchema>;

export const HeartbeatSchema = z
  .object({
    state: z.enum(['starting', 'streaming', 'stalled', 'restarting', 'stopped', 'error']),
    fps: z.number().min(0).max(1000),
    bitrateKbps: z.number().min(0).max(1_000_000),
    encoder: z.string().max(64),
    uptimeS: z.number().min(0),
    errors: z.int().min(0).optional(),
    /**
     * The audio: `streaming` in the stream, `lost` (the device went away: video goes on, audio
     * comes back with the device), `off` (not wanted), `unavailable` (no loopback device).
     */
    audio: AudioStateSchema.optional(),
    at: isoTime,
  })
  .strict();
export type Heartbeat = z.infer<typeof HeartbeatSchema>;

export const CameraEventSchema = z
  .object({
    type: z.enum([
      'desktop.activity',
      'session.locked',
      'session.unlocked',
      'capture.started',
      'capture.stopped',
    ]),
    at: isoTime,
    /** desktop.activity: true when the picture starts changing beyond the threshold, false after the hold time. */
    active: z.boolean().optional(),
    detail: z.string().max(1000).optional(),
  })
  .strict()
  .refine((e) => e.type !== 'desktop.activity' || e.active !== undefined, {
    message: 'desktop.activity says whether the desktop is active',
    path: ['active'],
  });
export type CameraEvent = z.infer<typeof CameraEventSchema>;

/** agent → registry: the encoding it streams (`registry.camera.<id>.settings`). */
export const ReportSettingsSchema = z.object({ settings: EncoderSettingsSchema }).strict();

export const SettingsRequestSchema = z.object({ settings: EncoderSettingsSchema }).strict();
export const SettingsReplySchema = replyOf({ settings: EncoderSettingsSchema });

export const SnapshotRequestSchema = z.object({ stream: z.enum(['main', 'sub']).default('main') }).strict();
/** The JPEG travels base64-encoded so that the reply stays JSON like every other. */
export const SnapshotReplySchema = replyOf({
  contentType: z.literal('image/jpeg'),
  jpegBase64: z.string().min(1),
  at: isoTime,
});

export const OnvifUsernameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and ._@- only');

/**
 * agent → onvif: the camera's first ONVIF credentials. When the camera has no ONVIF user yet, an
 * Administrator is created with the agent's configured username and password, or with a generated
 * password when the agent has none (never a fixed default). Once users exist this changes nothing.
 */
export const CredentialsBootstrapSchema = z
  .object({
    id: cameraId,
    username: OnvifUsernameSchema.optional(),
    password: z.string().min(8).max(128).optional(),
  })
  .strict()
  .refine((v) => (v.username === undefined) === (v.password === undefined), {
    message: 'username and password go together',
    path: ['password'],
  });
export type CredentialsBootstrap = z.infer<typeof CredentialsBootstrapSchema>;
/** `password` only when it was generated by this call: the one moment it can be shown. */
export const CredentialsBootstrapReplySchema = replyOf({
  username: OnvifUsernameSchema,
  created: z.boolean(),
  password: z.string().optional(),
});

export const OnvifUserLevelSchema = z.enum(['Administrator', 'Operator', 'User']);
export type OnvifUserLevel = z.infer<typeof OnvifUserLevelSchema>;

/**
 * One ONVIF user of one camera, inside its OnvifUserSet. The password is sealed with AES-256-GCM
 * under the onvif service's key (never stored in the clear); `userKey(cameraId, username)` is its
 * additional data, so a sealed password cannot be moved to another user or camera. (Before the user
 * set, each record was a KV key of its own, `userKey(cameraId, username)`: the onvif service
 * folds such keys into the set at start-up.)
 */
export const OnvifUserRecordSchema = z
  .object({
    schema: z.literal(1),
    cameraId,
    username: OnvifUsernameSchema,
    level: OnvifUserLevelSchema,
    password: z
      .object({
        alg: z.literal('A256GCM'),
        iv: z.base64(),
        tag: z.base64(),
        data: z.base64(),
      })
      .strict(),
    /** True when the service generated the password (no agent or administrator chose it). */
    generated: z.boolean(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .strict();
export type OnvifUserRecord = z.infer<typeof OnvifUserRecordSchema>;

/**
 * KV `users`, key = camera id: all the ONVIF users of one camera in one value, so that each change
 * is one compare-and-set on the revision and no interleaving of changes can leave the camera
 * without an Administrator (ONVIF Core 8.4.5).
 */
export const OnvifUserSetSchema = z
  .object({
    schema: z.literal(2),
    cameraId,
    users: z.array(OnvifUserRecordSchema).max(64),
  })
  .strict()
  .refine((v) => v.users.every((u) => u.cameraId === v.cameraId), {
    message: "every user's cameraId is the set's",
    path: ['users'],
  });
export type OnvifUserSet = z.infer<typeof OnvifUserSetSchema>;

/** KV `profiles`, key = camera id: the media profiles clients created (Synology's CreateProfile). */
export const OnvifProfileSetSchema = z
  .object({
    schema: z.literal(1),
    cameraId,
    profiles: z
      .array(
        z
          .object({
            token: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
            name: z.string().min(1).max(64),
          })
          .strict(),
      )
      .max(16),
  })
  .strict();
export type OnvifProfileSet = z.infer<typeof OnvifProfileSetSchema>;
