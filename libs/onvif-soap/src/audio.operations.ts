import { AudioSettingsSchema, type AudioSettings, type CameraRecord } from '@desk-onvif/contracts';
import {
  AudioTokens,
  audioEncoder2ConfigXml,
  audioEncoder2OptionsXml,
  audioEncoderConfigXml,
  audioEncoderOptionsXml,
  audioOf,
  audioSourceConfigXml,
  audioSourceOptionsXml,
  audioSourceXml,
  audioUseCount,
} from './audio.xml.js';
import type { Operation, OperationContext, OperationResult, ServiceName } from './operation.types.js';
import { streamOfProfile, type StreamName } from './profiles.js';
import { Faults } from './soap.fault.js';
import { attr, child, children, textAt } from './xml.js';

/**
 * Audio operations of Media ver10 and Media2: the audio source, its configuration and the
 * encoder's, their options, SetAudioEncoderConfiguration (forwarded to the agent as settings, like
 * video), and audio added to or removed from a profile (the stream's session carries it or not).
 * A camera without audio answers empty lists, and NoConfig for a token.
 */

function hasAudio(camera: CameraRecord): AudioSettings {
  const a = audioOf(camera);
  if (!a) throw Faults.invalidArgVal('NoConfig', 'this camera has no audio (no loopback device on its PC)');
  return a;
}

function checkToken(token: string | undefined, expected: string): void {
  if (token !== undefined && token !== expected)
    throw Faults.invalidArgVal('NoConfig', `no configuration "${token}"`);
}

function streamOf(ctx: OperationContext): StreamName {
  const token = textAt(ctx.request, 'ProfileToken') ?? '';
  const stream = streamOfProfile(token, ctx.extraProfiles);
  if (!stream) throw Faults.invalidArgVal('NoProfile', `no profile "${token}"`);
  return stream;
}

/** The settings with audio on or off for the profile's stream (both off: no audio in any session). */
function onProfile(ctx: OperationContext, on: boolean): OperationResult & { body: string } {
  const stream = streamOf(ctx);
  const a = hasAudio(ctx.camera);
  return {
    body: '',
    effect: { kind: 'settings', settings: { ...ctx.camera.settings, audio: { ...a, [stream]: on } } },
  };
}

const ENCODINGS: Record<string, AudioSettings['codec']> = {
  G711: 'pcmu',
  PCMU: 'pcmu',
  AAC: 'aac',
  'MP4A-LATM': 'aac',
  'MPEG4-GENERIC': 'aac',
};

/** The audio settings a SetAudioEncoderConfiguration asks for, checked as the agent will. */
function requestedAudio(ctx: OperationContext): AudioSettings {
  const current = hasAudio(ctx.camera);
  const config = child(ctx.request, 'Configuration');
  checkToken(attr(config, 'token') ?? '', AudioTokens.encoder);
  const encoding = textAt(config, 'Encoding');
  const codec = encoding === undefined ? current.codec : ENCODINGS[encoding.toUpperCase()];
  if (!codec) throw Faults.invalidArgVal('ConfigModify', `encoding "${encoding}": G711 (PCMU) or AAC`);
  const num = (v: string | undefined) => {
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw Faults.invalidArgVal('ConfigModify', `"${v}" is not a number`);
    return Math.round(n);
  };
  const bitrate = num(textAt(config, 'Bitrate'));
  const khz = num(textAt(config, 'SampleRate'));
  // G.711 has one form; a client that sends 0 or leaves them out means "as the codec is".
  const next =
    codec === 'pcmu'
      ? { codec, bitrateKbps: bitrate || 64, sampleRate: (khz || 8) * 1000 }
      : {
          codec,
          bitrateKbps: bitrate || (current.codec === 'aac' ? current.bitrateKbps : 96),
          sampleRate: (khz || (current.codec === 'aac' ? current.sampleRate / 1000 : 48)) * 1000,
        };
  const checked = AudioSettingsSchema.safeParse({ ...current, ...next });
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw Faults.invalidArgVal(
      'ConfigModify',
      `${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'not a supported audio encoding'}`,
    );
  }
  return checked.data;
}

