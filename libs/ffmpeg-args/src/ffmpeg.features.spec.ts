import {
  chooseGrabber,
  type FfmpegFeatures,
  listsOption,
  parseDeviceList,
  parseEncoderList,
  parseFfmpegVersion,
  parseFilterList,
  resolveEncoder,
} from './index.js';

describe("reading an ffmpeg's answers", () => {
  it('the version, whatever the build', () => {
    expect(parseFfmpegVersion('ffmpeg version 4.1 Copyright (c) 2000-2018 the FFmpeg developers\n')).toBe(
      '4.1',
    );
    expect(parseFfmpegVersion('ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026')).toBe(
      '5.1.9-0+deb12u1',
    );
    expect(parseFfmpegVersion('ffmpeg version N-113000-g1a2b3c-static https://…')).toBe(
      'N-113000-g1a2b3c-static',
    );
    expect(parseFfmpegVersion('not ffmpeg')).toBeUndefined();
  });

  it('-stats_period from `-h long` (listed from 4.4 on)', () => {
    const help =
      '-progress url        write program-readable progress information\n' +
      '-stats_period time  set the period at which ffmpeg updates stats and -progress output\n';
    expect(listsOption(help, 'stats_period')).toBe(true);
    expect(listsOption(help.split('\n')[0] ?? '', 'stats_period')).toBe(false);
    expect(listsOption('-stats_periodic x', 'stats_period')).toBe(false);
  });

  it('-fps_mode from `-h long` (5.1 on; 4.1 lists only -vsync)', () => {
    // As FFmpeg 5.1 and 4.1 print them.
    const help51 =
      '-vsync              set video sync method globally; deprecated, use -fps_mode\n' +
      '-fps_mode           set framerate mode for matching video streams; overrides vsync\n';
    const help41 = '-vsync              video sync method\n-async              audio sync method\n';
    expect(listsOption(help51, 'fps_mode')).toBe(true);
    expect(listsOption(help41, 'fps_mode')).toBe(false);
  });

  it('input devices from `-devices`, aliases split', () => {
    const out =
      'Devices:\n D. = Demuxing supported\n --\n DE alsa            ALSA audio output\n' +
      '  E caca            caca output device\n D  gdigrab         GDI API Windows frame grabber\n' +
      ' DE video4linux2,v4l2 Video4Linux2 output device\n D  x11grab         X11 screen capture';
    expect(parseDeviceList(out)).toEqual(['alsa', 'gdigrab', 'video4linux2', 'v4l2', 'x11grab']);
  });

  it('filters from `-filters`, old (TSC) and new (T.. etc.) flag columns', () => {
    const out =
      'Filters:\n  T.. = Timeline support\n  | = Source or sink filter\n' +
      ' ... ddagrab           |->V       Grab Windows Desktop images using Desktop Duplication API\n' +
      ' T.C scale             V->V       Scale the input video size\n' +
      ' ..C acompressor       A->A       Audio compressor.';
    expect(parseFilterList(out)).toEqual(['ddagrab', 'scale', 'acompressor']);
  });

  it('encoders from `-encoders`', () => {
    const out =
      ' V..... = Video\n ------\n V....D libx264   libx264 H.264\n A....D aac  AAC\n V....D h264_nvenc  NVIDIA';
    expect(parseEncoderList(out)).toEqual(['libx264', 'aac', 'h264_nvenc']);
  });
});

describe('choices that follow the ffmpeg found', () => {
  const ffmpeg41: FfmpegFeatures = {
    version: '4.1',
    statsPeriod: false,
    fpsMode: false,
    inputDevices: ['dshow', 'gdigrab', 'lavfi'],
    filters: ['scale', 'split'],
    encoders: ['libx264'],
  };
  const ffmpeg61: FfmpegFeatures = {
    ...ffmpeg41,
    version: '6.1.1',
    statsPeriod: true,
    fpsMode: true,
    filters: ['ddagrab', 'scale'],
  };

  it('ddagrab where ffmpeg has it, else gdigrab, saying why', () => {
    expect(chooseGrabber('ddagrab', ffmpeg61)).toEqual({ grabber: 'ddagrab' });
    expect(chooseGrabber('ddagrab', ffmpeg41)).toEqual({
      grabber: 'gdigrab',
      fallback: 'ffmpeg 4.1 has no ddagrab (FFmpeg 6.0 or later has it): using gdigrab',
    });
    expect(chooseGrabber('gdigrab', ffmpeg61)).toEqual({ grabber: 'gdigrab' });
  });

  it('resolveEncoder prefers working hardware, else libx264', () => {
    expect(resolveEncoder('auto', 'win32', ['h264_amf', 'h264_qsv'])).toBe('h264_qsv');
    expect(resolveEncoder('auto', 'linux', ['h264_amf'])).toBe('libx264');
    expect(resolveEncoder('h264_amf', 'linux', [])).toBe('h264_amf');
  });
});
