/**
 * Picture adjustments (ONVIF imaging: brightness, contrast, saturation, sharpness, each 0-100 with
 * 50 neutral) as ffmpeg filters: `eq` for the first three, `unsharp` for sharpness. Applied once,
 * before the split, so that main, sub and the snapshots show the same picture.
 */
export interface PictureSettings {
  brightness: number;
  contrast: number;
  saturation: number;
  sharpness: number;
}

const NEUTRAL = 50;

/** ffmpeg numbers: fixed precision, no exponent, no trailing zeros. */
function num(v: number): string {
  return String(Number(v.toFixed(3)));
}

/**
 * The filter chain for `p` (without separators at either end), or '' when every value is neutral.
 * eq: brightness -0.5…0.5 (0 neutral), contrast 0…2 and saturation 0…2 (1 neutral);
 * unsharp: luma amount -1.5 (blur) … 1.5 (sharpen) on a 5x5 matrix.
 */
export function pictureFilters(p: PictureSettings | undefined): string {
  if (!p) return '';
  const parts: string[] = [];
  const eq: string[] = [];
  if (p.brightness !== NEUTRAL) eq.push(`brightness=${num((p.brightness - NEUTRAL) / 100)}`);
  if (p.contrast !== NEUTRAL) eq.push(`contrast=${num(p.contrast / NEUTRAL)}`);
  if (p.saturation !== NEUTRAL) eq.push(`saturation=${num(p.saturation / NEUTRAL)}`);
  if (eq.length) parts.push(`eq=${eq.join(':')}`);
  if (p.sharpness !== NEUTRAL) {
    parts.push(`unsharp=5:5:${num(((p.sharpness - NEUTRAL) / NEUTRAL) * 1.5)}`);
  }
  return parts.join(',');
}