function op(
  service: ServiceName,
  name: string,
  access: Operation['access'],
  handle: Operation['handle'],
): Operation {
  return { service, name, access, handle };
}

const trt = (name: string, inner: string) =>
  inner ? `<trt:${name}Response>${inner}</trt:${name}Response>` : `<trt:${name}Response/>`;
const tr2 = (name: string, inner: string) =>
  inner ? `<tr2:${name}Response>${inner}</tr2:${name}Response>` : `<tr2:${name}Response/>`;

/** Media ver10 (trt). */
const media: Operation[] = [
  op('media', 'GetAudioSources', 'READ_MEDIA', ({ camera }) => ({
    body: trt('GetAudioSources', audioOf(camera) ? audioSourceXml('trt:AudioSources') : ''),
  })),
  ...(['GetAudioSourceConfigurations', 'GetCompatibleAudioSourceConfigurations'] as const).map((name) =>
    op('media', name, 'READ_MEDIA', (ctx) => {
      if (name.startsWith('GetCompatible')) streamOf(ctx);
      const n = audioUseCount(ctx.camera, ctx.extraProfiles);
      return { body: trt(name, audioOf(ctx.camera) ? audioSourceConfigXml('trt:Configurations', n) : '') };
    }),
  ),
  op('media', 'GetAudioSourceConfiguration', 'READ_MEDIA', (ctx) => {
    hasAudio(ctx.camera);
    checkToken(textAt(ctx.request, 'ConfigurationToken') ?? '', AudioTokens.sourceConfig);
    const n = audioUseCount(ctx.camera, ctx.extraProfiles);
    return { body: trt('GetAudioSourceConfiguration', audioSourceConfigXml('trt:Configuration', n)) };
  }),
  op('media', 'GetAudioSourceConfigurationOptions', 'READ_MEDIA', (ctx) => {
    hasAudio(ctx.camera);
    checkToken(textAt(ctx.request, 'ConfigurationToken'), AudioTokens.sourceConfig);
    if (textAt(ctx.request, 'ProfileToken')) streamOf(ctx);
    return { body: trt('GetAudioSourceConfigurationOptions', audioSourceOptionsXml('trt:Options')) };
  }),
  ...(['GetAudioEncoderConfigurations', 'GetCompatibleAudioEncoderConfigurations'] as const).map((name) =>
    op('media', name, 'READ_MEDIA', (ctx) => {
      if (name.startsWith('GetCompatible')) streamOf(ctx);
      const a = audioOf(ctx.camera);
      const n = audioUseCount(ctx.camera, ctx.extraProfiles);
      return { body: trt(name, a ? audioEncoderConfigXml('trt:Configurations', a, n) : '') };
    }),
  ),
  op('media', 'GetAudioEncoderConfiguration', 'READ_MEDIA', (ctx) => {
    const a = hasAudio(ctx.camera);
    checkToken(textAt(ctx.request, 'ConfigurationToken') ?? '', AudioTokens.encoder);
    const n = audioUseCount(ctx.camera, ctx.extraProfiles);
    return { body: trt('GetAudioEncoderConfiguration', audioEncoderConfigXml('trt:Configuration', a, n)) };
  }),
  op('media', 'GetAudioEncoderConfigurationOptions', 'READ_MEDIA', (ctx) => {
    hasAudio(ctx.camera);
    checkToken(textAt(ctx.request, 'ConfigurationToken'), AudioTokens.encoder);
    if (textAt(ctx.request, 'ProfileToken')) streamOf(ctx);
    return { body: trt('GetAudioEncoderConfigurationOptions', audioEncoderOptionsXml('trt:Options')) };
  }),
  op('media', 'SetAudioEncoderConfiguration', 'ACTUATE', (ctx) => ({
    body: trt('SetAudioEncoderConfiguration', ''),
    effect: { kind: 'settings', settings: { ...ctx.camera.settings, audio: requestedAudio(ctx) } },
  })),
  op('media', 'SetAudioSourceConfiguration', 'ACTUATE', (ctx) => {
    hasAudio(ctx.camera);
    const config = child(ctx.request, 'Configuration');
    checkToken(attr(config, 'token') ?? '', AudioTokens.sourceConfig);
    checkToken(textAt(config, 'SourceToken'), AudioTokens.source);
    return { body: trt('SetAudioSourceConfiguration', '') };
  }),
  ...(
    [
      ['AddAudioSourceConfiguration', AudioTokens.sourceConfig, true],
      ['AddAudioEncoderConfiguration', AudioTokens.encoder, true],
      ['RemoveAudioSourceConfiguration', undefined, false],
      ['RemoveAudioEncoderConfiguration', undefined, false],
    ] as const
  ).map(([name, token, on]) =>
    op('media', name, 'ACTUATE', (ctx) => {
      if (token) checkToken(textAt(ctx.request, 'ConfigurationToken') ?? '', token);
      return { ...onProfile(ctx, on), body: trt(name, '') };
    }),
  ),
];

