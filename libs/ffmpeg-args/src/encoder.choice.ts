import type { CapturePlatform, Encoder } from './capture.types.js';

export type EncoderPreference = Encoder | 'auto';

/**
 * `auto`: the first hardware encoder that works here (NVIDIA, then Intel, then AMD on Windows;
 * NVIDIA, then Intel on Linux), else libx264. `working` lists the encoders that passed a probe
 * encode: a build lists encoders (`ffmpeg -encoders`) whose hardware may be absent.
 */
export function resolveEncoder(
  preference: EncoderPreference,
  platform: CapturePlatform,
  working: readonly string[],
): Encoder {
  if (preference !== 'auto') return preference;
  return hardwareCandidates(platform, working)[0] ?? 'libx264';
}

/** Hardware encoders worth a probe encode on this platform, in order of preference. */
export function hardwareCandidates(platform: CapturePlatform, listed: readonly string[]): Encoder[] {
  const order: Encoder[] =
    platform === 'win32' ? ['h264_nvenc', 'h264_qsv', 'h264_amf'] : ['h264_nvenc', 'h264_qsv'];
  return order.filter((e) => listed.includes(e));
}

/** Names from `ffmpeg -hide_banner -encoders` output (` V....D libx264  …`). */
export function parseEncoderList(output: string): string[] {
  const names: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s*[VAS][.A-Z]{5}\s+(\S+)/.exec(line);
    if (m?.[1] && m[1] !== '=') names.push(m[1]);
  }
  return names;
}
