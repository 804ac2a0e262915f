import { buildCaptureArgs, CaptureArgsError, type AudioJob, type CaptureJob } from './index.js';

/**
 * Audio in the capture command line, for every platform × codec × microphone × streams: what each
 * argument is for is asserted (inputs, clock, mix, encoder, which RTSP session), not a snapshot.
 */
const base: CaptureJob = {
  platform: 'linux',
  display: ':99',
  source: { kind: 'desktop' },
  encoder: 'libx264',
  drawMouse: true,
  main: { width: 1920, height: 1080, fps: 30, bitrateKbps: 4000, gop: 30 },
  sub: { width: 640, height: 360, fps: 15, bitrateKbps: 512, gop: 30 },
  publish: {
    main: { host: 'media', port: 8554, path: 'desk/cam/main', user: 'pub', password: 'pw' },
    sub: { host: 'media', port: 8554, path: 'desk/cam/sub', user: 'pub', password: 'pw' },
  },
  snapshot: { everySeconds: 2, fd: 3, quality: 5 },
  progress: { fd: 4, periodSeconds: 1 },
};
const AAC: Omit<AudioJob, 'device' | 'main' | 'sub'> = { codec: 'aac', bitrateKbps: 96, sampleRate: 48000 };
const G711: Omit<AudioJob, 'device' | 'main' | 'sub'> = { codec: 'pcmu', bitrateKbps: 64, sampleRate: 8000 };
const DEVICE = { linux: '@DEFAULT_MONITOR@', win32: 'Stereo Mix (Realtek(R) Audio)' } as const;
const MIC = { linux: 'alsa_input.usb-mic', win32: 'Microphone (USB Audio)' } as const;

/** The options of the input `-i value`: from the end of the previous input (or global options). */
function inputOptions(args: string[], value: string): string[] {
  const at = args.indexOf(value);
  expect(args[at - 1]).toBe('-i');
  const previous = args.lastIndexOf('-i', at - 2);
  return args.slice(previous >= 0 ? previous + 2 : args.indexOf('-stats_period') + 2, at - 1);
}

/** The arguments of the output that ends with `url`. */
function outputOf(args: string[], url: string): string[] {
  const end = args.indexOf(url);
  let start = end - 1;
  while (start > 0 && !/^(rtsp|pipe):/.test(args[start - 1] ?? '') && args[start - 1] !== '-filter_complex')
    start--;
  return args.slice(start + (args[start - 1] === '-filter_complex' ? 1 : 0), end + 1);
}

const cases = (['linux', 'win32'] as const).flatMap((platform) =>
  [AAC, G711].flatMap((codec) =>
    [false, true].flatMap((mic) =>
      [
        { main: true, sub: false },
        { main: true, sub: true },
      ].map((streams) => ({
        name: `${platform} ${codec.codec}${mic ? ' + microphone' : ''} ${streams.sub ? 'main+sub' : 'main'}`,
        platform,
        audio: {
          ...codec,
          ...streams,
          device: DEVICE[platform],
          ...(mic ? { microphone: MIC[platform] } : {}),
        },
      })),
    ),
  ),
);

