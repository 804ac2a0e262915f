import type { CameraRecord, StreamSettings } from '@desk-onvif/contracts';
import type { ExtraProfile } from './operation.types.js';
import { esc } from './xml.js';
import {
  audioEncoder2ConfigXml,
  audioEncoderConfigXml,
  audioOf,
  audioSourceConfigXml,
  audioUseCount,
  profileHasAudio,
} from './audio.xml.js';

/**
 * The camera's media model: one video source (the desktop), two fixed H.264 profiles, main at the
 * desktop's resolution and sub small, each with one encoder configuration. Client-created profiles
 * (Synology) share main's configurations. Writers return XML fragments with the response prefixes.
 */
export type StreamName = 'main' | 'sub';
export const STREAMS: readonly StreamName[] = ['main', 'sub'];

export const Tokens = {
  videoSource: 'desktop',
  videoSourceConfig: 'desktop-config',
  profile: (s: StreamName) => `profile_${s}`,
  encoder: (s: StreamName) => `encoder_${s}`,
} as const;

export function streamOfProfile(token: string, extra: readonly ExtraProfile[]): StreamName | undefined {
  for (const s of STREAMS) if (token === Tokens.profile(s)) return s;
  return extra.some((p) => p.token === token) ? 'main' : undefined;
}

export function streamOfEncoder(token: string): StreamName | undefined {
  return STREAMS.find((s) => token === Tokens.encoder(s));
}

/** The video source's native size: the main stream's resolution. */
function sourceSize(camera: CameraRecord): StreamSettings {
  return camera.settings.main;
}

export function videoSourceXml(camera: CameraRecord): string {
  const s = sourceSize(camera);
  return (
    `<trt:VideoSources token="${Tokens.videoSource}"><tt:Framerate>${s.fps}</tt:Framerate>` +
    `<tt:Resolution><tt:Width>${s.width}</tt:Width><tt:Height>${s.height}</tt:Height></tt:Resolution>` +
    `</trt:VideoSources>`
  );
}

/** tt:VideoSourceConfiguration under the element name `tag`. UseCount: every profile uses it. */
export function videoSourceConfigXml(tag: string, camera: CameraRecord, useCount: number): string {
  const s = sourceSize(camera);
  return (
    `<${tag} token="${Tokens.videoSourceConfig}"><tt:Name>Desktop</tt:Name><tt:UseCount>${useCount}</tt:UseCount>` +
    `<tt:SourceToken>${Tokens.videoSource}</tt:SourceToken>` +
    `<tt:Bounds x="0" y="0" width="${s.width}" height="${s.height}"/></${tag}>`
  );
}

/** tt:VideoEncoderConfiguration (Media ver10) with RateControl filled in: UniFi Protect needs it. */
export function encoderConfigXml(
  tag: string,
  stream: StreamName,
  s: StreamSettings,
  useCount: number,
): string {
  return (
    `<${tag} token="${Tokens.encoder(stream)}"><tt:Name>${stream === 'main' ? 'Main' : 'Sub'} H.264</tt:Name>` +
    `<tt:UseCount>${useCount}</tt:UseCount><tt:Encoding>H264</tt:Encoding>` +
    `<tt:Resolution><tt:Width>${s.width}</tt:Width><tt:Height>${s.height}</tt:Height></tt:Resolution>` +
    `<tt:Quality>5</tt:Quality>` +
    `<tt:RateControl><tt:FrameRateLimit>${s.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>` +
    `<tt:BitrateLimit>${s.bitrateKbps}</tt:BitrateLimit></tt:RateControl>` +
    `<tt:H264><tt:GovLength>${s.gop}</tt:GovLength><tt:H264Profile>Main</tt:H264Profile></tt:H264>` +
    `<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address>` +
    `<tt:Port>0</tt:Port><tt:TTL>1</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>` +
    `<tt:SessionTimeout>PT60S</tt:SessionTimeout></${tag}>`
  );
}

