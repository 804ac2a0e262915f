import {
  buildCaptureArgs,
  CaptureArgsError,
  type CaptureJob,
  type CaptureSource,
  ENCODERS,
  parseEncoderList,
  redactArgs,
  resolveEncoder,
  rtspUrl,
  type WindowsGrabber,
} from './index.js';

const base: CaptureJob = {
  platform: 'linux',
  display: ':99',
  source: { kind: 'desktop' },
  encoder: 'libx264',
  drawMouse: true,
  main: { width: 1920, height: 1080, fps: 15, bitrateKbps: 4000, gop: 30 },
  sub: { width: 640, height: 360, fps: 10, bitrateKbps: 512, gop: 20 },
  publish: {
    main: { host: '10.0.0.5', port: 8554, path: 'desk/cam/main', user: 'pub-cam', password: 's3cr@t/x' },
    sub: { host: '10.0.0.5', port: 8554, path: 'desk/cam/sub', user: 'pub-cam', password: 's3cr@t/x' },
  },
  snapshot: { everySeconds: 2, fd: 3, quality: 5 },
  progress: { fd: 4, periodSeconds: 1 },
};

const rect = { x: 1920, y: 0, width: 1280, height: 720 };
const sources: Record<string, CaptureSource> = {
  desktop: { kind: 'desktop' },
  monitor: { kind: 'monitor', index: 1, bounds: rect },
  region: { kind: 'region', rect: { x: 100, y: 50, width: 800, height: 600 } },
  window: { kind: 'window', title: 'Lab Monitor — Chart', windowId: 0x2a00007 },
  'test-pattern': { kind: 'test-pattern' },
};

/** Every platform x grabber x source x encoder the agent can run. */
const cases: Array<{ name: string; job: CaptureJob }> = [];
const targets: Array<{ platform: 'linux' | 'win32'; grabber?: WindowsGrabber; label: string }> = [
  { platform: 'linux', label: 'linux x11grab' },
  { platform: 'win32', grabber: 'ddagrab', label: 'win32 ddagrab' },
  { platform: 'win32', grabber: 'gdigrab', label: 'win32 gdigrab' },
];
for (const t of targets)
  for (const [sourceName, source] of Object.entries(sources)) {
    if (t.grabber === 'ddagrab' && sourceName === 'window') continue; // always gdigrab, covered there
    for (const encoder of ENCODERS)
      cases.push({
        name: `${t.label} ${sourceName} ${encoder}`,
        job: {
          ...base,
          platform: t.platform,
          ...(t.grabber ? { grabber: t.grabber, display: undefined } : {}),
          source,
          encoder,
        },
      });
  }

