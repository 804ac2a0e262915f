import { z } from 'zod';

/**
 * Every setting of the agent, once: its key in the config file, its `AGENT_` variable and its
 * `--flag` derive from the name (`natsUrl` ↔ AGENT_NATS_URL ↔ --nats-url). Values from the file
 * may be JSON numbers and booleans; from env and flags they are strings, hence the coercions.
 */
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = () =>
  z.union([
    z.boolean(),
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  ]);
const size = () =>
  z
    .string()
    .regex(/^\d{2,4}x\d{2,4}$/, 'WIDTHxHEIGHT, e.g. 1280x720')
    .transform((v) => {
      const [width, height] = v.split('x').map(Number) as [number, number];
      return { width, height };
    })
    .refine((s) => s.width % 2 === 0 && s.height % 2 === 0, 'width and height must be even')
    .refine((s) => s.width >= 64 && s.height >= 64, 'at least 64x64');
const url = (schemes: string[]) =>
  z.string().refine((v) => v.split(',').every((u) => schemes.some((s) => u.trim().startsWith(`${s}://`))), {
    message: `URLs starting with ${schemes.map((s) => `${s}://`).join(' or ')}`,
  });

export const configFields = {
  natsUrl: url(['nats', 'tls']).default('nats://127.0.0.1:4222'),
  natsUser: z.string().min(1).optional(),
  natsPassword: z.string().min(1).optional(),
  natsToken: z.string().min(1).optional(),
  /** A camera credential (`.creds`: user JWT + seed); enrolment writes one into the state dir. */
  natsCreds: z.string().min(1).optional(),
  /**
   * An enrolment token from the administrator (`desk-onvif enrolment issue`): used once to enrol,
   * after which the camera's own credential in the state directory is used. A secret, never logged.
   */
  enrollmentToken: z.string().min(1).optional(),
  /** The site CA (PEM file) the NATS server's certificate must chain to. */
  natsCa: z.string().min(1).optional(),
  /** Replaces the machine id in the identity: cloned VMs sharing one, or several cameras on one host. */
  hostId: z
    .string()
    .regex(/^[A-Za-z0-9{}._:-]{1,128}$/, 'letters, digits and {}._:- only, at most 128')
    .optional(),
  /** The host label shown to people; the computer's name by default. */
  hostName: z
    .string()
    .min(1)
    .max(255)
    .refine((v) => ![...v].some((c) => c < ' ' || c === '\u007f'), 'no control characters')
    .optional(),
  /** shared: one camera per PC; per-user: one per user session (DESIGN.md, "Identity"). */
  mode: z.enum(['shared', 'per-user']).default('shared'),
  /** desktop | monitor:N | region:X,Y,WxH | window:TITLE | test-pattern */
  source: z
    .string()
    .regex(
      /^(desktop|test-pattern|monitor:\d{1,2}|region:\d{1,5},\d{1,5},\d{2,5}x\d{2,5}|window:.+)$/,
      'desktop, monitor:N, region:X,Y,WxH, window:TITLE or test-pattern',
    )
    .default('desktop'),
  /** Windows: ddagrab (Desktop Duplication) or gdigrab. */
  grabber: z.enum(['ddagrab', 'gdigrab']).default('ddagrab'),
  /** Linux: the X display to capture; $DISPLAY, else :0. */
  display: z
    .string()
    .regex(/^[A-Za-z0-9.-]*:\d+(\.\d+)?$/, 'an X display such as :0')
    .optional(),
  drawMouse: bool().default(true),
  encoder: z.enum(['auto', 'libx264', 'h264_nvenc', 'h264_qsv', 'h264_amf']).default('auto'),
  /** Encoding: unset values come from the camera record the registry keeps (ONVIF can change it). */
  fps: int(1, 60).optional(),
  mainSize: size().optional(),
  subSize: size().optional(),
  mainBitrateKbps: int(64, 100_000).optional(),
  subBitrateKbps: int(64, 100_000).optional(),
  gop: int(1, 600).optional(),
  /**
   * The PC's sound in the stream: `auto` (on where a loopback device exists), `on` (wait for the
   * device if there is none yet), `off`.
   */
  audio: z.enum(['auto', 'on', 'off']).default('auto'),
  /**
   * The loopback device: Linux a PulseAudio/PipeWire source (default: the monitor of the default
   * sink), Windows a DirectShow audio device (default: the first loopback one, e.g. "Stereo Mix").
   */
  audioDevice: z.string().min(1).max(300).optional(),
  /** A microphone mixed into the sound, by the same kind of name (`devices` lists them). */
  microphone: z.string().min(1).max(300).optional(),
  /** The codec until ONVIF sets one: AAC-LC, or G.711 μ-law (pcmu) for NVRs that need it. */
  audioCodec: z.enum(['aac', 'pcmu']).default('aac'),
  /** Audio in the sub stream's session too (ONVIF can change it). */
  audioOnSub: bool().default(false),
  /** While the audio device is lost, how often to look for it: it is added back when it returns. */
  audioPollMs: int(200, 600_000).default(5000),
  /**
   * Otherwise, how often to look at the audio devices anyway. Sooner on Linux, where the sound
   * server's events (`pactl subscribe`) say when a source comes or goes, and wherever ffmpeg reports
   * an error on its audio input.
   */
  audioIdlePollMs: int(1000, 3_600_000).default(30_000),
  /**
   * The same while the sound server's events are heard (Linux: `pactl subscribe` running): they say
   * when a source comes or goes, so the look is only a safety net. Each look runs an ffmpeg listing
   * (~0.07 s of CPU): every 30 s that was ~0.25 % of a core, a quarter of what the agent may use.
   */
  audioListeningPollMs: int(1000, 3_600_000).default(300_000),
  /** MediaMTX's RTSP address, where both streams are published; `rtsps://` (port 8322): over TLS. */
  mediaUrl: url(['rtsp', 'rtsps']).default('rtsp://127.0.0.1:8554'),
  /** Publish the sub stream elsewhere (a second MediaMTX); the main one's by default. */
  subMediaUrl: url(['rtsp', 'rtsps']).optional(),
  /** The CA (PEM file) that signed the media server's RTSPS certificate: the site CA. */
  mediaCa: z.string().min(1).optional(),
  /** The host NVRs use for ONVIF, for `status`; the media host by default. */
  onvifHost: z.string().min(1).optional(),
  onvifUser: z
    .string()
    .regex(/^[A-Za-z0-9._@-]{1,64}$/, 'letters, digits and ._@- only')
    .optional(),
  onvifPassword: z.string().min(8, 'at least 8 characters').max(128).optional(),
  ffmpegPath: z.string().min(1).optional(),
  stateDir: z.string().min(1).optional(),
  /**
   * Where the camera credential is kept (`nats/`): the state directory, but in Windows shared mode
   * `%ProgramData%\desk-onvif`, machine-wide (`desk-onvif-agent enrol` as administrator writes it).
   */
  credentialDir: z.string().min(1).optional(),
  /** Local /metrics and /status, loopback only; 0 disables them. */
  metricsPort: int(0, 65535).default(9120),
  heartbeatMs: int(200, 600_000).default(5000),
  stallTimeoutMs: int(1000, 600_000).default(10_000),
  backoffInitialMs: int(10, 600_000).default(1000),
  backoffMaxMs: int(10, 3_600_000).default(30_000),
  snapshotEverySeconds: int(1, 60).default(2),
  /** Desktop activity as ONVIF motion: a small copy of the capture compared frame to frame. */
  activityDetection: bool().default(true),
  /** Grey levels (of 255) a pixel of the 64x36 copy must move by to count. */
  activityThreshold: int(1, 255).default(16),
  /** Motion stays on this long after the last change, so typing does not flap. */
  activityHoldMs: int(200, 600_000).default(5000),
  /** Report the session's lock and unlock (Windows session notifications, Linux logind). */
  sessionMonitor: bool().default(true),
  registerRetryMs: int(100, 600_000).default(5000),
  /** How often to ask the onvif service again for the camera's first ONVIF credentials. */
  onvifRetryMs: int(100, 3_600_000).default(30_000),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
};

export type FieldName = keyof typeof configFields;

/** Values never echoed in an error message or a log. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'natsPassword',
  'natsToken',
  'onvifPassword',
  'enrollmentToken',
]);

export function envName(field: string): string {
  return `AGENT_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

export function flagName(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
