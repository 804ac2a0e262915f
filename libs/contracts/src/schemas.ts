import { z } from 'zod';

/**
 * Payload schemas of every NATS message and KV value. Both ends validate with these: the sender
 * before it sends, the receiver before it acts.
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

export const StreamSettingsSchema = z
  .object({
    width: z.int().min(64).max(7680),
    height: z.int().min(64).max(4320),
    fps: z.int().min(1).max(60),
    bitrateKbps: z.int().min(64).max(100_000),
    gop: z.int().min(1).max(600),
  })
  .strict();
export type StreamSettings = z.infer<typeof StreamSettingsSchema>;

/**
 * The audio of a camera that has an audio device (the PC's loopback): AAC-LC (48, 32 or 16 kHz) or
 * G.711 μ-law (8 kHz, 64 kbit/s), in the RTSP session of the main stream and, if `sub`, the sub
 * stream's too. Absent from a camera's settings: the camera has no audio.
 */
export const AudioSettingsSchema = z
  .object({
    codec: z.enum(['aac', 'pcmu']),
    bitrateKbps: z.int().min(16).max(320),
    sampleRate: z.union([z.literal(8000), z.literal(16000), z.literal(32000), z.literal(48000)]),
    main: z.boolean(),
    sub: z.boolean(),
  })
  .strict()
  .refine((a) => a.codec !== 'pcmu' || (a.sampleRate === 8000 && a.bitrateKbps === 64), {
    message: 'G.711 μ-law is 8 kHz at 64 kbit/s',
  })
  .refine((a) => a.codec !== 'aac' || a.sampleRate !== 8000, { message: 'AAC at 16, 32 or 48 kHz' });
export type AudioSettings = z.infer<typeof AudioSettingsSchema>;

export const DEFAULT_AUDIO_SETTINGS: AudioSettings = {
  codec: 'aac',
  bitrateKbps: 96,
  sampleRate: 48000,
  main: true,
  sub: false,
};

/**
 * ONVIF imaging (ver20 ImagingSettings20) as the agent applies it to the capture with ffmpeg's eq
 * and unsharp filters: each 0-100, 50 leaves the picture as captured.
 */
export const ImagingSettingsSchema = z
  .object({
    brightness: z.number().min(0).max(100),
    contrast: z.number().min(0).max(100),
    saturation: z.number().min(0).max(100),
    sharpness: z.number().min(0).max(100),
  })
  .strict();
export type ImagingSettings = z.infer<typeof ImagingSettingsSchema>;

export const NEUTRAL_IMAGING: ImagingSettings = {
  brightness: 50,
  contrast: 50,
  saturation: 50,
  sharpness: 50,
};

/**
 * Plain text an OSD may show: letters, digits, spaces and common punctuation. Not `'`, `\`, `:`,
 * `%`, brackets or semicolons, which ffmpeg's filter syntax would read (libs/ffmpeg-args).
 */
export const OSD_TEXT = /^[\p{L}\p{N} .,_#/()@+!?&*=-]{1,64}$/u;
export const MAX_OSDS = 4;

/**
 * One ONVIF text overlay (tt:OSDConfiguration of Type Text) burned into the capture by the agent
 * (ffmpeg drawtext): `Plain` shows `plainText`, `DateAndTime` the agent's local clock
 * (yyyy-MM-dd HH:mm:ss). Position as ONVIF names it; `Custom` places the text's upper-left corner
 * at (`x`, `y`), ONVIF's normalised coordinates (-1 left/bottom … 1 right/top). `fontSize` in
 * pixels of the main stream (in proportion on the sub). White text on a dark box, so that it reads on any desktop.
 */
export const OsdSchema = z
  .object({
    token: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    kind: z.enum(['Plain', 'DateAndTime']),
    plainText: z.string().regex(OSD_TEXT).optional(),
    position: z.enum(['UpperLeft', 'UpperRight', 'LowerLeft', 'LowerRight', 'Custom']),
    x: z.number().min(-1).max(1).optional(),
    y: z.number().min(-1).max(1).optional(),
    fontSize: z.int().min(8).max(128),
  })
  .strict()
  .refine((o) => o.kind !== 'Plain' || o.plainText !== undefined, { message: 'a Plain OSD needs PlainText' })
  .refine((o) => o.position !== 'Custom' || (o.x !== undefined && o.y !== undefined), {
    message: 'a Custom position needs Pos x and y',
  });
export type Osd = z.infer<typeof OsdSchema>;

/**
 * What the agent captures, as an administrator sets it (the console, `desk-onvif cameras settings
 * --source`): the whole desktop, one monitor (by the index `desk-onvif-agent monitors` lists), a
 * region of the desktop (virtual-desktop pixels), or a window by its title. Absent from a camera's
 * settings: the source of the agent's own configuration (AGENT_SOURCE).
 */
export const CaptureSourceSettingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('desktop') }).strict(),
  z.object({ kind: z.literal('monitor'), index: z.int().min(0).max(31) }).strict(),
  z
    .object({
      kind: z.literal('region'),
      x: z.int().min(-32768).max(32767),
      y: z.int().min(-32768).max(32767),
      width: z.int().min(16).max(16384),
      height: z.int().min(16).max(16384),
    })
    .strict(),
  z
    .object({
      kind: z.literal('window'),
      title: z
        .string()
        .min(1)
        .max(256)
        .regex(/^[^\0\r\n]+$/),
    })
    .strict(),
]);
export type CaptureSourceSetting = z.infer<typeof CaptureSourceSettingSchema>;

/** What the agent encodes with; `imaging` absent means the picture as captured. */
export const EncoderSettingsSchema = z
  .object({
    main: StreamSettingsSchema,
    sub: StreamSettingsSchema,
    imaging: ImagingSettingsSchema.optional(),
    audio: AudioSettingsSchema.optional(),
    /** Text overlays, in drawing order; absent or empty: none. */
    osd: z
      .array(OsdSchema)
      .max(MAX_OSDS)
      .refine((l) => new Set(l.map((o) => o.token)).size === l.length, { message: 'OSD tokens are unique' })
      .optional(),
    /** What is captured; absent: the agent's configured source. */
    source: CaptureSourceSettingSchema.optional(),
  })
  .strict();
export type EncoderSettings = z.infer<typeof EncoderSettingsSchema>;

export const DEFAULT_ENCODER_SETTINGS: EncoderSettings = {
  main: { width: 1920, height: 1080, fps: 15, bitrateKbps: 4000, gop: 30 },
  sub: { width: 640, height: 360, fps: 15, bitrateKbps: 512, gop: 30 },
};

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
