import type { CaptureJob, Encoder, StreamEncoding } from './capture.types.js';
import type { FrameLocation } from './input.args.js';
import { osdFilters } from './osd.filters.js';
import { pictureFilters } from './picture.filters.js';

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
): { split: string; extra: (memory: (s: Size) => string) => string[] } {
  const labels = ['[m]', '[s]', '[j]'];
  if (job.snapshot.subFd !== undefined) labels.push('[k]');
  if (job.activity && !activityFromSub) labels.push('[a]');
  return {
    split: `split=${labels.length}${labels.join('')}`,
    extra: (memory) => [
      ...(job.snapshot.subFd !== undefined
        ? [`[k]${snapshotRate(job)},${memory(job.sub)},format=yuvj420p[${PADS.subSnapshot}]`]
        : []),
      ...(job.activity
        ? [`[a]${activityRate(job)},${memory(job.activity)},format=rgb24[${PADS.activity}]`]
        : []),
    ],
  };
}

/** The detector's rate, never above the sub's when the copy comes from the sub (no repeated frames). */
function activityRate(job: CaptureJob): string {
  return `fps=${Math.min(job.activity?.fps ?? 0, job.sub.fps)}`;
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
 * main size every few seconds. One ffmpeg per camera, so the desktop is captured once.
 */
export function filterGraph(job: CaptureJob, frames: FrameLocation): string {
  // Picture adjustments and overlays run in memory: with them the GPU path downloads the frames
  // once, as AMF's does.
  const picture = [pictureFilters(job.picture), osdFilters(job.osd, job.platform)].filter(Boolean).join(',');
  if (!picture && frames === 'd3d11' && job.encoder === 'h264_nvenc') return gpuGraph(job, 'cuda');
  if (!picture && frames === 'd3d11' && job.encoder === 'h264_qsv') return gpuGraph(job, 'qsv');
  // libx264 needs frames in memory; so does AMF here, FFmpeg 6.1 having no AMF scaler (vpp_amf
  // arrived in 7.1): one download, then the CPU scales.
  const download = frames === 'd3d11' ? 'hwdownload,format=bgra,' : '';
  const pix = SYSTEM_PIX_FMT[job.encoder];
  const branch = (s: StreamEncoding) => `fps=${s.fps},scale=${s.width}:${s.height},format=${pix}`;
  const parts = split(job, true);
  return [
    `[0:v]${download}${picture ? `${picture},` : ''}${parts.split}`,
    `[m]${branch(job.main)}[${PADS.main}]`,
    // The grey copy is taken from the sub, already scaled: averaging 640x360 costs a tenth of
    // 1920x1080 and no RGB conversion (bench-events' detectorCpuPct, 5.7 % before at 1080p30).
    `[s]${branch(job.sub)}${job.activity ? `,split=2[${PADS.sub}][a]` : `[${PADS.sub}]`}`,
    `[j]${snapshotRate(job)},scale=${job.main.width}:${job.main.height},format=yuvj420p[${PADS.snapshot}]`,
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
  const parts = split(job, false);
  return [
    `[0:v]${map},${parts.split}`,
    `[m]fps=${job.main.fps},${scale(job.main)}[${PADS.main}]`,
    `[s]fps=${job.sub.fps},${scale(job.sub)}[${PADS.sub}]`,
    `[j]${snapshotRate(job)},${scale(job.main)},hwdownload,format=${memFmt},format=yuvj420p[${PADS.snapshot}]`,
    // Scaled on the GPU, then only a few kilobytes come back to memory.
    ...parts.extra((z) => `${scale(z)},hwdownload,format=${memFmt}`),
  ].join(';');
}
