import type { AudioSettings, CameraRecord } from '@desk-onvif/contracts';
import type { ExtraProfile } from './operation.types.js';
import type { StreamName } from './profiles.js';

/**
 * The camera's audio model (ONVIF Media ver10 §5.6-5.8, Media2 §5.x): one audio source (what the
 * PC plays, stereo), one source configuration and one encoder configuration, both in the profiles
 * whose stream carries audio (settings.audio.main / .sub; client-created profiles follow main).
 * A camera without audio (no loopback device) has none of them. Writers return XML fragments.
 */
export const AudioTokens = {
  source: 'pc-sound',
  sourceConfig: 'pc-sound-config',
  encoder: 'audio-encoder',
} as const;

/** The camera's audio settings, or undefined: it has no audio. */
export function audioOf(camera: CameraRecord): AudioSettings | undefined {
  return camera.settings.audio;
}

/** Whether the profile of `stream` carries audio now. */
export function profileHasAudio(camera: CameraRecord, stream: StreamName): boolean {
  return audioOf(camera)?.[stream] === true;
}

/** How many profiles carry audio: the UseCount of the audio configurations. */
export function audioUseCount(camera: CameraRecord, extra: readonly ExtraProfile[]): number {
  const a = audioOf(camera);
  if (!a) return 0;
  return (a.main ? 1 + extra.length : 0) + (a.sub ? 1 : 0);
}

export function audioSourceXml(tag: string): string {
  return `<${tag} token="${AudioTokens.source}"><tt:Channels>2</tt:Channels></${tag}>`;
}

/** tt:AudioSourceConfiguration. */
export function audioSourceConfigXml(tag: string, useCount: number): string {
  return (
    `<${tag} token="${AudioTokens.sourceConfig}"><tt:Name>PC sound</tt:Name><tt:UseCount>${useCount}</tt:UseCount>` +
    `<tt:SourceToken>${AudioTokens.source}</tt:SourceToken></${tag}>`
  );
}

const MULTICAST =
  `<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address>` +
  `<tt:Port>0</tt:Port><tt:TTL>1</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>`;

function name(a: AudioSettings): string {
  return a.codec === 'pcmu' ? 'G.711 μ-law' : 'AAC-LC';
}

/** tt:AudioEncoderConfiguration (Media ver10): Encoding G711 or AAC, Bitrate kbit/s, SampleRate kHz. */
export function audioEncoderConfigXml(tag: string, a: AudioSettings, useCount: number): string {
  return (
    `<${tag} token="${AudioTokens.encoder}"><tt:Name>${name(a)}</tt:Name><tt:UseCount>${useCount}</tt:UseCount>` +
    `<tt:Encoding>${a.codec === 'pcmu' ? 'G711' : 'AAC'}</tt:Encoding><tt:Bitrate>${a.bitrateKbps}</tt:Bitrate>` +
    `<tt:SampleRate>${a.sampleRate / 1000}</tt:SampleRate>${MULTICAST}<tt:SessionTimeout>PT60S</tt:SessionTimeout></${tag}>`
  );
}

/** tt:AudioEncoder2Configuration (Media2): Encoding as the RTP payload's MIME name (PCMU, MP4A-LATM). */
export function audioEncoder2ConfigXml(tag: string, a: AudioSettings, useCount: number): string {
  return (
    `<${tag} token="${AudioTokens.encoder}"><tt:Name>${name(a)}</tt:Name><tt:UseCount>${useCount}</tt:UseCount>` +
    `<tt:Encoding>${a.codec === 'pcmu' ? 'PCMU' : 'MP4A-LATM'}</tt:Encoding>${MULTICAST}` +
    `<tt:Bitrate>${a.bitrateKbps}</tt:Bitrate><tt:SampleRate>${a.sampleRate / 1000}</tt:SampleRate></${tag}>`
  );
}

/** What the agent can encode: G.711 μ-law 64 kbit/s at 8 kHz; AAC-LC 32-256 kbit/s at 16, 32, 48 kHz. */
export const AUDIO_OPTIONS = [
  { codec: 'pcmu', media1: 'G711', media2: 'PCMU', bitrates: [64], sampleRates: [8] },
  {
    codec: 'aac',
    media1: 'AAC',
    media2: 'MP4A-LATM',
    bitrates: [32, 64, 96, 128, 192, 256],
    sampleRates: [16, 32, 48],
  },
] as const;

const items = (tag: string, list: readonly number[]) =>
  `<tt:${tag}>${list.map((n) => `<tt:Items>${n}</tt:Items>`).join('')}</tt:${tag}>`;

/** tt:AudioEncoderConfigurationOptions (Media ver10). */
export function audioEncoderOptionsXml(tag: string): string {
  return `<${tag}>${AUDIO_OPTIONS.map(
    (o) =>
      `<tt:Options><tt:Encoding>${o.media1}</tt:Encoding>${items('BitrateList', o.bitrates)}` +
      `${items('SampleRateList', o.sampleRates)}</tt:Options>`,
  ).join('')}</${tag}>`;
}

/** tt:AudioEncoder2ConfigurationOptions (Media2), one element per encoding. */
export function audioEncoder2OptionsXml(tag: string): string {
  return AUDIO_OPTIONS.map(
    (o) =>
      `<${tag}><tt:Encoding>${o.media2}</tt:Encoding>${items('BitrateList', o.bitrates)}` +
      `${items('SampleRateList', o.sampleRates)}</${tag}>`,
  ).join('');
}

/** tt:AudioSourceConfigurationOptions. */
export function audioSourceOptionsXml(tag: string): string {
  return `<${tag}><tt:InputTokensAvailable>${AudioTokens.source}</tt:InputTokensAvailable></${tag}>`;
}
