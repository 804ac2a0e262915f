import type { CaptureJob, Encoder, StreamEncoding } from './capture.types.js';
import type { FrameLocation } from './input.args.js';
import { osdFilters } from './osd.filters.js';
import { pictureFilters } from './picture.filters.js';
import { captureFps } from './input.args.js';

/** Output pad labels of the graph: main stream, sub stream, snapshot JPEGs. */
export const PADS = { main: 'vm', sub: 'vs', snapshot: 'vj', subSnapshot: 'vk', activity: 'va' } as const;

/**
 * The split of the one input: main, sub, snapshot, and the optional sub snapshot and grey copy.
 * `activityFromSub`: the grey copy is made from the sub branch (label `[a]` comes out of it), not
 * from the split.
 */
function split(
  job: CaptureJob,
  activityFromSub: boolean,
  osd: (s: Size) => string,
): { split: string; extra: (memory: (s: Size) => string) => string[] } {
  const labels = ['[m]', '[s]', '[j]'];
  if (job.snapshot.subFd !== undefined) labels.push('[k]');
  if (job.activity && !activityFromSub) labels.push('[a]');
  return {
    split: `split=${labels.length}${labels.join('')}`,
    extra: (memory) => [
      ...(job.snapshot.subFd !== undefined
        ? [
            `[k]${snapshotRate(job)},${memory(job.sub)},${then(osd(job.sub))}format=yuvj420p[${PADS.subSnapshot}]`,
          ]
        : []),
      ...(job.activity
        ? [
            `[a]${then(activityRate(job, activityFromSub))}${memory(job.activity)},format=rgb24[${PADS.activity}]`,
          ]
        : []),
    ],
  };
}

/** `f,` (a filter and the separator before the next one), or nothing. */
function then(filter: string): string {
  return filter ? `${filter},` : '';
}

/**
 * Frames down to `fps` from a source at `sourceFps`, never adding any: `select` keeps the first frame
 * of each 1/fps slot of time, so a capture that lags gives fewer frames, not repeats (ffmpeg's `fps`
 * filter would repeat the last one to fill the gap). Nothing when the source is not faster.
 */
export function decimate(fps: number, sourceFps: number): string {
  if (fps >= sourceFps) return '';
  return `select='isnan(prev_selected_t)+gt(floor(t*${fps}),floor(prev_selected_t*${fps}))'`;
}

/** The detector's rate, at most the sub's when the copy comes from the sub. */
function activityRate(job: CaptureJob, fromSub: boolean): string {
  const wanted = job.activity?.fps ?? 0;
  return fromSub ? decimate(wanted, job.sub.fps) : decimate(wanted, captureFps(job));
}

interface Size {
  width: number;
  height: number;
}

/** The pixel format each encoder takes from system memory. */
const SYSTEM_PIX_FMT: Record<Encoder, string> = {
  libx264: 'yuv420p',
  h264_nvenc: 'yuv420p',
  h264_qsv: 'nv12',
  h264_amf: 'nv12',
};

/**
 * One input split three ways: main and sub scaled to their sizes and rates, and a JPEG branch at
 * main size every few seconds. One ffmpeg per camera, so the desktop is captured once. No branch
 * repeats frames: main runs at the capture's rate, the sub drops to its own (`decimate`), and the
 * outputs pass frames on as they come (capture.args.ts, `vfr`).
 *
 * The OSD is drawn on each branch after its scaling (font sizes in main-stream pixels, scaled for
 * the sub), so that the grey copy for the activity detector, taken from the sub before its OSD,
 * sees the desktop and not the ticking clock.
 */
export function filterGraph(job: CaptureJob, frames: FrameLocation): string {
  // Picture adjustments run in memory: with them the GPU path downloads the frames once, as
  // AMF's does.
  const picture = pictureFilters(job.picture);
  const osd = (s: Size) => osdFilters(job.osd, job.platform, s.height / job.main.height);
  const overlays = Boolean(job.osd?.length);
  if (!picture && !overlays && frames === 'd3d11' && job.encoder === 'h264_nvenc')
    return gpuGraph(job, 'cuda');
  if (!picture && !overlays && frames === 'd3d11' && job.encoder === 'h264_qsv') return gpuGraph(job, 'qsv');
  // libx264 needs frames in memory; so does AMF here, FFmpeg 6.1 having no AMF scaler (vpp_amf
  // arrived in 7.1): one download, then the CPU scales.
  const download = frames === 'd3d11' ? 'hwdownload,format=bgra,' : '';
  const pix = SYSTEM_PIX_FMT[job.encoder];
  const source = captureFps(job);
  const branch = (s: StreamEncoding) =>
    `${then(decimate(s.fps, source))}scale=${s.width}:${s.height},format=${pix}`;
  const parts = split(job, true, osd);
  const subOsd = osd(job.sub);
  const sub = job.activity
    ? subOsd
      ? [`[s]${branch(job.sub)},split=2[so][a]`, `[so]${subOsd}[${PADS.sub}]`]
      : [`[s]${branch(job.sub)},split=2[${PADS.sub}][a]`]
    : [`[s]${branch(job.sub)}${subOsd ? `,${subOsd}` : ''}[${PADS.sub}]`];
  const mainOsd = osd(job.main);
  return [
    `[0:v]${download}${then(picture)}${parts.split}`,
    `[m]${branch(job.main)}${mainOsd ? `,${mainOsd}` : ''}[${PADS.main}]`,
    // The grey copy is taken from the sub, already scaled: averaging 640x360 costs a tenth of
    // 1920x1080 and no RGB conversion (bench-events' detectorCpuPct, 5.7 % before at 1080p30).
    ...sub,
    `[j]${snapshotRate(job)},scale=${job.main.width}:${job.main.height},${then(mainOsd)}format=yuvj420p[${PADS.snapshot}]`,
    // Area averaging: a small change in the picture still moves the grey copy's pixels.
    ...parts.extra((z) => `scale=${z.width}:${z.height}:flags=area`),
  ].join(';');
}

function snapshotRate(job: CaptureJob): string {
  return `fps=1/${job.snapshot.everySeconds}`;
}

/**
 * Frames stay on the GPU: Desktop Duplication textures are mapped to the encoder's device and
 * scaled there; only the snapshot branch comes back to memory, once every few seconds.
 */
function gpuGraph(job: CaptureJob, device: 'cuda' | 'qsv'): string {
  const map = device === 'cuda' ? 'hwmap=derive_device=cuda' : 'hwmap=derive_device=qsv,format=qsv';
  const scale = (s: { width: number; height: number }) =>
    device === 'cuda'
      ? `scale_cuda=${s.width}:${s.height}:format=yuv420p`
      : `scale_qsv=w=${s.width}:h=${s.height}:format=nv12`;
  const memFmt = device === 'cuda' ? 'yuv420p' : 'nv12';
  const parts = split(job, false, () => '');
  const source = captureFps(job);
  return [
    `[0:v]${map},${parts.split}`,
    `[m]${then(decimate(job.main.fps, source))}${scale(job.main)}[${PADS.main}]`,
    `[s]${then(decimate(job.sub.fps, source))}${scale(job.sub)}[${PADS.sub}]`,
    `[j]${snapshotRate(job)},${scale(job.main)},hwdownload,format=${memFmt},format=yuvj420p[${PADS.snapshot}]`,
    // Scaled on the GPU, then only a few kilobytes come back to memory.
    ...parts.extra((z) => `${scale(z)},hwdownload,format=${memFmt}`),
  ].join(';');
}
