import type { Encoder, StreamEncoding } from './capture.types.js';

/**
 * Encoder options for one stream. Every encoder: constant bitrate with a VBV buffer of two seconds
 * at that rate, a fixed GOP (the one ONVIF reports as GovLength), no B-frames (lower latency, and
 * what NVRs decode best), Main profile (some NVRs refuse High).
 */
export function encoderArgs(encoder: Encoder, s: StreamEncoding): string[] {
  const rate = [
    '-b:v',
    `${s.bitrateKbps}k`,
    '-maxrate',
    `${s.bitrateKbps}k`,
    '-bufsize',
    `${s.bitrateKbps * 2}k`,
    '-g',
    String(s.gop),
    '-bf',
    '0',
    '-profile:v',
    'main',
  ];
  switch (encoder) {
    case 'libx264':
      // A fixed GOP: no scene-cut keyframes, so the keyframe interval an NVR reads is the real one.
      return [
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-tune',
        'zerolatency',
        ...rate,
        '-keyint_min',
        String(s.gop),
        '-sc_threshold',
        '0',
      ];
    case 'h264_nvenc':
      return ['-c:v', 'h264_nvenc', '-preset', 'p4', '-tune', 'll', '-rc', 'cbr', ...rate];
    case 'h264_qsv':
      return ['-c:v', 'h264_qsv', '-preset', 'veryfast', '-look_ahead', '0', ...rate];
    case 'h264_amf':
      return ['-c:v', 'h264_amf', '-usage', 'lowlatency', '-quality', 'speed', '-rc', 'cbr', ...rate];
  }
}