describe('buildCaptureArgs golden command lines', () => {
  it.each(cases)('$name', ({ job }) => {
    expect(buildCaptureArgs(job).join('\n')).toMatchSnapshot();
  });

  it('covers every combination', () => {
    expect(cases).toHaveLength(3 * 5 * 4 - 4);
  });

  it('Linux whole desktop with libx264, written out in full', () => {
    expect(buildCaptureArgs(base)).toEqual([
      ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+warning'],
      ...['-progress', 'pipe:4', '-stats_period', '1'],
      ...['-f', 'x11grab', '-framerate', '15', '-draw_mouse', '1', '-i', ':99'],
      '-filter_complex',
      '[0:v]split=3[m][s][j];' +
        '[m]fps=15,scale=1920:1080,format=yuv420p[vm];' +
        '[s]fps=10,scale=640:360,format=yuv420p[vs];' +
        '[j]fps=1/2,scale=1920:1080,format=yuvj420p[vj]',
      ...['-map', '[vm]', '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency'],
      ...['-b:v', '4000k', '-maxrate', '4000k', '-bufsize', '8000k', '-g', '30', '-bf', '0'],
      ...['-profile:v', 'main', '-keyint_min', '30', '-sc_threshold', '0'],
      ...[
        '-an',
        '-f',
        'rtsp',
        '-rtsp_transport',
        'tcp',
        'rtsp://pub-cam:s3cr%40t%2Fx@10.0.0.5:8554/desk/cam/main',
      ],
      ...['-map', '[vs]', '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency'],
      ...['-b:v', '512k', '-maxrate', '512k', '-bufsize', '1024k', '-g', '20', '-bf', '0'],
      ...['-profile:v', 'main', '-keyint_min', '20', '-sc_threshold', '0'],
      ...[
        '-an',
        '-f',
        'rtsp',
        '-rtsp_transport',
        'tcp',
        'rtsp://pub-cam:s3cr%40t%2Fx@10.0.0.5:8554/desk/cam/sub',
      ],
      ...['-map', '[vj]', '-c:v', 'mjpeg', '-q:v', '5', '-f', 'image2pipe', 'pipe:3'],
    ]);
  });

  it('Windows ddagrab with NVENC keeps frames on the GPU', () => {
    const args = buildCaptureArgs({ ...base, platform: 'win32', display: undefined, encoder: 'h264_nvenc' });
    expect(args).toContain('ddagrab=output_idx=0:framerate=15:draw_mouse=1');
    const graph = args[args.indexOf('-filter_complex') + 1];
    expect(graph).toContain('hwmap=derive_device=cuda');
    expect(graph).not.toContain('hwdownload,format=bgra');
  });

  it('Windows ddagrab with libx264 downloads frames as bgra first', () => {
    const args = buildCaptureArgs({ ...base, platform: 'win32', display: undefined, grabber: 'ddagrab' });
    expect(args[args.indexOf('-filter_complex') + 1]).toMatch(/^\[0:v\]hwdownload,format=bgra,split=3/);
  });

  it('a window source on Windows uses gdigrab whatever the grabber', () => {
    const args = buildCaptureArgs({
      ...base,
      platform: 'win32',
      display: undefined,
      grabber: 'ddagrab',
      source: { kind: 'window', title: 'Chart' },
    });
    expect(args.slice(args.indexOf('gdigrab') - 1, args.indexOf('title=Chart') + 1)).toEqual([
      ...['-f', 'gdigrab', '-framerate', '15', '-draw_mouse', '1', '-i', 'title=Chart'],
    ]);
  });

  it('every command line publishes both streams over RTSP/TCP and pipes snapshots and progress', () => {
    for (const { job } of cases) {
      const args = buildCaptureArgs(job);
      expect(args.filter((a) => a === '-rtsp_transport')).toHaveLength(2);
      expect(args.filter((a) => a === 'tcp')).toHaveLength(2);
      expect(args.at(-1)).toBe('pipe:3');
      expect(args[args.indexOf('-progress') + 1]).toBe('pipe:4');
    }
  });
});

describe('bad jobs are refused with a message naming the field', () => {
  it.each([
    ['odd width', { ...base, main: { ...base.main, width: 1921 } }, /main: 1921x1080/],
    ['zero fps', { ...base, sub: { ...base.sub, fps: 0 } }, /sub.fps/],
    ['x11 monitor without bounds', { ...base, source: { kind: 'monitor', index: 2 } }, /needs its bounds/],
    ['x11 window without id', { ...base, source: { kind: 'window', title: 'X' } }, /needs the window id/],
    ['grabber on Linux', { ...base, grabber: 'gdigrab' }, /Windows only/],
    ['same descriptor twice', { ...base, progress: { fd: 3, periodSeconds: 1 } }, /distinct descriptors/],
  ] as Array<[string, CaptureJob, RegExp]>)('%s', (_name, job, message) => {
    expect(() => buildCaptureArgs(job)).toThrow(CaptureArgsError);
    expect(() => buildCaptureArgs(job)).toThrow(message);
  });
});

describe('helpers', () => {
  it('rtspUrl percent-encodes credentials and brackets IPv6 hosts', () => {
    expect(rtspUrl({ host: '::1', port: 8554, path: '/a/b', user: 'u ser', password: 'p:w' })).toBe(
      'rtsp://u%20ser:p%3Aw@[::1]:8554/a/b',
    );
  });

  it('redactArgs hides every RTSP password', () => {
    const shown = redactArgs(buildCaptureArgs(base)).join(' ');
    expect(shown).not.toContain('s3cr');
    expect(shown).toContain('rtsp://pub-cam:***@10.0.0.5:8554/desk/cam/main');
  });

  it('resolveEncoder prefers working hardware, else libx264', () => {
    expect(resolveEncoder('auto', 'win32', ['h264_amf', 'h264_qsv'])).toBe('h264_qsv');
    expect(resolveEncoder('auto', 'linux', ['h264_amf'])).toBe('libx264');
    expect(resolveEncoder('h264_amf', 'linux', [])).toBe('h264_amf');
  });

  it('parseEncoderList reads `ffmpeg -encoders`', () => {
    const out =
      ' V..... = Video\n ------\n V....D libx264   libx264 H.264\n A....D aac  AAC\n V....D h264_nvenc  NVIDIA';
    expect(parseEncoderList(out)).toEqual(['libx264', 'aac', 'h264_nvenc']);
  });
});
