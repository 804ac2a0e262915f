import { z } from 'zod';

/**
 * A camera's encoder settings (KV `cameras`, in its record): the two streams, audio, imaging, text
 * overlays and the capture source, as an administrator or an ONVIF client sets them and the agent
 * applies them.
 */

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