/** Media2 (tr2): configurations by type, one Add/RemoveConfiguration for every kind. */
const media2: Operation[] = [
  op('media2', 'GetAudioSourceConfigurations', 'READ_MEDIA', (ctx) => {
    if (textAt(ctx.request, 'ProfileToken')) streamOf(ctx);
    const n = audioUseCount(ctx.camera, ctx.extraProfiles);
    const token = textAt(ctx.request, 'ConfigurationToken');
    if (token && audioOf(ctx.camera)) checkToken(token, AudioTokens.sourceConfig);
    return {
      body: tr2(
        'GetAudioSourceConfigurations',
        audioOf(ctx.camera) ? audioSourceConfigXml('tr2:Configurations', n) : '',
      ),
    };
  }),
  op('media2', 'GetAudioEncoderConfigurations', 'READ_MEDIA', (ctx) => {
    if (textAt(ctx.request, 'ProfileToken')) streamOf(ctx);
    const a = audioOf(ctx.camera);
    const token = textAt(ctx.request, 'ConfigurationToken');
    if (token && a) checkToken(token, AudioTokens.encoder);
    const n = audioUseCount(ctx.camera, ctx.extraProfiles);
    return {
      body: tr2('GetAudioEncoderConfigurations', a ? audioEncoder2ConfigXml('tr2:Configurations', a, n) : ''),
    };
  }),
  op('media2', 'GetAudioSourceConfigurationOptions', 'READ_MEDIA', (ctx) => {
    hasAudio(ctx.camera);
    return { body: tr2('GetAudioSourceConfigurationOptions', audioSourceOptionsXml('tr2:Options')) };
  }),
  op('media2', 'GetAudioEncoderConfigurationOptions', 'READ_MEDIA', (ctx) => {
    hasAudio(ctx.camera);
    return { body: tr2('GetAudioEncoderConfigurationOptions', audioEncoder2OptionsXml('tr2:Options')) };
  }),
  op('media2', 'SetAudioEncoderConfiguration', 'ACTUATE', (ctx) => ({
    body: tr2('SetAudioEncoderConfiguration', ''),
    effect: { kind: 'settings', settings: { ...ctx.camera.settings, audio: requestedAudio(ctx) } },
  })),
  // Media2 5.2.4/5.2.5: Configuration entries of Type and Token. Video types are the profile's
  // already (one source, its stream's encoder); audio types switch the stream's audio.
  ...(['AddConfiguration', 'RemoveConfiguration'] as const).map((name) =>
    op('media2', name, 'ACTUATE', (ctx) => {
      const stream = streamOf(ctx);
      const types = children(ctx.request, 'Configuration').map((c) => textAt(c, 'Type') ?? '');
      for (const t of types)
        if (!['VideoSource', 'VideoEncoder', 'AudioSource', 'AudioEncoder'].includes(t))
          throw Faults.invalidArgVal('ConfigurationConflict', `configuration type "${t}" is not supported`);
      if (name === 'RemoveConfiguration' && types.some((t) => t.startsWith('Video')))
        throw Faults.operationProhibited('ConfigurationConflict', 'a profile keeps its video configurations');
      if (!types.some((t) => t.startsWith('Audio'))) return { body: tr2(name, '') };
      void stream;
      return { ...onProfile(ctx, name === 'AddConfiguration'), body: tr2(name, '') };
    }),
  ),
];

export const audioOperations: Operation[] = [...media, ...media2];
