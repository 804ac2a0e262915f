import { performance } from 'node:perf_hooks';
import { FFMPEG, transportArgs, type RtspTransport } from './ffmpeg.js';
import { spawnTracked, type Spawned } from './processes.js';
import type { CommandWrapper } from './stream-watcher.js';

/**
 * An RTSP reader (real ffmpeg) decoding both tracks of one session, as an NVR does, and keeping for
 * every decoded video frame its brightness and for every 5 ms of audio its peak level, each with
 * its presentation time. Both tracks come out of one demuxer, which aligns them through the
 * publisher's RTCP sender reports: the difference of two presentation times is the difference of
 * their capture times, which is what A/V sync is.
 */

/** A decoded video frame (mean luma, 0-255) or audio chunk (peak level, dBFS; -Infinity: silence). */
export interface AvSample {
  kind: 'video' | 'audio';
  /** Presentation time in seconds, one timeline for both tracks. */
  pts: number;
  value: number;
  /** When it came out of the reader (`performance.now()`). */
  at: number;
}

const VIDEO_KEY = 'lavfi.signalstats.YAVG';
const AUDIO_KEY = 'lavfi.astats.Overall.Peak_level';
/** Audio analysed in chunks of 240 samples at 48 kHz: 5 ms, the resolution of an onset. */
const AUDIO_CHUNK = 240;

/** The reader's command line: both tracks through one filter graph printing per-frame metadata. */
export function avReaderArgs(url: string, transport: RtspTransport = 'tcp'): string[] {
  const video = `[0:v:0]scale=64:36,signalstats,metadata=mode=print:key=${VIDEO_KEY}:file=-:direct=1[v]`;
  const audio =
    `[0:a:0]aresample=48000,asetnsamples=n=${AUDIO_CHUNK}:p=0,` +
    'astats=metadata=1:reset=1:measure_perchannel=none:measure_overall=Peak_level,' +
    `ametadata=mode=print:key=${AUDIO_KEY}:file=-:direct=1[a]`;
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', ...transportArgs(transport)],
    ...['-timeout', '5000000', '-i', url],
    ...['-filter_complex', `${video};${audio}`, '-map', '[v]', '-map', '[a]', '-f', 'null', '-'],
  ];
}

/**
 * Parses what the metadata filters print, `frame:N pts:P pts_time:T` then `key=value`, into samples.
 * The text may end anywhere: mid-line, or between a record's header and its value (each is its own
 * write with `direct=1`, so a pipe often delivers them apart). What is not complete yet, the
 * header included, is returned as `rest` to be prefixed to the next chunk: no record is lost.
 */
export function parseAvMetadata(text: string, at = 0): { samples: AvSample[]; rest: string } {
  const samples: AvSample[] = [];
  let pts: number | undefined;
  let headerAt = 0;
  let start = 0;
  for (let end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
    const line = text.slice(start, end);
    const head = /^frame:\s*\d+\s+pts:\s*\S+\s+pts_time:(\S+)/.exec(line);
    if (head) {
      pts = Number(head[1]);
      headerAt = start;
      continue;
    }
    const eq = line.indexOf('=');
    if (pts === undefined || eq < 0) continue;
    const key = line.slice(0, eq);
    const raw = line.slice(eq + 1).trim();
    const value = raw === '-inf' ? -Infinity : Number(raw);
    if (key === VIDEO_KEY) samples.push({ kind: 'video', pts, value, at });
    else if (key === AUDIO_KEY) samples.push({ kind: 'audio', pts, value, at });
    pts = undefined;
  }
  // A header still waiting for its value is kept with the unfinished line after it.
  return { samples, rest: text.slice(pts === undefined ? start : headerAt) };
}

/**
 * The presentation times at which `series` rises through `threshold` (from below to at or above),
 * each at least `minGapS` after the previous one: the onsets of flashes or clicks.
 */
export function onsetsOf(
  series: { pts: number; value: number }[],
  threshold: number,
  minGapS = 0.3,
): number[] {
  const out: number[] = [];
  let below = false;
  for (const s of series) {
    if (s.value < threshold) below = true;
    else if (below) {
      below = false;
      if (out.length === 0 || s.pts - out.at(-1)! >= minGapS) out.push(s.pts);
    }
  }
  return out;
}

/** The long-running reader; `samples` grows as frames are decoded. */
export class AvReader {
  readonly samples: AvSample[] = [];
  private constructor(private readonly proc: Spawned) {}

  static start(url: string, opts: { transport?: RtspTransport; wrap?: CommandWrapper } = {}): AvReader {
    const args = avReaderArgs(url, opts.transport);
    const [command, argv] = opts.wrap ? opts.wrap(FFMPEG, args) : [FFMPEG, args];
    const reader = new AvReader(spawnTracked(command, argv));
    const stdout = reader.proc.child.stdout!;
    // Records, not text to keep: replace spawnTracked's collector so that output() keeps stderr only.
    stdout.removeAllListeners('data');
    let pending = '';
    stdout.on('data', (chunk: Buffer) => {
      const parsed = parseAvMetadata(pending + chunk.toString(), performance.now());
      pending = parsed.rest;
      for (const s of parsed.samples) reader.samples.push(s);
    });
    return reader;
  }

  video(): AvSample[] {
    return this.samples.filter((s) => s.kind === 'video');
  }

  audio(): AvSample[] {
    return this.samples.filter((s) => s.kind === 'audio');
  }

  get exited(): Promise<number | null> {
    return this.proc.exited;
  }

  /** What ffmpeg printed on stderr (errors). */
  output(): string {
    return this.proc.output();
  }

  async stop(): Promise<void> {
    await this.proc.stop(2000);
  }
}
