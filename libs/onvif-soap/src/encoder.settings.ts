import { StreamSettingsSchema, type EncoderSettings, type StreamSettings } from '@desk-onvif/contracts';
import type { OperationContext } from './operation.types.js';
import { streamOfEncoder, type StreamName } from './profiles.js';
import { Faults } from './soap.fault.js';
import { child, textAt } from './xml.js';

/**
 * Encoder configuration from the client's side: the options offered (what the agent's ffmpeg
 * accepts, contracts' StreamSettings limits) and the settings a SetVideoEncoderConfiguration asks for.
 */

export function encoderOf(token: string | undefined): StreamName {
  const stream = streamOfEncoder(token ?? '');
  if (!stream) throw Faults.invalidArgVal('NoConfig', `no video encoder configuration "${token ?? ''}"`);
  return stream;
}

/** The settings a SetVideoEncoderConfiguration asks for, checked against what the agent can do. */
export function requestedSettings(ctx: OperationContext): EncoderSettings {
  const config = child(ctx.request, 'Configuration');
  const stream = encoderOf(config?.attrs.find((a) => a.local === 'token')?.value);
  const encoding = textAt(config, 'Encoding');
  if (encoding !== undefined && encoding !== 'H264') {
    throw Faults.invalidArgVal('ConfigModify', `only H264 is supported, not ${encoding}`);
  }
  const current = ctx.camera.settings[stream];
  const num = (v: string | undefined, fallback: number) => {
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isFinite(n)) throw Faults.invalidArgVal('ConfigModify', `"${v}" is not a number`);
    return Math.round(n);
  };
  const next: StreamSettings = {
    width: num(textAt(config, 'Resolution', 'Width'), current.width),
    height: num(textAt(config, 'Resolution', 'Height'), current.height),
    fps: num(textAt(config, 'RateControl', 'FrameRateLimit'), current.fps),
    bitrateKbps: num(textAt(config, 'RateControl', 'BitrateLimit'), current.bitrateKbps),
    gop: num(textAt(config, 'H264', 'GovLength'), current.gop),
  };
  const checked = StreamSettingsSchema.safeParse(next);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw Faults.invalidArgVal(
      'ConfigModify',
      `${String(issue?.path[0] ?? 'settings')}: ${issue?.message ?? 'out of range'}`,
    );
  }
  return { ...ctx.camera.settings, [stream]: checked.data };
}

/** tt:VideoEncoderConfigurationOptions for one stream: the ranges the agent's ffmpeg accepts. */
export function encoderOptionsXml(stream: StreamName, s: StreamSettings): string {
  const sizes =
    stream === 'main'
      ? [
          [s.width, s.height],
          [1920, 1080],
          [1280, 720],
        ]
      : [
          [s.width, s.height],
          [640, 360],
          [320, 180],
        ];
  const unique = sizes.filter((r, i) => sizes.findIndex((o) => o[0] === r[0] && o[1] === r[1]) === i);
  const resolutions = unique
    .map(
      ([w, h]) =>
        `<tt:ResolutionsAvailable><tt:Width>${w}</tt:Width><tt:Height>${h}</tt:Height></tt:ResolutionsAvailable>`,
    )
    .join('');
  const h264 =
    `${resolutions}<tt:GovLengthRange><tt:Min>1</tt:Min><tt:Max>600</tt:Max></tt:GovLengthRange>` +
    `<tt:FrameRateRange><tt:Min>1</tt:Min><tt:Max>60</tt:Max></tt:FrameRateRange>` +
    `<tt:EncodingIntervalRange><tt:Min>1</tt:Min><tt:Max>1</tt:Max></tt:EncodingIntervalRange>` +
    `<tt:H264ProfilesSupported>Main</tt:H264ProfilesSupported>`;
  return (
    `<trt:Options><tt:QualityRange><tt:Min>1</tt:Min><tt:Max>10</tt:Max></tt:QualityRange>` +
    `<tt:H264>${h264}</tt:H264><tt:Extension><tt:H264>${h264}` +
    `<tt:BitrateRange><tt:Min>64</tt:Min><tt:Max>100000</tt:Max></tt:BitrateRange></tt:H264></tt:Extension></trt:Options>`
  );
}