/** tt:VideoEncoder2Configuration (Media2). */
export function encoder2ConfigXml(
  tag: string,
  stream: StreamName,
  s: StreamSettings,
  useCount: number,
): string {
  return (
    `<${tag} token="${Tokens.encoder(stream)}" GovLength="${s.gop}" Profile="Main">` +
    `<tt:Name>${stream === 'main' ? 'Main' : 'Sub'} H.264</tt:Name><tt:UseCount>${useCount}</tt:UseCount>` +
    `<tt:Encoding>H264</tt:Encoding>` +
    `<tt:Resolution><tt:Width>${s.width}</tt:Width><tt:Height>${s.height}</tt:Height></tt:Resolution>` +
    `<tt:RateControl ConstantBitRate="false"><tt:FrameRateLimit>${s.fps}</tt:FrameRateLimit>` +
    `<tt:BitrateLimit>${s.bitrateKbps}</tt:BitrateLimit></tt:RateControl>` +
    `<tt:Quality>5</tt:Quality></${tag}>`
  );
}

export interface ProfileView {
  token: string;
  name: string;
  stream: StreamName;
  fixed: boolean;
}

export function profilesOf(extra: readonly ExtraProfile[]): ProfileView[] {
  return [
    { token: Tokens.profile('main'), name: 'MainStream', stream: 'main', fixed: true },
    { token: Tokens.profile('sub'), name: 'SubStream', stream: 'sub', fixed: true },
    ...extra.map((p) => ({ token: p.token, name: p.name, stream: 'main' as const, fixed: false })),
  ];
}

/** How many profiles use each configuration: the UseCount the schemas ask for. */
export function useCounts(extra: readonly ExtraProfile[]): { source: number; main: number; sub: number } {
  return { source: 2 + extra.length, main: 1 + extra.length, sub: 1 };
}

/** tt:Profile (Media ver10). */
export function profileXml(
  tag: string,
  camera: CameraRecord,
  p: ProfileView,
  extra: readonly ExtraProfile[],
): string {
  const n = useCounts(extra);
  // Audio only in the profiles whose stream carries it (tt:Profile's order: sources, then encoders).
  const audio = profileHasAudio(camera, p.stream) ? audioOf(camera) : undefined;
  const audioUses = audioUseCount(camera, extra);
  return (
    `<${tag} token="${esc(p.token)}" fixed="${p.fixed}"><tt:Name>${esc(p.name)}</tt:Name>` +
    videoSourceConfigXml('tt:VideoSourceConfiguration', camera, n.source) +
    (audio ? audioSourceConfigXml('tt:AudioSourceConfiguration', audioUses) : '') +
    encoderConfigXml('tt:VideoEncoderConfiguration', p.stream, camera.settings[p.stream], n[p.stream]) +
    (audio ? audioEncoderConfigXml('tt:AudioEncoderConfiguration', audio, audioUses) : '') +
    `</${tag}>`
  );
}

/** tr2:MediaProfile (Media2); configurations only when asked for (Media2 5.2.1: Type). */
export function profile2Xml(
  camera: CameraRecord,
  p: ProfileView,
  extra: readonly ExtraProfile[],
  withConfigs: boolean,
): string {
  const n = useCounts(extra);
  const audio = profileHasAudio(camera, p.stream) ? audioOf(camera) : undefined;
  const audioUses = audioUseCount(camera, extra);
  const configs = withConfigs
    ? `<tr2:Configurations>${videoSourceConfigXml('tr2:VideoSource', camera, n.source)}` +
      (audio ? audioSourceConfigXml('tr2:AudioSource', audioUses) : '') +
      `${encoder2ConfigXml('tr2:VideoEncoder', p.stream, camera.settings[p.stream], n[p.stream])}` +
      (audio ? audioEncoder2ConfigXml('tr2:AudioEncoder', audio, audioUses) : '') +
      `</tr2:Configurations>`
    : '';
  return `<tr2:Profiles token="${esc(p.token)}" fixed="${p.fixed}"><tr2:Name>${esc(p.name)}</tr2:Name>${configs}</tr2:Profiles>`;
}

/** `rtsps://` on the RTSPS port when `secure` (the caller checked it is served), else `rtsp://`. */
export function streamUri(
  camera: CameraRecord,
  stream: StreamName,
  e: { mediaHost: string; rtspPort: number; rtspsPort?: number },
  secure = false,
): string {
  const [scheme, port] = secure && e.rtspsPort !== undefined ? ['rtsps', e.rtspsPort] : ['rtsp', e.rtspPort];
  return `${scheme}://${hostForUri(e.mediaHost)}:${port}/${camera.paths[stream]}`;
}

export function snapshotUri(stream: StreamName, host: string, port: number, tls = false): string {
  return `${tls ? 'https' : 'http'}://${hostForUri(host)}:${port}/onvif/snapshot?stream=${stream}`;
}

export function hostForUri(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
