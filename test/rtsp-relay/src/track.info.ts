import type { SdpMedia } from './sdp.js';

/**
 * A path's track as MediaMTX's API describes it (openapi.yaml, PathTrack): the codec name and, for
 * H.264, width, height, profile and level read from the SPS in the SDP's sprop-parameter-sets.
 */
export interface PathTrack {
  codec: string;
  codecProps: Record<string, string | number> | null;
}

const CODEC_NAMES: Record<string, string> = {
  H264: 'H264',
  H265: 'H265',
  'MPEG4-GENERIC': 'MPEG-4 Audio',
  OPUS: 'Opus',
  PCMU: 'G711',
  PCMA: 'G711',
  JPEG: 'M-JPEG',
  VP9: 'VP9',
  AV1: 'AV1',
};

export function trackOf(media: SdpMedia): PathTrack {
  const codec = CODEC_NAMES[media.encoding ?? ''] ?? 'Generic';
  if (codec !== 'H264') return { codec, codecProps: null };
  const sps = media.fmtp.get('sprop-parameter-sets')?.split(',')[0];
  const props = sps ? h264SpsInfo(Buffer.from(sps, 'base64')) : undefined;
  return { codec, codecProps: props ?? {} };
}

/** H.264 (ITU-T H.264 §7.3.2.1.1) profile_idc → the name MediaMTX reports. */
const PROFILES: Record<number, string> = {
  66: 'Baseline',
  77: 'Main',
  88: 'Extended',
  100: 'High',
  110: 'High 10',
  122: 'High 4:2:2',
  244: 'High 4:4:4 Predictive',
};

class BitReader {
  private pos = 0;
  constructor(private readonly bytes: Buffer) {}
  bit(): number {
    const byte = this.bytes[this.pos >> 3];
    if (byte === undefined) throw new RangeError('SPS truncated');
    const v = (byte >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return v;
  }
  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
  /** ue(v), §9.1 */
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) if (++zeros > 31) throw new RangeError('bad Exp-Golomb code');
    return 2 ** zeros - 1 + this.bits(zeros);
  }
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

/** Removes emulation-prevention bytes (00 00 03 → 00 00), §7.4.1. */
function rbsp(nal: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < nal.length; i++) {
    if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    out.push(nal[i]!);
  }
  return Buffer.from(out);
}

export function h264SpsInfo(
  nal: Buffer,
): { width: number; height: number; profile: string; level: string } | undefined {
  try {
    if (nal.length < 4 || (nal[0]! & 0x1f) !== 7) return undefined;
    const r = new BitReader(rbsp(nal.subarray(1)));
    const profileIdc = r.bits(8);
    r.bits(8); // constraint flags
    const levelIdc = r.bits(8);
    r.ue(); // seq_parameter_set_id
    let chromaFormat = 1;
    if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profileIdc)) {
      chromaFormat = r.ue();
      if (chromaFormat === 3) r.bit(); // separate_colour_plane_flag
      r.ue(); // bit_depth_luma_minus8
      r.ue(); // bit_depth_chroma_minus8
      r.bit(); // qpprime_y_zero_transform_bypass_flag
      if (r.bit() === 1)
        for (let i = 0; i < (chromaFormat !== 3 ? 8 : 12); i++)
          if (r.bit() === 1) skipScalingList(r, i < 6 ? 16 : 64);
    }
    r.ue(); // log2_max_frame_num_minus4
    const pocType = r.ue();
    if (pocType === 0) r.ue();
    else if (pocType === 1) {
      r.bit();
      r.se();
      r.se();
      const n = r.ue();
      for (let i = 0; i < n; i++) r.se();
    }
    r.ue(); // max_num_ref_frames
    r.bit(); // gaps_in_frame_num_value_allowed_flag
    const widthMbs = r.ue() + 1;
    const heightMapUnits = r.ue() + 1;
    const frameMbsOnly = r.bit();
    if (!frameMbsOnly) r.bit();
    r.bit(); // direct_8x8_inference_flag
    let crop = [0, 0, 0, 0];
    if (r.bit() === 1) crop = [r.ue(), r.ue(), r.ue(), r.ue()];
    // §7.4.2.1.1: crop units depend on the chroma format.
    const cropX = chromaFormat === 0 || chromaFormat === 3 ? 1 : 2;
    const cropY = (chromaFormat === 1 ? 2 : 1) * (2 - frameMbsOnly);
    const width = widthMbs * 16 - cropX * (crop[0]! + crop[1]!);
    const height = (2 - frameMbsOnly) * heightMapUnits * 16 - cropY * (crop[2]! + crop[3]!);
    const level = levelIdc % 10 === 0 ? String(levelIdc / 10) : (levelIdc / 10).toFixed(1);
    return { width, height, profile: PROFILES[profileIdc] ?? String(profileIdc), level };
  } catch {
    return undefined;
  }
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}