describe.each(cases)('audio: $name', ({ platform, audio }) => {
  const job: CaptureJob = {
    ...base,
    platform,
    ...(platform === 'win32' ? { display: undefined, grabber: 'gdigrab' as const } : {}),
    audio,
  };
  const args = buildCaptureArgs(job);
  const input = platform === 'linux' ? audio.device : `audio=${audio.device}`;

  it('opens the device with the platform input, a deep queue and the screen clock', () => {
    const opts = inputOptions(args, input);
    expect(opts).toEqual(expect.arrayContaining(['-f', platform === 'linux' ? 'pulse' : 'dshow']));
    expect(opts.join(' ')).toContain('-thread_queue_size 1024');
    if (platform === 'win32') {
      // DirectShow's own clock is not the screen's; its 500 ms default buffer would delay audio.
      expect(opts.join(' ')).toContain('-use_wallclock_as_timestamps 1');
      expect(opts.join(' ')).toContain('-audio_buffer_size 50');
    }
    // The video input comes first: the filter graph's [0:v] is the screen, [1:a] the sound.
    expect(args.indexOf(input)).toBeGreaterThan(args.indexOf(platform === 'linux' ? ':99' : 'desktop'));
  });

  it('keeps the inputs\u2019 timestamps (-copyts) so audio and video share one clock', () => {
    expect(args).toContain('-copyts');
    expect(args.indexOf('-copyts')).toBeLessThan(args.indexOf('-filter_complex'));
  });

  it('mixes the microphone in when there is one, follows timestamps, splits per stream', () => {
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    const chain = graph.split(';').at(-1)!;
    if (audio.microphone) {
      expect(chain).toMatch(/^\[1:a\]\[2:a\]amix=inputs=2:duration=longest/);
      expect(args.indexOf(platform === 'linux' ? MIC.linux : `audio=${MIC.win32}`)).toBeGreaterThan(
        args.indexOf(input),
      );
    } else expect(chain).toMatch(/^\[1:a\]aresample/);
    expect(chain).toContain('aresample=async=50:min_hard_comp=0.02');
    expect(chain.endsWith(audio.sub ? 'asplit=2[am][as]' : '[am]')).toBe(true);
  });

  it.each(['main', 'sub'] as const)('the %s RTSP session carries the audio only when asked', (stream) => {
    const out = outputOf(args, `rtsp://pub:pw@media:8554/desk/cam/${stream}`);
    if (!audio[stream]) {
      expect(out).toContain('-an');
      expect(out.join(' ')).not.toMatch(/-c:a/);
      return;
    }
    expect(out).not.toContain('-an');
    const line = out.join(' ');
    expect(line).toContain(`-map [${stream === 'main' ? 'am' : 'as'}]`);
    if (audio.codec === 'aac') {
      expect(line).toContain('-c:a aac -profile:a aac_low -b:a 96k -ar 48000 -ac 2');
    } else {
      // G.711 μ-law: 8 kHz mono, RTP payload type 0 (PCMU/8000).
      expect(line).toContain('-c:a pcm_mulaw -ar 8000 -ac 1');
    }
    expect(line).toMatch(/-f rtsp -rtsp_transport tcp rtsp:/);
    // A lost device stops the audio stream without an end: the muxer must not hold the video for it.
    expect(line).toContain('-max_interleave_delta 150000');
  });
});

describe('audio: what cannot be built', () => {
  const audio: AudioJob = { ...AAC, device: 'x', main: true, sub: false };
  it.each([
    ['no stream carries it', { ...audio, main: false }, /neither main nor sub/],
    ['G.711 at 16 kHz', { ...audio, ...G711, sampleRate: 16000 }, /8 kHz at 64/],
    ['AAC at 8 kHz', { ...audio, sampleRate: 8000 }, /16, 32 or 48 kHz/],
    ['AAC at 1 Mbit/s', { ...audio, bitrateKbps: 1000 }, /16-320/],
    ['no device', { ...audio, device: '' }, /no device/],
  ])('%s', (_name, bad, message) => {
    expect(() => buildCaptureArgs({ ...base, audio: bad })).toThrow(CaptureArgsError);
    expect(() => buildCaptureArgs({ ...base, audio: bad })).toThrow(message);
  });

  it('without audio: -an on both RTSP outputs, no -copyts, no audio input', () => {
    const args = buildCaptureArgs(base);
    expect(args.filter((a) => a === '-an')).toHaveLength(2);
    expect(args).not.toContain('-copyts');
    expect(args).not.toContain('-max_interleave_delta');
    expect(args).not.toContain('pulse');
  });

  it('the test pattern and ddagrab (lavfi, counting from zero) are stamped with wall-clock time', () => {
    const pattern = buildCaptureArgs({ ...base, source: { kind: 'test-pattern' }, audio });
    expect(pattern.slice(0, pattern.indexOf('lavfi')).join(' ')).toContain('-use_wallclock_as_timestamps 1');
    const dda = buildCaptureArgs({
      ...base,
      platform: 'win32',
      display: undefined,
      grabber: 'ddagrab',
      audio,
    });
    const ddaInput = dda.findIndex((a) => a.startsWith('ddagrab='));
    expect(dda.slice(ddaInput - 5, ddaInput).join(' ')).toContain('-use_wallclock_as_timestamps 1');
  });
});
