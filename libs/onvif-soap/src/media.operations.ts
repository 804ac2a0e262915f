import { mediaServiceCapabilitiesXml, MAX_PROFILES } from './capabilities.js';
import type { Operation, OperationContext } from './operation.types.js';
import {
  encoderConfigXml,
  profileXml,
  profilesOf,
  snapshotUri,
  streamOfProfile,
  streamUri,
  STREAMS,
  Tokens,
  useCounts,
  videoSourceConfigXml,
  videoSourceXml,
  type StreamName,
} from './profiles.js';
import { encoderOf, encoderOptionsXml, requestedSettings } from './encoder.settings.js';
import { Faults } from './soap.fault.js';
import { child, esc, textAt } from './xml.js';

/** Media service ver10 (ONVIF Media Service Specification, media.wsdl). */

function profileOf(ctx: OperationContext): { token: string; stream: StreamName } {
  const token = textAt(ctx.request, 'ProfileToken') ?? '';
  const stream = streamOfProfile(token, ctx.extraProfiles);
  if (!stream) throw Faults.invalidArgVal('NoProfile', `no profile "${token}"`);
  return { token, stream };
}

function mediaUriXml(tag: string, uri: string): string {
  return (
    `<${tag}><trt:MediaUri><tt:Uri>${esc(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
    `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></${tag}>`
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
      // Media1 cannot ask for TLS: when the media server serves RTSPS, that is what it gets, so the
      // viewer's RTSP credentials stay off the wire (README "Security model: the edge").
      const e = ctx.endpoint;
      return {
        body: mediaUriXml(
          'trt:GetStreamUriResponse',
          streamUri(ctx.camera, stream, e, e.rtspsPort !== undefined),
        ),
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
          snapshotUri(stream, ctx.endpoint.host, ctx.endpoint.port, ctx.endpoint.tls),
        ),
      };
    },
  },
];
