import { StreamSettingsSchema, type EncoderSettings, type StreamSettings } from '@desk-onvif/contracts';
import { mediaServiceCapabilitiesXml, MAX_PROFILES } from './device.operations.js';
import type { Operation, OperationContext } from './operation.types.js';
import {
  encoderConfigXml,
  profileXml,
  profilesOf,
  snapshotUri,
  streamOfEncoder,
  streamOfProfile,
  streamUri,
  STREAMS,
  Tokens,
  useCounts,
  videoSourceConfigXml,
  videoSourceXml,
  type StreamName,
} from './profiles.js';
import { Faults } from './soap.fault.js';
import { child, esc, textAt } from './xml.js';

/** Media service ver10 (ONVIF Media Service Specification, media.wsdl). */

function profileOf(ctx: OperationContext): { token: string; stream: StreamName } {
  const token = textAt(ctx.request, 'ProfileToken') ?? '';
  const stream = streamOfProfile(token, ctx.extraProfiles);
  if (!stream) throw Faults.invalidArgVal('NoProfile', `no profile "${token}"`);
  return { token, stream };
}

function encoderOf(token: string | undefined): StreamName {
  const stream = streamOfEncoder(token ?? '');
  if (!stream) throw Faults.invalidArgVal('NoConfig', `no video encoder configuration "${token ?? ''}"`);
  return stream;
}

