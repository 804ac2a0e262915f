import type { Operation, OperationContext } from './operation.types.js';
import {
  encoderConfigXml,
  profilesOf,
  streamOfProfile,
  STREAMS,
  Tokens,
  useCounts,
  videoSourceConfigXml,
  type StreamName,
} from './profiles.js';
import { Faults } from './soap.fault.js';
import { attr, child, textAt } from './xml.js';

/**
 * Media ver10 operations NVRs call while they set a camera up (Milestone, Synology, Blue Iris):
 * what is compatible with a profile, the video source's options, the guaranteed encoder
 * instances, metadata (none). The model stays the fixed one of profiles.ts: one video source,
 * its one configuration over the whole desktop, main and sub encoders; a created profile uses main's.
 */

function profileStream(ctx: OperationContext): StreamName {
  const token = textAt(ctx.request, 'ProfileToken') ?? '';
  const stream = streamOfProfile(token, ctx.extraProfiles);
  if (!stream) throw Faults.invalidArgVal('NoProfile', `no profile "${token}"`);
  return stream;
}

function checkSourceConfig(token: string | undefined): void {
  if (token !== undefined && token !== Tokens.videoSourceConfig)
    throw Faults.invalidArgVal('NoConfig', `no video source configuration "${token}"`);
}

const isFixed = (token: string) => STREAMS.some((s) => Tokens.profile(s) === token);

/** GetGuaranteedNumberOfVideoEncoderInstances: the agent's one ffmpeg encodes main and sub. */
const GUARANTEED_H264 = STREAMS.length;

export const mediaNvrOperations: Operation[] = [
  {
    service: 'media',
    name: 'GetCompatibleVideoSourceConfigurations',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      profileStream(ctx);
      return {
        body:
          `<trt:GetCompatibleVideoSourceConfigurationsResponse>` +
          videoSourceConfigXml('trt:Configurations', ctx.camera, useCounts(ctx.extraProfiles).source) +
          `</trt:GetCompatibleVideoSourceConfigurationsResponse>`,
      };
    },
  },
  {
    service: 'media',
    name: 'GetCompatibleVideoEncoderConfigurations',
    access: 'READ_MEDIA',
    // A profile's stream is fixed by its token: its own encoder is the one it can take.
    handle: (ctx) => {
      const stream = profileStream(ctx);
      return {
        body:
          `<trt:GetCompatibleVideoEncoderConfigurationsResponse>` +
          encoderConfigXml(
            'trt:Configurations',
            stream,
            ctx.camera.settings[stream],
            useCounts(ctx.extraProfiles)[stream],
          ) +
          `</trt:GetCompatibleVideoEncoderConfigurationsResponse>`,
      };
    },
  },
  {
    service: 'media',
    name: 'GetVideoSourceConfigurationOptions',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      checkSourceConfig(textAt(ctx.request, 'ConfigurationToken'));
      if (textAt(ctx.request, 'ProfileToken') !== undefined) profileStream(ctx);
      const { width, height } = ctx.camera.settings.main;
      const range = (tag: string, v: number) =>
        `<tt:${tag}><tt:Min>${v}</tt:Min><tt:Max>${v}</tt:Max></tt:${tag}>`;
      return {
        body:
          `<trt:GetVideoSourceConfigurationOptionsResponse><trt:Options MaximumNumberOfProfiles="${profilesOf(ctx.extraProfiles).length}">` +
          `<tt:BoundsRange>${range('XRange', 0)}${range('YRange', 0)}${range('WidthRange', width)}${range('HeightRange', height)}</tt:BoundsRange>` +
          `<tt:VideoSourceTokensAvailable>${Tokens.videoSource}</tt:VideoSourceTokensAvailable>` +
          `</trt:Options></trt:GetVideoSourceConfigurationOptionsResponse>`,
      };
    },
  },
  {
    service: 'media',
    name: 'SetVideoSourceConfiguration',
    access: 'ACTUATE',
    // The whole desktop is the source: the configuration as it is is accepted, a crop is not.
    handle: (ctx) => {
      const config = child(ctx.request, 'Configuration');
      checkSourceConfig(attr(config, 'token') ?? '');
      const source = textAt(config, 'SourceToken');
      if (source !== undefined && source !== Tokens.videoSource)
        throw Faults.invalidArgVal('ConfigModify', `no video source "${source}"`);
      const bounds = child(config, 'Bounds');
      const { width, height } = ctx.camera.settings.main;
      const want = { x: '0', y: '0', width: String(width), height: String(height) };
      for (const [k, v] of Object.entries(want)) {
        const got = attr(bounds, k);
        if (bounds && got !== undefined && Number(got) !== Number(v))
          throw Faults.invalidArgVal(
            'ConfigModify',
            `Bounds must be the whole desktop (0,0 ${width}x${height}); ${k}="${got}"`,
          );
      }
      return { body: `<trt:SetVideoSourceConfigurationResponse/>` };
    },
  },
  {
    service: 'media',
    name: 'GetGuaranteedNumberOfVideoEncoderInstances',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      checkSourceConfig(textAt(ctx.request, 'ConfigurationToken') ?? '');
      return {
        body:
          `<trt:GetGuaranteedNumberOfVideoEncoderInstancesResponse><trt:TotalNumber>${GUARANTEED_H264}</trt:TotalNumber>` +
          `<trt:H264>${GUARANTEED_H264}</trt:H264></trt:GetGuaranteedNumberOfVideoEncoderInstancesResponse>`,
      };
    },
  },
  // No analytics or metadata stream: empty lists, as the schema allows.
  ...(['GetMetadataConfigurations', 'GetCompatibleMetadataConfigurations'] as const).map(
    (name): Operation => ({
      service: 'media',
      name,
      access: 'READ_MEDIA',
      handle: (ctx) => {
        if (name === 'GetCompatibleMetadataConfigurations') profileStream(ctx);
        return { body: `<trt:${name}Response/>` };
      },
    }),
  ),
  // A created profile keeps main's configurations whatever is removed; a fixed one cannot change.
  ...(['RemoveVideoSourceConfiguration', 'RemoveVideoEncoderConfiguration'] as const).map(
    (name): Operation => ({
      service: 'media',
      name,
      access: 'ACTUATE',
      handle: (ctx) => {
        profileStream(ctx);
        const token = textAt(ctx.request, 'ProfileToken') ?? '';
        if (isFixed(token))
          throw Faults.operationProhibited(
            'FixedProfile',
            `profile "${token}" is fixed: its configurations stay`,
          );
        return { body: `<trt:${name}Response/>` };
      },
    }),
  ),
];
