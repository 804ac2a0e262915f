import { media2ServiceCapabilitiesXml } from './capabilities.js';
import type { Operation, OperationContext } from './operation.types.js';
import {
  encoder2ConfigXml,
  profile2Xml,
  profilesOf,
  snapshotUri,
  streamOfEncoder,
  streamOfProfile,
  streamUri,
  STREAMS,
  useCounts,
  videoSourceConfigXml,
  type StreamName,
} from './profiles.js';
import { Faults } from './soap.fault.js';
import { esc, textAt } from './xml.js';

/** Media2 service ver20 (Profile T; ONVIF Media2 Service Specification, ver20/media.wsdl). */

function profileOf(ctx: OperationContext): StreamName {
  const token = textAt(ctx.request, 'ProfileToken') ?? '';
  const stream = streamOfProfile(token, ctx.extraProfiles);
  if (!stream) throw Faults.invalidArgVal('NoProfile', `no profile "${token}"`);
  return stream;
}

/** Media2 5.2.1: configurations are returned only for the Types asked for. */
function wantsConfigs(ctx: OperationContext): boolean {
  return ctx.request.children.some(
    (c) => c.local === 'Type' && /\b(All|VideoSource|VideoEncoder|AudioSource|AudioEncoder)\b/.test(c.text),
  );
}

export const media2Operations: Operation[] = [
  {
    service: 'media2',
    name: 'GetServiceCapabilities',
    access: 'PRE_AUTH',
    handle: (ctx) => ({
      body: `<tr2:GetServiceCapabilitiesResponse>${media2ServiceCapabilitiesXml('tr2:Capabilities', ctx.camera.settings.audio !== undefined, ctx.endpoint.rtspsPort !== undefined)}</tr2:GetServiceCapabilitiesResponse>`,
    }),
  },
  {
    service: 'media2',
    name: 'GetProfiles',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      const token = textAt(ctx.request, 'Token');
      const all = profilesOf(ctx.extraProfiles);
      const chosen = token === undefined ? all : all.filter((p) => p.token === token);
      if (token !== undefined && chosen.length === 0)
        throw Faults.invalidArgVal('NoProfile', `no profile "${token}"`);
      const configs = wantsConfigs(ctx);
      return {
        body:
          `<tr2:GetProfilesResponse>` +
          chosen.map((p) => profile2Xml(ctx.camera, p, ctx.extraProfiles, configs)).join('') +
          `</tr2:GetProfilesResponse>`,
      };
    },
  },
  {
    service: 'media2',
    name: 'GetVideoSourceConfigurations',
    access: 'READ_MEDIA',
    handle: ({ camera, extraProfiles }) => ({
      body:
        `<tr2:GetVideoSourceConfigurationsResponse>` +
        videoSourceConfigXml('tr2:Configurations', camera, useCounts(extraProfiles).source) +
        `</tr2:GetVideoSourceConfigurationsResponse>`,
    }),
  },
  {
    service: 'media2',
    name: 'GetVideoEncoderConfigurations',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      const n = useCounts(ctx.extraProfiles);
      const configToken = textAt(ctx.request, 'ConfigurationToken');
      const profileToken = textAt(ctx.request, 'ProfileToken');
      let streams: readonly StreamName[] = STREAMS;
      if (configToken) {
        const s = streamOfEncoder(configToken);
        if (!s) throw Faults.invalidArgVal('NoConfig', `no configuration "${configToken}"`);
        streams = [s];
      } else if (profileToken) streams = [profileOf(ctx)];
      return {
        body:
          `<tr2:GetVideoEncoderConfigurationsResponse>` +
          streams
            .map((s) => encoder2ConfigXml('tr2:Configurations', s, ctx.camera.settings[s], n[s]))
            .join('') +
          `</tr2:GetVideoEncoderConfigurationsResponse>`,
      };
    },
  },
  {
    service: 'media2',
    name: 'GetStreamUri',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      const stream = profileOf(ctx);
      const protocol = textAt(ctx.request, 'Protocol') ?? 'RtspUnicast';
      const e = ctx.endpoint;
      // Media2 5.4.1: RtspUnicast, RtspMulticast, RtspsUnicast, RtspsMulticast, RTSP (TCP),
      // RtspOverHttp; no multicast or HTTP tunnel here, RtspsUnicast when RTSPS is served.
      const secure = protocol === 'RtspsUnicast';
      if (secure && e.rtspsPort === undefined) {
        throw Faults.invalidArgVal(
          'InvalidStreamSetup',
          'RtspsUnicast is not served: the media server has no RTSPS',
        );
      }
      if (!secure && !['RtspUnicast', 'RTSP', 'RtspUnicastTCP'].includes(protocol)) {
        throw Faults.invalidArgVal('InvalidStreamSetup', `Protocol "${protocol}" is not supported`);
      }
      return {
        body: `<tr2:GetStreamUriResponse><tr2:Uri>${esc(streamUri(ctx.camera, stream, e, secure))}</tr2:Uri></tr2:GetStreamUriResponse>`,
      };
    },
  },
  {
    service: 'media2',
    name: 'GetSnapshotUri',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      const stream = profileOf(ctx);
      return {
        body: `<tr2:GetSnapshotUriResponse><tr2:Uri>${esc(snapshotUri(stream, ctx.endpoint.host, ctx.endpoint.port, ctx.endpoint.tls))}</tr2:Uri></tr2:GetSnapshotUriResponse>`,
      };
    },
  },
];