function mediaUriXml(tag: string, uri: string): string {
  return (
    `<${tag}><trt:MediaUri><tt:Uri>${esc(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
    `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></${tag}>`
  );
}

/** The settings a SetVideoEncoderConfiguration asks for, checked against what the agent can do. */
function requestedSettings(ctx: OperationContext): EncoderSettings {
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
function encoderOptionsXml(stream: StreamName, s: StreamSettings): string {
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

const empty = (name: string) => ({ body: `<trt:${name}Response/>` });

export const mediaOperations: Operation[] = [
  {
    service: 'media',
    name: 'GetServiceCapabilities',
    access: 'PRE_AUTH',
    handle: () => ({
      body: `<trt:GetServiceCapabilitiesResponse>${mediaServiceCapabilitiesXml('trt:Capabilities')}</trt:GetServiceCapabilitiesResponse>`,
    }),
  },
  {
    service: 'media',
    name: 'GetProfiles',
    access: 'READ_MEDIA',
    handle: (ctx) => ({
      body:
        `<trt:GetProfilesResponse>` +
        profilesOf(ctx.extraProfiles)
          .map((p) => profileXml('trt:Profiles', ctx.camera, p, ctx.extraProfiles))
          .join('') +
        `</trt:GetProfilesResponse>`,
    }),
  },
  {
    service: 'media',
    name: 'GetProfile',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      const { token } = profileOf(ctx);
      const p = profilesOf(ctx.extraProfiles).find((x) => x.token === token)!;
      return {
        body: `<trt:GetProfileResponse>${profileXml('trt:Profile', ctx.camera, p, ctx.extraProfiles)}</trt:GetProfileResponse>`,
      };
    },
  },
  {
    service: 'media',
    name: 'CreateProfile',
    access: 'ACTUATE',
    // Synology Surveillance Station creates `SynoProfile`; it is served by the main stream.
    handle: (ctx) => {
      const name = textAt(ctx.request, 'Name') ?? '';
      if (!name || name.length > 64)
        throw Faults.invalidArgVal('InvalidArgVal', 'Name must have 1-64 characters');
      const token =
        textAt(ctx.request, 'Token') || `profile_${name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)}`;
      // tt:ReferenceToken is at most 64 characters; a narrow alphabet keeps URLs and logs plain.
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(token)) {
        throw Faults.invalidArgVal('InvalidArgVal', 'Token must have 1-64 letters, digits or _.-');
      }
      if (profilesOf(ctx.extraProfiles).some((p) => p.token === token)) {
        throw Faults.invalidArgVal('ProfileExists', `profile "${token}" exists`);
      }
      if (profilesOf(ctx.extraProfiles).length >= MAX_PROFILES) {
        throw Faults.operationProhibited('MaxNVTProfiles', `at most ${MAX_PROFILES} profiles`);
      }
      const profile = { token, name };
      const extra = [...ctx.extraProfiles, profile];
      const view = { token, name, stream: 'main' as const, fixed: false };
      return {
        body: `<trt:CreateProfileResponse>${profileXml('trt:Profile', ctx.camera, view, extra)}</trt:CreateProfileResponse>`,
        effect: { kind: 'createProfile', profile },
      };
    },
  },
  {
    service: 'media',
    name: 'DeleteProfile',
    access: 'ACTUATE',
    handle: (ctx) => {
      const token = textAt(ctx.request, 'ProfileToken') ?? '';
      if (STREAMS.some((s) => Tokens.profile(s) === token)) {
        throw Faults.operationProhibited('DeletionOfFixedProfile', `profile "${token}" is fixed`);
      }
      if (!ctx.extraProfiles.some((p) => p.token === token))
        throw Faults.invalidArgVal('NoProfile', `no profile "${token}"`);
      return { body: `<trt:DeleteProfileResponse/>`, effect: { kind: 'deleteProfile', token } };
    },
  },
  // Synology adds the configurations to the profile it created; every profile has them already.
  ...(['AddVideoSourceConfiguration', 'AddVideoEncoderConfiguration'] as const).map((name): Operation => ({
    service: 'media',
    name,
    access: 'ACTUATE',
    handle: (ctx) => {
      profileOf(ctx);
      return empty(name);
    },
  })),
  {
    service: 'media',
    name: 'GetVideoSources',
    access: 'READ_MEDIA',
    handle: ({ camera }) => ({
      body: `<trt:GetVideoSourcesResponse>${videoSourceXml(camera)}</trt:GetVideoSourcesResponse>`,
    }),
  },
  {
    service: 'media',
    name: 'GetVideoSourceConfigurations',
    access: 'READ_MEDIA',
    handle: ({ camera, extraProfiles }) => ({
      body:
        `<trt:GetVideoSourceConfigurationsResponse>` +
        videoSourceConfigXml('trt:Configurations', camera, useCounts(extraProfiles).source) +
        `</trt:GetVideoSourceConfigurationsResponse>`,
    }),
  },
  {
    service: 'media',
    name: 'GetVideoSourceConfiguration',
    access: 'READ_MEDIA',
    handle: ({ camera, extraProfiles, request }) => {
      const token = textAt(request, 'ConfigurationToken');
      if (token !== Tokens.videoSourceConfig)
        throw Faults.invalidArgVal('NoConfig', `no configuration "${token ?? ''}"`);
      return {
        body:
          `<trt:GetVideoSourceConfigurationResponse>` +
          videoSourceConfigXml('trt:Configuration', camera, useCounts(extraProfiles).source) +
          `</trt:GetVideoSourceConfigurationResponse>`,
      };
    },
  },
  {
    service: 'media',
    name: 'GetVideoEncoderConfigurations',
    access: 'READ_MEDIA',
    handle: ({ camera, extraProfiles }) => {
      const n = useCounts(extraProfiles);
      return {
        body:
          `<trt:GetVideoEncoderConfigurationsResponse>` +
          STREAMS.map((s) => encoderConfigXml('trt:Configurations', s, camera.settings[s], n[s])).join('') +
          `</trt:GetVideoEncoderConfigurationsResponse>`,
      };
    },
  },
  {
    service: 'media',
    name: 'GetVideoEncoderConfiguration',
    access: 'READ_MEDIA',
    handle: ({ camera, extraProfiles, request }) => {
      const s = encoderOf(textAt(request, 'ConfigurationToken'));
      return {
        body:
          `<trt:GetVideoEncoderConfigurationResponse>` +
          encoderConfigXml('trt:Configuration', s, camera.settings[s], useCounts(extraProfiles)[s]) +
          `</trt:GetVideoEncoderConfigurationResponse>`,
      };
    },
  },
  {
    service: 'media',
    name: 'GetVideoEncoderConfigurationOptions',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      const configToken = textAt(ctx.request, 'ConfigurationToken');
      const stream = configToken
        ? encoderOf(configToken)
        : textAt(ctx.request, 'ProfileToken')
          ? profileOf(ctx).stream
          : 'main';
      return {
        body:
          `<trt:GetVideoEncoderConfigurationOptionsResponse>` +
          encoderOptionsXml(stream, ctx.camera.settings[stream]) +
          `</trt:GetVideoEncoderConfigurationOptionsResponse>`,
      };
    },
  },
  {
    service: 'media',
    name: 'SetVideoEncoderConfiguration',
    access: 'ACTUATE',
    handle: (ctx) => ({
      body: `<trt:SetVideoEncoderConfigurationResponse/>`,
      effect: { kind: 'settings', settings: requestedSettings(ctx) },
    }),
  },
  {
    service: 'media',
    name: 'GetStreamUri',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      const { stream } = profileOf(ctx);
      const setup = child(ctx.request, 'StreamSetup');
      const kind = textAt(setup, 'Stream');
      const transport = textAt(setup, 'Transport', 'Protocol');
      // ZoneMinder writes RTP_unicast; the schema says RTP-Unicast. Both mean the same.
      if (kind !== undefined && !/^RTP[-_]unicast$/i.test(kind)) {
        throw Faults.invalidArgVal(
          'InvalidStreamSetup',
          `Stream "${kind}" is not supported (RTP-Unicast only)`,
        );
      }
      if (transport !== undefined && !['UDP', 'TCP', 'RTSP'].includes(transport)) {
        throw Faults.invalidArgVal(
          'InvalidStreamSetup',
          `Transport "${transport}" is not supported (RTSP over TCP or UDP)`,
        );
      }
      const e = ctx.endpoint;
      return {
        body: mediaUriXml('trt:GetStreamUriResponse', streamUri(ctx.camera, stream, e.mediaHost, e.rtspPort)),
      };
    },
  },
  {
    service: 'media',
    name: 'GetSnapshotUri',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      const { stream } = profileOf(ctx);
      return {
        body: mediaUriXml(
          'trt:GetSnapshotUriResponse',
          snapshotUri(stream, ctx.endpoint.host, ctx.endpoint.port),
        ),
      };
    },
  },
];
