import { spawn } from 'node:child_process';
import { spawnTracked, type Spawned } from './processes.js';

/** Real ffmpeg and ffprobe for media tests: publish a test pattern, probe a stream, grab frames. */
export const FFMPEG = process.env.FFMPEG_BIN || 'ffmpeg';
export const FFPROBE = process.env.FFPROBE_BIN || 'ffprobe';

export interface PublishOptions {
  /** An ffmpeg colour (`red`, `0x00ff00`); a plain colour makes decoded frames easy to check. */
  colour?: string;
  width?: number;
  height?: number;
  fps?: number;
  /** A sine tone of this frequency in the same RTSP session (AAC, 48 kHz mono), as the agent's audio. */
  toneHz?: number;
}

/** How an RTSP reader asks for RTP: interleaved on TCP, over UDP, or UDP first then TCP (`auto`). */
export type RtspTransport = 'tcp' | 'udp' | 'auto';

export function transportArgs(transport: RtspTransport): string[] {
  return transport === 'auto' ? [] : ['-rtsp_transport', transport];
}

/**
 * ffmpeg publishing H.264 to `url` over RTSP/TCP (ANNOUNCE, SETUP, RECORD), as the capture agent
 * does; a keyframe every second so a reader can start within one.
 */
export function publishTestPattern(url: string, opts: PublishOptions = {}): Spawned {
  const { colour = 'red', width = 320, height = 240, fps = 15, toneHz } = opts;
  const tone = toneHz
    ? [
        ...['-f', 'lavfi', '-i', `sine=frequency=${toneHz}:sample_rate=48000`],
        ...['-map', '0:v', '-map', '1:a', '-c:a', 'aac', '-b:a', '64k', '-ac', '1'],
      ]
    : [];
  return spawnTracked(FFMPEG, [
    ...['-hide_banner', '-loglevel', 'warning', '-nostdin', '-re'],
    ...['-f', 'lavfi', '-i', `color=c=${colour}:size=${width}x${height}:rate=${fps}`],
    ...tone,
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'],
    ...['-g', String(fps), '-f', 'rtsp', '-rtsp_transport', 'tcp', url],
  ]);
}

/** ffmpeg reading `url` over RTSP/TCP and discarding it, for as long as the caller keeps it. */
export function readStream(url: string): Spawned {
  return spawnTracked(FFMPEG, [
    ...['-hide_banner', '-loglevel', 'warning', '-nostdin', '-rtsp_transport', 'tcp', '-i', url],
    ...['-f', 'null', '-'],
  ]);
}

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a command to its end (killed after `timeoutMs`), keeping stdout as bytes. */
export function run(command: string, args: string[], timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout: Buffer.alloc(0), stderr: `spawn error: ${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
  });
}

export interface ProbedStream {
  codec_type?: string;
  codec_name?: string;
  sample_rate?: string;
  width?: number;
  height?: number;
}

/**
 * ffprobe of an RTSP URL: the streams, or the error ffprobe printed. Over TCP by default; `udp`
 * insists on RTP over UDP; `auto` lets ffprobe try UDP first and fall back, as an NVR's ffmpeg does.
 * Only the fields asked for are shown (`codec_type` and `sample_rate` on request, for audio).
 */
export async function probeStreams(
  url: string,
  transport: RtspTransport = 'tcp',
  entries = 'codec_name,width,height',
): Promise<{ ok: true; streams: ProbedStream[] } | { ok: false; error: string }> {
  const r = await run(FFPROBE, [
    ...['-v', 'error', ...transportArgs(transport)],
    ...['-show_entries', `stream=${entries}`, '-of', 'json', url],
  ]);
  if (r.code !== 0) return { ok: false, error: r.stderr || `ffprobe exited ${r.code}` };
  return { ok: true, streams: (JSON.parse(r.stdout.toString()) as { streams: ProbedStream[] }).streams };
}

/** Decodes `count` frames of an RTSP URL to RGB24: their mean colour and how many pixels came. */
export async function meanColourOf(
  url: string,
  count = 3,
  transport: RtspTransport = 'tcp',
): Promise<{ r: number; g: number; b: number; pixels: number }> {
  const res = await run(FFMPEG, [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', ...transportArgs(transport), '-i', url],
    ...['-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
  ]);
  if (res.code !== 0) throw new Error(`ffmpeg could not read ${url}: ${res.stderr}`);
  const px = res.stdout;
  const sum = [0, 0, 0];
  for (let i = 0; i + 2 < px.length; i += 3) {
    sum[0]! += px[i]!;
    sum[1]! += px[i + 1]!;
    sum[2]! += px[i + 2]!;
  }
  const n = Math.max(1, Math.floor(px.length / 3));
  return { r: sum[0]! / n, g: sum[1]! / n, b: sum[2]! / n, pixels: Math.floor(px.length / 3) };
}
