import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CaptureArgsError } from './capture.types.js';
import { OSD_FONT, osdFilters, type OverlayText } from './osd.filters.js';

const plain = (over: Partial<OverlayText> = {}): OverlayText => ({
  kind: 'Plain',
  plainText: 'Desk 3, floor (A&B)',
  position: 'UpperLeft',
  fontSize: 32,
  ...over,
});

describe('osdFilters', () => {
  it('is empty without overlays', () => {
    expect(osdFilters(undefined, 'linux')).toBe('');
    expect(osdFilters([], 'linux')).toBe('');
  });

  it('draws plain text without expansion, quoted for the filtergraph, white on a dark box', () => {
    expect(osdFilters([plain()], 'linux')).toBe(
      `drawtext=fontfile='${OSD_FONT.linux}':expansion=none:text='Desk 3, floor (A&B)':fontsize=32:` +
        `fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=5:x='h/50':y='h/50'`,
    );
  });

  it('draws the date and time from the local clock', () => {
    expect(osdFilters([{ kind: 'DateAndTime', position: 'LowerRight', fontSize: 24 }], 'linux')).toContain(
      `:text='%{localtime}':fontsize=24:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=4:x='w-tw-h/50':y='h-th-h/50'`,
    );
  });

  it('scales the font and its box for a smaller stream (the sub), positions being fractions of the picture', () => {
    const sub = osdFilters(
      [{ kind: 'DateAndTime', position: 'LowerRight', fontSize: 24 }],
      'linux',
      360 / 1080,
    );
    expect(sub).toContain(
      ":fontsize=8:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=2:x='w-tw-h/50':y='h-th-h/50'",
    );
    expect(osdFilters([plain({ fontSize: 64 })], 'linux', 0.5)).toContain(':fontsize=32:');
  });

  it('places Custom positions from ONVIF normalised coordinates (y up), kept inside the picture', () => {
    expect(osdFilters([plain({ position: 'Custom', x: -1, y: 1 })], 'linux')).toContain(
      `x='min(max(0,0*w),w-tw)':y='min(max(0,0*h),h-th)'`,
    );
    expect(osdFilters([plain({ position: 'Custom', x: 0.5, y: -0.5 })], 'linux')).toContain(
      `x='min(max(0,0.75*w),w-tw)':y='min(max(0,0.75*h),h-th)'`,
    );
  });

  it("escapes the Windows font's drive colon for drawtext's option parser", () => {
    expect(osdFilters([plain()], 'win32')).toContain(`fontfile='C\\:/Windows/Fonts/arial.ttf'`);
  });

  it('chains several overlays in order', () => {
    const chain = osdFilters(
      [plain(), { kind: 'DateAndTime', position: 'UpperRight', fontSize: 16 }],
      'linux',
    );
    expect(chain.split(',drawtext=')).toHaveLength(2);
  });

  it.each(["it's", 'a:b', '100%', 'x\\y', 'a;b', '[x]', ''])('refuses text ffmpeg would read: %j', (t) => {
    expect(() => osdFilters([plain({ plainText: t })], 'linux')).toThrow(CaptureArgsError);
  });

  it('refuses font sizes outside 8-128', () => {
    expect(() => osdFilters([plain({ fontSize: 7 })], 'linux')).toThrow(CaptureArgsError);
    expect(() => osdFilters([plain({ fontSize: 200 })], 'linux')).toThrow(CaptureArgsError);
  });

  // The real parser: the chain is a filter ffmpeg accepts, commas and all (where ffmpeg and the font are).
  const ffmpeg = process.env.FFMPEG_BIN ?? '/usr/bin/ffmpeg';
  (existsSync(ffmpeg) && existsSync(OSD_FONT.linux) ? it : it.skip)('is a filter chain ffmpeg runs', () => {
    const chain = osdFilters(
      [
        plain({ position: 'Custom', x: 0.2, y: -0.3 }),
        { kind: 'DateAndTime', position: 'UpperRight', fontSize: 16 },
      ],
      'linux',
    );
    execFileSync(ffmpeg, [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=black:s=320x180:r=1'],
      ...['-filter_complex', `[0:v]${chain},split=2[a][b]`, '-map', '[a]', '-map', '[b]'],
      ...['-frames:v', '1', '-f', 'null', '-'],
    ]);
  });
});
