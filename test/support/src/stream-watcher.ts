import { performance } from 'node:perf_hooks';
import { FFMPEG, run } from './ffmpeg.js';
import { colourNear, meanColour, type Rgb } from './media.js';
import { waitFor } from './ports.js';
import { spawnTracked, type Spawned } from './processes.js';

/** Wraps a command line, e.g. a NetNamespace's `wrap`, to run the reader inside it. */
export type CommandWrapper = (command: string, args: string[]) => [string, string[]];

const SIDE = 16;
const FRAME_BYTES = SIDE * SIDE * 3;

/**
 * ffmpeg's input options for an RTSP read, as an NVR's ffmpeg has them: TCP, a 5 s socket
 * timeout. `lowLatency` adds what live viewers use to cut buffering: no input buffering, no
 * probing beyond the SDP, and LOW_DELAY, which also turns the H.264 decoder's frame threading off
 * (frame threads hold one frame each).
 */
export function rtspInputArgs(url: string, opts: { lowLatency?: boolean } = {}): string[] {
  const fast = opts.lowLatency
    ? ['-fflags', 'nobuffer', '-flags', 'low_delay', '-probesize', '32', '-analyzeduration', '0']
    : [];
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', ...fast],
    ...['-rtsp_transport', 'tcp', '-timeout', '5000000', '-i', url, '-an'],
  ];
}

/** The output options: every decoded frame scaled to 16x16 rgb24 on stdout, each written at once. */
const rawFrames = [
  ...['-vf', `scale=${SIDE}:${SIDE}`, '-fps_mode', 'passthrough'],
  ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-flush_packets', '1', 'pipe:1'],
];

/** One decoded frame: its mean colour and when it came out of the reader (`performance.now()`). */
export interface ColourSample {
  at: number;
  colour: Rgb;
}

/**
 * A long-running RTSP reader (real ffmpeg) that keeps the mean colour of every decoded frame with
 * the instant it arrived: what an NVR's live view shows, and when. For "the stream follows the
 * desktop" checks and glass-to-glass latency.
 */
export class StreamWatcher {
  /** The latest samples, oldest first (bounded). */
  readonly samples: ColourSample[] = [];
  private constructor(private readonly proc: Spawned) {}

  static start(url: string, opts: { lowLatency?: boolean; wrap?: CommandWrapper } = {}): StreamWatcher {
    const args = [...rtspInputArgs(url, opts), ...rawFrames];
    const [command, argv] = opts.wrap ? opts.wrap(FFMPEG, args) : [FFMPEG, args];
    const watcher = new StreamWatcher(spawnTracked(command, argv));
    let pending: Buffer = Buffer.alloc(0);
    const stdout = watcher.proc.child.stdout!;
    // Frames, not text: replace spawnTracked's collector so that output() keeps stderr only.
    stdout.removeAllListeners('data');
    stdout.on('data', (chunk: Buffer) => {
      const at = performance.now();
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= FRAME_BYTES) {
        watcher.samples.push({ at, colour: meanColour(pending.subarray(0, FRAME_BYTES)) });
        pending = pending.subarray(FRAME_BYTES);
      }
      if (watcher.samples.length > 5000) watcher.samples.splice(0, 1000);
    });
    return watcher;
  }

  get exited(): Promise<number | null> {
    return this.proc.exited;
  }

  /** What ffmpeg printed (errors). */
  output(): string {
    return this.proc.output();
  }

  /**
   * The first frame after `since` (a `performance.now()` instant) whose colour is near `colour`;
   * fails after `timeoutMs` with the colours seen, or at once if the reader has exited.
   */
  async waitForColour(colour: Rgb, timeoutMs: number, since = 0, tolerance = 16): Promise<ColourSample> {
    let found: ColourSample | undefined;
    let exited = false;
    void this.proc.exited.then(() => (exited = true));
    try {
      await waitFor(
        `a frame of ${JSON.stringify(colour)}`,
        () => {
          found = this.samples.find((s) => s.at >= since && colourNear(s.colour, colour, tolerance));
          if (!found && exited) throw new Error(`the reader exited: ${this.output()}`);
          return found !== undefined;
        },
        timeoutMs,
        10,
      );
    } catch (err) {
      const last = this.samples.at(-1);
      throw new Error(
        `${(err as Error).message}; ${this.samples.length} frames, the last ${JSON.stringify(last?.colour)}`,
        { cause: err },
      );
    }
    return found!;
  }

  async stop(): Promise<void> {
    await this.proc.stop(2000);
  }
}

export type ColourRead = { ok: true; colour: Rgb } | { ok: false; error: string };

/**
 * Reads a few frames of an RTSP URL once, as an NVR opening a stream does: their mean colour, or
 * why ffmpeg could not (a refused read prints `401 Unauthorized`).
 */
export async function readColour(
  url: string,
  opts: { wrap?: CommandWrapper; frames?: number; timeoutMs?: number } = {},
): Promise<ColourRead> {
  const args = [
    ...rtspInputArgs(url),
    ...['-frames:v', String(opts.frames ?? 2), '-vf', `scale=${SIDE}:${SIDE}`],
    ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
  ];
  const [command, argv] = opts.wrap ? opts.wrap(FFMPEG, args) : [FFMPEG, args];
  const r = await run(command, argv, opts.timeoutMs ?? 15_000);
  if (r.code !== 0 || r.stdout.length < FRAME_BYTES)
    return { ok: false, error: r.stderr || `ffmpeg exited ${r.code} with ${r.stdout.length} bytes` };
  return { ok: true, colour: meanColour(r.stdout.subarray(r.stdout.length - FRAME_BYTES)) };
}
