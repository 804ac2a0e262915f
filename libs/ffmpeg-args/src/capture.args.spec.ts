import {
  buildCaptureArgs,
  CaptureArgsError,
  type CaptureJob,
  type CaptureSource,
  type Encoder,
  ENCODERS,
  redactArgs,
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

const sources: Record<CaptureSource['kind'], CaptureSource> = {
  desktop: { kind: 'desktop' },
  monitor: { kind: 'monitor', index: 1, bounds: { x: 1920, y: 0, width: 1280, height: 720 } },
  region: { kind: 'region', rect: { x: 100, y: 50, width: 800, height: 600 } },
  window: { kind: 'window', title: 'Lab Monitor — Chart', windowId: 0x2a00007 },
  'test-pattern': { kind: 'test-pattern' },
};

type Target = 'linux' | WindowsGrabber;
function job(target: Target, source: CaptureSource, encoder: Encoder = 'libx264'): CaptureJob {
  if (target === 'linux') return { ...base, source, encoder };
  return { ...base, platform: 'win32', display: undefined, grabber: target, source, encoder };
}

/** The arguments between the global options and the filter graph: the input. */
function inputOf(args: string[]): string[] {
  return args
    .slice(args.indexOf('level+warning') + 1, args.indexOf('-filter_complex'))
    .filter(
      (a, i, all) =>
        !['-progress', '-stats_period'].includes(a) &&
        !['-progress', '-stats_period'].includes(all[i - 1] ?? ''),
    );
}

/** The encoder arguments of one output pad: after `-map [pad]`, before its rate (`-r`). */
function encoderOf(args: string[], pad: string): string[] {
  const from = args.indexOf(`[${pad}]`) + 1;
  return args.slice(from, args.indexOf('-r', from));
}

/** Everything of one output: from `-map [pad]` to its URL or pipe. */
function outputOf(args: string[], pad: string): string[] {
  const from = args.indexOf(`[${pad}]`) - 1;
  const next = args.indexOf('-map', from + 2);
  return args.slice(from, next < 0 ? undefined : next);
}

/** The sub's decimator: the first frame of each 1/fps slot, never a repeat. */
const SELECT = (fps: number) =>
  `select='isnan(prev_selected_t)+gt(floor(t*${fps}),floor(prev_selected_t*${fps}))'`;

function graphOf(args: string[]): string {
  return args[args.indexOf('-filter_complex') + 1] ?? '';
}

const GDI = ['-f', 'gdigrab', '-framerate', '15', '-draw_mouse', '1'];
const X11 = ['-f', 'x11grab', '-framerate', '15', '-draw_mouse', '1'];
const PATTERN = ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=15'];

describe('the input, per platform and grabber x source', () => {
  it.each<[Target, CaptureSource['kind'], string[]]>([
    ['linux', 'desktop', [...X11, '-i', ':99']],
    ['linux', 'monitor', [...X11, '-video_size', '1280x720', '-i', ':99+1920,0']],
    ['linux', 'region', [...X11, '-video_size', '800x600', '-i', ':99+100,50']],
    ['linux', 'window', [...X11, '-window_id', '0x2a00007', '-i', ':99']],
    ['linux', 'test-pattern', PATTERN],
    ['gdigrab', 'desktop', [...GDI, '-i', 'desktop']],
    [
      'gdigrab',
      'monitor',
      [...GDI, '-offset_x', '1920', '-offset_y', '0', '-video_size', '1280x720', '-i', 'desktop'],
    ],
    [
      'gdigrab',
      'region',
      [...GDI, '-offset_x', '100', '-offset_y', '50', '-video_size', '800x600', '-i', 'desktop'],
    ],
    ['gdigrab', 'window', [...GDI, '-i', 'title=Lab Monitor — Chart']],
    ['gdigrab', 'test-pattern', PATTERN],
    ['ddagrab', 'desktop', ['-f', 'lavfi', '-i', 'ddagrab=output_idx=0:framerate=15:draw_mouse=1']],
    ['ddagrab', 'monitor', ['-f', 'lavfi', '-i', 'ddagrab=output_idx=1:framerate=15:draw_mouse=1']],
    [
      'ddagrab',
      'region',
      [
        '-f',
        'lavfi',
        '-i',
        'ddagrab=output_idx=0:framerate=15:draw_mouse=1:video_size=800x600:offset_x=100:offset_y=50',
      ],
    ],
    // ddagrab cannot follow a window: gdigrab does, whatever the configured grabber.
    ['ddagrab', 'window', [...GDI, '-i', 'title=Lab Monitor — Chart']],
    ['ddagrab', 'test-pattern', PATTERN],
  ])('%s %s', (target, source, expected) => {
    expect(inputOf(buildCaptureArgs(job(target, sources[source])))).toEqual(expected);
  });

  it('draw_mouse follows the option', () => {
    expect(inputOf(buildCaptureArgs({ ...base, drawMouse: false }))).toContain('0');
    const dda = buildCaptureArgs({ ...job('ddagrab', sources.desktop), drawMouse: false });
    expect(inputOf(dda).at(-1)).toContain('draw_mouse=0');
  });
});

describe('the encoder of each stream', () => {
  const specific: Record<Encoder, string[]> = {
    libx264: ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency'],
    h264_nvenc: ['-c:v', 'h264_nvenc', '-preset', 'p4', '-tune', 'll', '-rc', 'cbr'],
    h264_qsv: ['-c:v', 'h264_qsv', '-preset', 'veryfast', '-look_ahead', '0'],
    h264_amf: ['-c:v', 'h264_amf', '-usage', 'lowlatency', '-quality', 'speed', '-rc', 'cbr'],
  };
  it.each(ENCODERS)(
    '%s: CBR with a 2 s VBV, a fixed GOP, no B-frames, Main profile, per stream',
    (encoder) => {
      const args = buildCaptureArgs(job('gdigrab', sources.desktop, encoder));
      for (const [pad, s] of [
        ['vm', base.main],
        ['vs', base.sub],
      ] as const) {
        const enc = encoderOf(args, pad);
        expect(enc.slice(0, specific[encoder].length)).toEqual(specific[encoder]);
        const rate = [
          ...[
            '-b:v',
            `${s.bitrateKbps}k`,
            '-maxrate',
            `${s.bitrateKbps}k`,
            '-bufsize',
            `${s.bitrateKbps * 2}k`,
          ],
          ...['-g', String(s.gop), '-bf', '0', '-profile:v', 'main'],
        ];
        expect(enc.slice(specific[encoder].length, specific[encoder].length + rate.length)).toEqual(rate);
        // libx264 alone makes scene-cut keyframes: switched off so that the GOP an NVR reads is real.
        if (encoder === 'libx264')
          expect(enc.slice(-4)).toEqual(['-keyint_min', String(s.gop), '-sc_threshold', '0']);
      }
    },
  );
});

describe('the filter graph, per where frames are x encoder', () => {
  // Main at the capture's rate has no rate filter (ffmpeg's fps filter repeats frames when the
  // capture lags); the sub drops to 10 of the 15 frames a second without ever repeating one.
  const branches = (pix: string) => [
    `[m]scale=1920:1080,format=${pix}[vm]`,
    `[s]${SELECT(10)},scale=640:360,format=${pix}[vs]`,
    '[j]fps=1/2,scale=1920:1080,format=yuvj420p[vj]',
  ];
  it.each<[Target, Encoder, string]>([
    ['linux', 'libx264', 'yuv420p'],
    ['linux', 'h264_nvenc', 'yuv420p'],
    ['linux', 'h264_qsv', 'nv12'],
    ['gdigrab', 'h264_amf', 'nv12'],
  ])('frames in memory (%s) with %s: split three ways, scaled to %s', (target, encoder, pix) => {
    expect(graphOf(buildCaptureArgs(job(target, sources.desktop, encoder))).split(';')).toEqual([
      '[0:v]split=3[m][s][j]',
      ...branches(pix),
    ]);
  });

  it.each<[Encoder, string]>([
    ['libx264', 'yuv420p'],
    ['h264_amf', 'nv12'],
  ])('ddagrab with %s: downloaded from the GPU once, as bgra', (encoder, pix) => {
    expect(graphOf(buildCaptureArgs(job('ddagrab', sources.desktop, encoder))).split(';')).toEqual([
      '[0:v]hwdownload,format=bgra,split=3[m][s][j]',
      ...branches(pix),
    ]);
  });

  it('ddagrab with NVENC: frames stay on the GPU (CUDA), only snapshots come back', () => {
    expect(graphOf(buildCaptureArgs(job('ddagrab', sources.desktop, 'h264_nvenc'))).split(';')).toEqual([
      '[0:v]hwmap=derive_device=cuda,split=3[m][s][j]',
      '[m]scale_cuda=1920:1080:format=yuv420p[vm]',
      `[s]${SELECT(10)},scale_cuda=640:360:format=yuv420p[vs]`,
      '[j]fps=1/2,scale_cuda=1920:1080:format=yuv420p,hwdownload,format=yuv420p,format=yuvj420p[vj]',
    ]);
  });

  it('ddagrab with QSV: frames stay on the GPU (QSV), only snapshots come back', () => {
    expect(graphOf(buildCaptureArgs(job('ddagrab', sources.desktop, 'h264_qsv'))).split(';')).toEqual([
      '[0:v]hwmap=derive_device=qsv,format=qsv,split=3[m][s][j]',
      '[m]scale_qsv=w=1920:h=1080:format=nv12[vm]',
      `[s]${SELECT(10)},scale_qsv=w=640:h=360:format=nv12[vs]`,
      '[j]fps=1/2,scale_qsv=w=1920:h=1080:format=nv12,hwdownload,format=nv12,format=yuvj420p[vj]',
    ]);
  });
});

describe('picture adjustments (ONVIF imaging)', () => {
  const picture = { brightness: 75, contrast: 50, saturation: 50, sharpness: 100 };

  it('run once before the split, so main, sub and the snapshots agree', () => {
    const args = buildCaptureArgs({ ...job('linux', sources.desktop), picture });
    expect(graphOf(args).split(';')[0]).toBe('[0:v]eq=brightness=0.25,unsharp=5:5:1.5,split=3[m][s][j]');
  });

  it('neutral values add no filter', () => {
    const args = buildCaptureArgs({
      ...job('linux', sources.desktop),
      picture: { ...picture, brightness: 50, sharpness: 50 },
    });
    expect(graphOf(args).split(';')[0]).toBe('[0:v]split=3[m][s][j]');
  });

  it('ddagrab with NVENC: frames come down from the GPU once for the filters', () => {
    const args = buildCaptureArgs({ ...job('ddagrab', sources.desktop, 'h264_nvenc'), picture });
    expect(graphOf(args).split(';')[0]).toBe(
      '[0:v]hwdownload,format=bgra,eq=brightness=0.25,unsharp=5:5:1.5,split=3[m][s][j]',
    );
  });
});

describe('OSD overlays', () => {
  const osd = [{ kind: 'DateAndTime' as const, position: 'UpperLeft' as const, fontSize: 20 }];
  const withCopy: CaptureJob = {
    ...base,
    snapshot: { ...base.snapshot, subFd: 5 },
    activity: { fd: 6, width: 64, height: 36, fps: 10 },
    osd,
  };
  const drawtext = (size: number) => new RegExp(`drawtext=[^;]*:fontsize=${size}:`);

  it('are drawn on each stream after its scaling, the sub in proportion (20 px at 1080 lines, 7 at 360)', () => {
    const picture = { brightness: 75, contrast: 50, saturation: 50, sharpness: 50 };
    const graph = graphOf(buildCaptureArgs({ ...withCopy, picture })).split(';');
    expect(graph[0]).toBe('[0:v]eq=brightness=0.25,split=4[m][s][j][k]');
    expect(graph[1]).toMatch(/^\[m\]scale=1920:1080,format=yuv420p,drawtext=[^;]*:fontsize=20:[^;]*\[vm\]$/);
    expect(graph.find((b) => b.startsWith('[j]'))).toMatch(drawtext(20));
    expect(graph.find((b) => b.startsWith('[k]'))).toMatch(drawtext(7));
    expect(graph.find((b) => b.endsWith('[vs]'))).toMatch(drawtext(7));
  });

  it("the activity detector's copy is split off the sub before its OSD: the ticking clock is not desktop activity", () => {
    const graph = graphOf(buildCaptureArgs(withCopy)).split(';');
    expect(graph).toContain(`[s]${SELECT(10)},scale=640:360,format=yuv420p,split=2[so][a]`);
    expect(graph.find((b) => b.startsWith('[so]'))).toMatch(/^\[so\]drawtext=[^;]*\[vs\]$/);
    expect(graph.find((b) => b.startsWith('[a]'))).toBe('[a]scale=64:36:flags=area,format=rgb24[va]');
  });

  it('take the GPU path through memory, as the imaging filters do', () => {
    const graph = graphOf(buildCaptureArgs({ ...job('ddagrab', sources.desktop, 'h264_nvenc'), osd })).split(
      ';',
    );
    expect(graph[0]).toBe('[0:v]hwdownload,format=bgra,split=3[m][s][j]');
    expect(graph[1]).toMatch(/^\[m\]scale=1920:1080,format=yuv420p,drawtext=/);
  });
});

describe('frames are passed on as captured, never repeated', () => {
  it('FFmpeg >= 5.1: -fps_mode vfr on every output, each stream at its nominal rate (-r)', () => {
    const args = buildCaptureArgs({
      ...base,
      snapshot: { ...base.snapshot, subFd: 5 },
      activity: { fd: 6, width: 64, height: 36, fps: 10 },
    });
    expect(args).not.toContain('-vsync');
    expect(outputOf(args, 'vm').slice(-10, -6)).toEqual(['-r', '15', '-fps_mode', 'vfr']);
    expect(outputOf(args, 'vs').slice(-10, -6)).toEqual(['-r', '10', '-fps_mode', 'vfr']);
    for (const pad of ['vj', 'vk', 'va'])
      expect(outputOf(args, pad).slice(2, 4)).toEqual(['-fps_mode', 'vfr']);
    expect(graphOf(args)).not.toMatch(/\[m\]fps=/);
  });

  it('FFmpeg 4.1 (Windows/Wine): no -fps_mode, which it refuses, but the global -vsync vfr before the outputs', () => {
    const args = buildCaptureArgs({
      ...job('gdigrab', sources.desktop),
      progress: { fd: 4 },
      videoSync: 'vsync',
    });
    expect(args).not.toContain('-fps_mode');
    expect(args.filter((a) => a === '-vsync')).toHaveLength(1);
    expect(args.slice(args.indexOf('-vsync'), args.indexOf('-vsync') + 3)).toEqual([
      '-vsync',
      'vfr',
      '-filter_complex',
    ]);
    expect(outputOf(args, 'vm').slice(-8, -6)).toEqual(['-r', '15']);
    expect(outputOf(args, 'vs').slice(-8, -6)).toEqual(['-r', '10']);
    expect(graphOf(args).split(';')[1]).toBe('[m]scale=1920:1080,format=yuv420p[vm]');
  });

  it('a branch slower than the capture drops frames by time slots; one as fast or faster has no rate filter', () => {
    const args = buildCaptureArgs({
      ...base,
      main: { ...base.main, fps: 30 },
      sub: { ...base.sub, fps: 30 },
    });
    expect(graphOf(args).split(';').slice(1, 3)).toEqual([
      '[m]scale=1920:1080,format=yuv420p[vm]',
      '[s]scale=640:360,format=yuv420p[vs]',
    ]);
    const slow = buildCaptureArgs({ ...base, main: { ...base.main, fps: 30 }, sub: { ...base.sub, fps: 7 } });
    expect(graphOf(slow).split(';')[2]).toBe(`[s]${SELECT(7)},scale=640:360,format=yuv420p[vs]`);
  });
});

describe('outputs and pipes, whatever the platform, source and encoder', () => {
  const all = (['linux', 'gdigrab', 'ddagrab'] as const).flatMap((t) =>
    Object.values(sources).flatMap((s) => ENCODERS.map((e) => job(t, s, e))),
  );

  it('main and sub over RTSP/TCP with the publish credentials, no audio; JPEGs on fd 3; progress on fd 4', () => {
    for (const j of all) {
      const args = buildCaptureArgs(j);
      const rtsp = (url: string) => ['-an', '-f', 'rtsp', '-rtsp_transport', 'tcp', url];
      const at = (pad: string) => args.indexOf('-an', args.indexOf(`[${pad}]`));
      expect(args.slice(at('vm'), at('vm') + 6)).toEqual(
        rtsp('rtsp://pub-cam:s3cr%40t%2Fx@10.0.0.5:8554/desk/cam/main'),
      );
      expect(args.slice(at('vs'), at('vs') + 6)).toEqual(
        rtsp('rtsp://pub-cam:s3cr%40t%2Fx@10.0.0.5:8554/desk/cam/sub'),
      );
      expect(args.slice(args.indexOf('[vj]') + 1)).toEqual([
        '-fps_mode',
        'vfr',
        '-c:v',
        'mjpeg',
        '-q:v',
        '5',
        '-f',
        'image2pipe',
        'pipe:3',
      ]);
      expect(args.slice(0, 9)).toEqual([
        ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+warning'],
        ...['-progress', 'pipe:4', '-stats_period', '1'],
      ]);
    }
  });

  it('-stats_period only when the job sets a period (ffmpeg < 4.4 refuses the option)', () => {
    const old = buildCaptureArgs({ ...base, progress: { fd: 4 } });
    expect(old).not.toContain('-stats_period');
    expect(old.slice(5, 8)).toEqual(['-progress', 'pipe:4', '-f']);
    expect(buildCaptureArgs({ ...base, progress: { fd: 4, periodSeconds: 2 } }).slice(7, 9)).toEqual([
      '-stats_period',
      '2',
    ]);
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
  ] as Array<[string, CaptureJob, RegExp]>)('%s', (_name, bad, message) => {
    expect(() => buildCaptureArgs(bad)).toThrow(CaptureArgsError);
    expect(() => buildCaptureArgs(bad)).toThrow(message);
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
});

describe('the sub snapshot and the grey copy for the activity detector', () => {
  const withExtras: CaptureJob = {
    ...base,
    snapshot: { ...base.snapshot, subFd: 5 },
    activity: { fd: 6, width: 64, height: 36, fps: 10 },
  };

  it('x11grab: a four-way split, a JPEG at the sub size on fd 5, the 64x36 copy made from the sub on fd 6', () => {
    const args = buildCaptureArgs(withExtras);
    const graph = args[args.indexOf('-filter_complex') + 1]?.split(';');
    // The copy is not a fifth branch of the 1920x1080 capture: it comes out of the sub, already
    // scaled to 640x360 and converted to yuv420p, so averaging it down costs a tenth.
    expect(graph?.[0]).toBe('[0:v]split=4[m][s][j][k]');
    expect(graph).toContain(`[s]${SELECT(10)},scale=640:360,format=yuv420p,split=2[vs][a]`);
    // The sub already runs at the copy's 10 fps: no rate filter on the copy.
    expect(graph?.slice(-2)).toEqual([
      '[k]fps=1/2,scale=640:360:flags=area,format=yuvj420p[vk]',
      '[a]scale=64:36:flags=area,format=rgb24[va]',
    ]);
    expect(args.slice(args.indexOf('[vk]') - 1)).toEqual([
      ...['-map', '[vk]', '-fps_mode', 'vfr', '-c:v', 'mjpeg', '-q:v', '5', '-f', 'image2pipe', 'pipe:5'],
      ...['-map', '[va]', '-fps_mode', 'vfr', '-c:v', 'rawvideo', '-f', 'rawvideo', 'pipe:6'],
    ]);
  });

  it('the copy never runs faster than the sub it comes from (no repeated frames)', () => {
    const args = buildCaptureArgs({ ...withExtras, sub: { ...base.sub, fps: 5 } });
    const graph = args[args.indexOf('-filter_complex') + 1]?.split(';');
    expect(graph).toContain(`[s]${SELECT(5)},scale=640:360,format=yuv420p,split=2[vs][a]`);
    expect(graph).toContain('[a]scale=64:36:flags=area,format=rgb24[va]');
    // A sub faster than the copy: the copy drops to its own 10 fps.
    const fast = buildCaptureArgs({
      ...withExtras,
      main: { ...base.main, fps: 30 },
      sub: { ...base.sub, fps: 30 },
    });
    expect(fast[fast.indexOf('-filter_complex') + 1]?.split(';')).toContain(
      `[a]${SELECT(10)},scale=64:36:flags=area,format=rgb24[va]`,
    );
  });

  it('without the detector the sub is not split', () => {
    const args = buildCaptureArgs({ ...withExtras, activity: undefined });
    const graph = args[args.indexOf('-filter_complex') + 1]?.split(';');
    expect(graph).toContain(`[s]${SELECT(10)},scale=640:360,format=yuv420p[vs]`);
    expect(args).not.toContain('[va]');
  });

  it('ddagrab with NVENC: scaled on the GPU, only the small frames come back', () => {
    const args = buildCaptureArgs({
      ...withExtras,
      ...job('ddagrab', sources.desktop, 'h264_nvenc'),
      snapshot: withExtras.snapshot,
      activity: withExtras.activity,
    });
    expect(args[args.indexOf('-filter_complex') + 1]?.split(';').slice(-1)).toEqual([
      `[a]${SELECT(10)},scale_cuda=64:36:format=yuv420p,hwdownload,format=yuv420p,format=rgb24[va]`,
    ]);
  });

  it.each([
    [
      'a descriptor used twice',
      { ...withExtras, activity: { fd: 5, width: 64, height: 36, fps: 10 } },
      /distinct/,
    ],
    [
      'a grey copy that is not small',
      { ...withExtras, activity: { fd: 6, width: 1920, height: 1080, fps: 10 } },
      /at most 320x240/,
    ],
    ['no frame rate', { ...withExtras, activity: { fd: 6, width: 64, height: 36, fps: 0 } }, /activity.fps/],
  ])('refused: %s', (_name, j, message) => {
    expect(() => buildCaptureArgs(j)).toThrow(message);
  });
});
