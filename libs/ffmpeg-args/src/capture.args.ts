import { CaptureArgsError, type CaptureJob, type RtspTarget } from './capture.types.js';
import { encoderArgs } from './encoder.args.js';
import { filterGraph, PADS } from './filter.graph.js';
import { inputArgs } from './input.args.js';
import {
  AUDIO_MUX_ARGS,
  AUDIO_PADS,
  EPOCH_CLOCK_ARGS,
  audioEncoderArgs,
  audioFilter,
  audioInputArgs,
  validateAudio,
} from './audio.args.js';

/** `rtsp://user:pass@host:port/path`, user and password percent-encoded. */
export function rtspUrl(t: RtspTarget): string {
  const auth = t.user ? `${encodeURIComponent(t.user)}:${encodeURIComponent(t.password)}@` : '';
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `rtsp://${auth}${host}:${t.port}/${t.path.replace(/^\/+/, '')}`;
}

/**
 * The whole ffmpeg command line (without the program name) for one camera: one capture, main and
 * sub H.264 published with RTSP over TCP (MediaMTX, DESIGN.md "The capture agent"), a JPEG every
 * few seconds on a pipe, and progress blocks on another pipe for stall detection.
 */
export function buildCaptureArgs(job: CaptureJob): string[] {
  validate(job);
  const input = inputArgs(job);
  const audio = job.audio;
  // Inputs: 0 the screen, 1 the audio device, 2 the microphone.
  const audioInputs = audio
    ? [
        ...audioInputArgs(job.platform, audio.device),
        ...(audio.microphone ? audioInputArgs(job.platform, audio.microphone) : []),
      ]
    : [];
  const graph = filterGraph(job, input.frames) + (audio ? `;${audioFilter(audio, 1)}` : '');
  // Frames go out as they come: a capture that lags gives fewer frames, never repeats (the
  // muxers' default, constant rate, would repeat the last frame to fill each gap).
  const vfr = job.videoSync === 'vsync' ? [] : ['-fps_mode', 'vfr'];
  const rtsp = (stream: 'main' | 'sub', target: RtspTarget) => [
    // The stream's nominal rate, which the encoder's rate control counts bits per frame with.
    ...['-r', String(job[stream].fps), ...vfr],
    ...(audio?.[stream]
      ? ['-map', `[${AUDIO_PADS[stream]}]`, ...audioEncoderArgs(audio), ...AUDIO_MUX_ARGS]
      : ['-an']),
    ...(audio ? EPOCH_CLOCK_ARGS : []),
    ...['-f', 'rtsp', '-rtsp_transport', 'tcp', rtspUrl(target)],
  ];
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'level+warning',
    '-progress',
    `pipe:${job.progress.fd}`,
    ...(job.progress.periodSeconds === undefined
      ? []
      : ['-stats_period', String(job.progress.periodSeconds)]),
    ...input.args,
    ...audioInputs,
    // One clock for audio and video: the inputs' own wall-clock timestamps (audio.args.ts).
    ...(audio ? ['-copyts'] : []),
    // FFmpeg < 5.1 (the 4.1 of Windows/Wine installs): the same, set once for every output.
    ...(job.videoSync === 'vsync' ? ['-vsync', 'vfr'] : []),
    '-filter_complex',
    graph,
    '-map',
    `[${PADS.main}]`,
    ...encoderArgs(job.encoder, job.main),
    ...rtsp('main', job.publish.main),
    '-map',
    `[${PADS.sub}]`,
    ...encoderArgs(job.encoder, job.sub),
    ...rtsp('sub', job.publish.sub),
    '-map',
    `[${PADS.snapshot}]`,
    ...vfr,
    '-c:v',
    'mjpeg',
    '-q:v',
    String(job.snapshot.quality),
    '-f',
    'image2pipe',
    `pipe:${job.snapshot.fd}`,
    ...(job.snapshot.subFd !== undefined
      ? [
          '-map',
          `[${PADS.subSnapshot}]`,
          ...vfr,
          '-c:v',
          'mjpeg',
          '-q:v',
          String(job.snapshot.quality),
          '-f',
          'image2pipe',
          `pipe:${job.snapshot.subFd}`,
        ]
      : []),
    ...(job.activity
      ? [
          '-map',
          `[${PADS.activity}]`,
          ...vfr,
          '-c:v',
          'rawvideo',
          '-f',
          'rawvideo',
          `pipe:${job.activity.fd}`,
        ]
      : []),
  ];
}

/** The same arguments with every URL's password replaced, for logs (never log a secret). */
export function redactArgs(args: readonly string[]): string[] {
  return args.map((a) => a.replace(/^(rtsp:\/\/[^:@/]*:)[^@]*@/, '$1***@'));
}

function validate(job: CaptureJob): void {
  const positive = (what: string, v: number) => {
    if (!Number.isInteger(v) || v <= 0) throw new CaptureArgsError(`${what}: a positive integer (got ${v})`);
  };
  for (const name of ['main', 'sub'] as const) {
    const s = job[name];
    for (const key of ['width', 'height', 'fps', 'bitrateKbps', 'gop'] as const)
      positive(`${name}.${key}`, s[key]);
    // 4:2:0 chroma needs even sizes; odd ones make the encoders fail at start.
    if (s.width % 2 || s.height % 2)
      throw new CaptureArgsError(`${name}: ${s.width}x${s.height}, width and height must be even`);
  }
  positive('snapshot.everySeconds', job.snapshot.everySeconds);
  if (job.snapshot.quality < 2 || job.snapshot.quality > 31)
    throw new CaptureArgsError(`snapshot.quality: 2-31 (got ${job.snapshot.quality})`);
  const fds = [job.snapshot.fd, job.progress.fd, job.snapshot.subFd, job.activity?.fd].filter(
    (fd): fd is number => fd !== undefined,
  );
  if (fds.some((fd) => fd < 3) || new Set(fds).size !== fds.length)
    throw new CaptureArgsError(
      'snapshot, progress, sub snapshot and activity need distinct descriptors, 3 or above',
    );
  if (job.activity) {
    const a = job.activity;
    for (const key of ['width', 'height', 'fps'] as const) positive(`activity.${key}`, a[key]);
    if (a.width > 320 || a.height > 240)
      throw new CaptureArgsError('activity: at most 320x240, a small grey copy');
  }
  if (job.platform !== 'win32' && job.grabber !== undefined)
    throw new CaptureArgsError(`grabber ${job.grabber}: Windows only`);
  if (job.audio) validateAudio(job.audio);
  if (job.source.kind === 'window' && !job.source.title)
    throw new CaptureArgsError('source window: a title is required');
}
