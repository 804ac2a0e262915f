import { FFMPEG, run, transportArgs, type RtspTransport } from './ffmpeg.js';

/** Audio for media tests: decode an RTSP stream's audio, and find the frequency of a tone in it. */

export interface DecodedAudio {
  /** Mono signed 16-bit samples. */
  samples: Int16Array;
  rate: number;
}

/**
 * Decodes `seconds` of the first audio stream of an RTSP URL to mono s16 PCM at `rate` (48 kHz by
 * default; the codec's own rate is kept by asking for it, e.g. 8000 for G.711).
 */
export async function decodeAudioOf(
  url: string,
  opts: { seconds?: number; rate?: number; transport?: RtspTransport } = {},
): Promise<DecodedAudio> {
  const { seconds = 2, rate = 48_000, transport = 'tcp' } = opts;
  const res = await run(
    FFMPEG,
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', ...transportArgs(transport), '-i', url],
      ...['-map', '0:a:0', '-t', String(seconds), '-ac', '1', '-ar', String(rate), '-f', 's16le', 'pipe:1'],
    ],
    (seconds + 20) * 1000,
  );
  if (res.code !== 0) throw new Error(`ffmpeg could not decode audio of ${url}: ${res.stderr}`);
  const buf = res.stdout;
  const samples = new Int16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + (buf.length & ~1)));
  return { samples, rate };
}

/** The root mean square of the samples, 0…32768. */
export function rmsOf(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}

/**
 * The frequency of the tone in `samples`, from its periods: rising crossings of the mean with
 * hysteresis (a third of the peak) against noise, each crossing interpolated between samples, and
 * the median period (a gap or glitch in the stream spoils one period, not the answer). Undefined
 * when there is no tone (fewer than 10 periods above -40 dBFS).
 */
export function toneFrequencyOf({ samples, rate }: DecodedAudio): number | undefined {
  let peak = 0;
  let mean = 0;
  for (const s of samples) mean += s;
  mean /= samples.length || 1;
  for (const s of samples) peak = Math.max(peak, Math.abs(s - mean));
  if (peak < 300) return undefined;
  const h = peak / 3;
  let armed = false;
  const crossings: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const prev = samples[i - 1]! - mean;
    const cur = samples[i]! - mean;
    if (cur < -h) armed = true;
    if (armed && prev < 0 && cur >= 0) {
      crossings.push(i - 1 + -prev / (cur - prev));
      armed = false;
    }
  }
  if (crossings.length < 11) return undefined;
  const periods = crossings.slice(1).map((c, i) => c - crossings[i]!);
  periods.sort((a, b) => a - b);
  return rate / periods[Math.floor(periods.length / 2)]!;
}
