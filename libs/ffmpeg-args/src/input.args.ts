import { CaptureArgsError, type CaptureJob, type Rect } from './capture.types.js';

/** How frames leave the input: in system memory, or as D3D11 textures on the GPU (ddagrab). */
export type FrameLocation = 'system' | 'd3d11';

export interface InputArgs {
  args: string[];
  frames: FrameLocation;
}

/** The capture rate: the faster of the two streams, each branch then drops to its own rate. */
export function captureFps(job: Pick<CaptureJob, 'main' | 'sub'>): number {
  return Math.max(job.main.fps, job.sub.fps);
}

/** The input half of the command line for the job's platform and source. */
export function inputArgs(job: CaptureJob): InputArgs {
  const fps = captureFps(job);
  if (job.source.kind === 'test-pattern') {
    // lavfi generates as fast as it can: -re paces it like a live source.
    const size = `${job.main.width}x${job.main.height}`;
    return {
      args: ['-re', ...wallclock(job), '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}`],
      frames: 'system',
    };
  }
  switch (job.platform) {
    case 'linux':
      return { args: x11grab(job, fps), frames: 'system' };
    case 'win32':
      return windowsGrabber(job) === 'ddagrab'
        ? { args: ddagrab(job, fps), frames: 'd3d11' }
        : { args: gdigrab(job, fps), frames: 'system' };
  }
}

/** ddagrab cannot follow a window: a window source always uses gdigrab. */
export function windowsGrabber(job: Pick<CaptureJob, 'grabber' | 'source'>): 'ddagrab' | 'gdigrab' {
  return job.source.kind === 'window' ? 'gdigrab' : (job.grabber ?? 'ddagrab');
}

/**
 * lavfi sources (the test pattern, ddagrab) count time from zero: with audio, they are stamped
 * with wall-clock time, the clock of the audio devices (audio.args.ts).
 */
function wallclock(job: CaptureJob): string[] {
  return job.audio ? ['-use_wallclock_as_timestamps', '1'] : [];
}

function mouse(job: CaptureJob): string {
  return job.drawMouse ? '1' : '0';
}

function size(r: Rect): string {
  return `${r.width}x${r.height}`;
}

function x11grab(job: CaptureJob, fps: number): string[] {
  const display = job.display ?? ':0';
  const head = ['-f', 'x11grab', '-framerate', String(fps), '-draw_mouse', mouse(job)];
  const src = job.source;
  switch (src.kind) {
    case 'desktop':
      return [...head, '-i', display];
    case 'monitor':
      if (!src.bounds) throw new CaptureArgsError(`source monitor ${src.index}: x11grab needs its bounds`);
      return [...head, '-video_size', size(src.bounds), '-i', `${display}+${src.bounds.x},${src.bounds.y}`];
    case 'region':
      return [...head, '-video_size', size(src.rect), '-i', `${display}+${src.rect.x},${src.rect.y}`];
    case 'window':
      if (src.windowId === undefined)
        throw new CaptureArgsError(`source window "${src.title}": x11grab needs the window id`);
      return [...head, '-window_id', `0x${src.windowId.toString(16)}`, '-i', display];
    case 'test-pattern':
      throw new CaptureArgsError('test-pattern is not an x11grab source');
  }
}

function gdigrab(job: CaptureJob, fps: number): string[] {
  const head = ['-f', 'gdigrab', '-framerate', String(fps), '-draw_mouse', mouse(job)];
  const area = (r: Rect) => [
    '-offset_x',
    String(r.x),
    '-offset_y',
    String(r.y),
    '-video_size',
    size(r),
    '-i',
    'desktop',
  ];
  const src = job.source;
  switch (src.kind) {
    case 'desktop':
      return [...head, '-i', 'desktop'];
    case 'monitor':
      if (!src.bounds) throw new CaptureArgsError(`source monitor ${src.index}: gdigrab needs its bounds`);
      return [...head, ...area(src.bounds)];
    case 'region':
      return [...head, ...area(src.rect)];
    case 'window':
      return [...head, '-i', `title=${src.title}`];
    case 'test-pattern':
      throw new CaptureArgsError('test-pattern is not a gdigrab source');
  }
}

/**
 * ddagrab is a lavfi source filter. It captures one output (monitor): the whole desktop means the
 * primary output 0; a region is an offset and size within output 0.
 */
function ddagrab(job: CaptureJob, fps: number): string[] {
  const opts = [`framerate=${fps}`, `draw_mouse=${mouse(job)}`];
  const src = job.source;
  switch (src.kind) {
    case 'desktop':
      opts.unshift('output_idx=0');
      break;
    case 'monitor':
      opts.unshift(`output_idx=${src.index}`);
      break;
    case 'region':
      opts.unshift('output_idx=0');
      opts.push(`video_size=${size(src.rect)}`, `offset_x=${src.rect.x}`, `offset_y=${src.rect.y}`);
      break;
    case 'window':
    case 'test-pattern':
      throw new CaptureArgsError(`${src.kind} is not a ddagrab source`);
  }
  return [...wallclock(job), '-f', 'lavfi', '-i', `ddagrab=${opts.join(':')}`];
}
