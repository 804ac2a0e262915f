import { readFileSync } from 'node:fs';
import { call, cameraSubjects } from '@desk-onvif/contracts';
import { loadavg } from 'node:os';
import {
  decodeAudioOf,
  probeStreams,
  PulseAudio,
  pulseAudioMissing,
  toneFrequencyOf,
  waitFor,
} from '@desk-onvif/test-support';
import { measureAvOffsets } from '../test/e2e/av-sync.js';
import { AGENT, DeskLab } from '../test/e2e/desk.lab.js';
import { median, round, writeResult } from './stats.js';

/**
 * `make bench-audio`: the whole system (DeskLab, the harness of `make dev`) capturing an Xvfb
 * desktop at 1920x1080, 30 fps, with a real PulseAudio playing a 1 kHz tone into a null sink. With
 * audio: the tone's frequency decoded from the main stream, the A/V offset (a flash and a click at
 * the same moment, read back from one reader's decoded timestamps: median of 7), and the CPU of
 * the agent and of its ffmpeg over DURATION_S (5 s windows, medians). Then the same system without
 * audio, the same desktop changing colour every second: ffmpeg's CPU again; the difference is what
 * audio costs. CPU figures are % of one core, from /proc (utime + stime).
 */
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 30);
const TONE = 1000;
const TICKS = 100; // USER_HZ on Linux
const WINDOW_S = 5;
const DARK = '#204060';
const COLOURS = ['#c82878', '#2878c8', '#78c828'];

/** utime + stime of a process, and of its children reaped so far (cutime + cstime). */
function cpuTicks(pid: number): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
}

/**
 * CPU of the agent, its reaped children (the audio device polls) and its ffmpeg, per window. A
 * window in which ffmpeg was restarted (the agent's stall watchdog on a saturated machine) is not
 * counted: it would measure two processes' start-up; the restarts are reported.
 */
async function measureCpu(
  lab: DeskLab,
): Promise<{ agent: number[]; polls: number[]; ffmpeg: number[]; ffmpegRestarts: number }> {
  const agentPid = lab.system.pid(`agent-${AGENT}`)!;
  const ffmpegPid = async () => (await lab.system.agentStatus(AGENT)).ffmpegPid;
  const out = { agent: [] as number[], polls: [] as number[], ffmpeg: [] as number[], ffmpegRestarts: 0 };
  let tick = 0;
  const painter = setInterval(
    () => void lab.xvfb.fill(COLOURS[++tick % COLOURS.length]!).catch(() => {}),
    1000,
  );
  const sample = (pid: number | undefined) => {
    try {
      return { t: Date.now(), pid, agent: cpuTicks(agentPid), ffmpeg: pid ? cpuTicks(pid).own : NaN };
    } catch {
      return { t: Date.now(), pid, agent: cpuTicks(agentPid), ffmpeg: NaN }; // ffmpeg is gone
    }
  };
  try {
    let last = sample(await ffmpegPid());
    for (let w = 0; w < DURATION_S / WINDOW_S; w++) {
      await new Promise((r) => setTimeout(r, WINDOW_S * 1000)); // the measurement's window
      const now = sample(last.pid);
      const pct = (ticks: number) => (ticks / TICKS / ((now.t - last.t) / 1000)) * 100;
      out.agent.push(pct(now.agent.own - last.agent.own));
      out.polls.push(pct(now.agent.children - last.agent.children));
      const pid = await ffmpegPid();
      if (pid === last.pid && Number.isFinite(now.ffmpeg) && Number.isFinite(last.ffmpeg))
        out.ffmpeg.push(pct(now.ffmpeg - last.ffmpeg));
      else out.ffmpegRestarts++;
      last = pid === last.pid ? now : sample(pid);
    }
  } finally {
    clearInterval(painter);
  }
  if (out.ffmpeg.length < 3)
    throw new Error(`ffmpeg restarted in ${out.ffmpegRestarts} windows: no CPU figure`);
  return out;
}

const labOptions = { width: 1920, height: 1080, fps: 30, gop: 30, mainBitrateKbps: 4000, colour: DARK };

describe('bench: audio', () => {
  it(`1920x1080 at 30 fps with audio for ${DURATION_S} s, then without`, async () => {
    const missing = pulseAudioMissing();
    if (missing) throw new Error(`bench-audio needs PulseAudio: ${missing}`);
    const loadAtStart = loadavg()[0]!;
    const pulse = await PulseAudio.start();
    const player = pulse.player();
    let lab: DeskLab | undefined;
    try {
      await player.ready;
      player.tone(TONE);
      lab = await DeskLab.start({ ...labOptions, agentEnv: { ...pulse.env, AGENT_AUDIO: 'auto' } });
      const url = lab.rtspUrl((await lab.camera()).paths.main, lab.opts.onvifUser);
      await waitFor(
        'AAC in the main stream',
        async () => JSON.stringify(await probeStreams(url, 'tcp', 'codec_name')).includes('aac'),
        30_000,
        500,
      );
      const detectedHz = toneFrequencyOf(await decodeAudioOf(url, { seconds: 3 }));
      const withAudio = await measureCpu(lab);
      // The A/V offset is read from the sub stream (960x540, the same capture and clock, the audio
      // split to it): a reader decoding 1080p on this shared 2-core machine falls behind, the media
      // server drops its packets and the events come back broken. Audio on sub restarts ffmpeg,
      // which is why the CPU was measured first.
      const camera = await lab.camera();
      const applied = await call(lab.nc, cameraSubjects(camera.id).settings, {
        settings: { ...camera.settings, audio: { ...camera.settings.audio!, sub: true } },
      });
      expect(applied.settings.audio?.sub).toBe(true);
      const subUrl = lab.rtspUrl(camera.paths.sub, lab.opts.onvifUser);
      await waitFor(
        'AAC in the sub stream',
        async () => JSON.stringify(await probeStreams(subUrl, 'tcp', 'codec_name')).includes('aac'),
        30_000,
        500,
      );
      player.tone(0);
      // A machine too busy to decode as fast as it comes cannot read the events back: the figure is
      // then null, with why, rather than a number from a reader that fell behind.
      let offsets: { offsetMs: number; paintMs: number }[] = [];
      let offsetError: string | undefined;
      try {
        offsets = await measureAvOffsets(subUrl, lab.xvfb, player, {
          dark: DARK,
          flash: '#ffffff',
          events: 7,
          readBackMs: 60_000,
          holdMs: 1000,
        });
      } catch (err) {
        offsetError = (err as Error).message.slice(0, 300);
      }
      const loadWithAudio = loadavg()[0]!;
      await lab.stop();
      lab = undefined;

      lab = await DeskLab.start({ ...labOptions, agentEnv: { AGENT_AUDIO: 'off' } });
      const withoutAudio = await measureCpu(lab);
      const ffmpegWith = median(withAudio.ffmpeg);
      const ffmpegWithout = median(withoutAudio.ffmpeg);
      writeResult('audio', {
        toneHz: TONE,
        detectedHz: detectedHz === undefined ? null : round(detectedHz, 1),
        avOffsetMs: offsets.length ? median(offsets.map((o) => o.offsetMs)) : null,
        agentCpuPct: round(median(withAudio.agent), 2),
        ffmpegCpuPctDelta: round(ffmpegWith - ffmpegWithout, 1),
        details: {
          durationS: DURATION_S,
          capture:
            'x11grab 1920x1080 @ 30 fps, libx264 veryfast, main 4000k + sub 960x540 512k; PulseAudio null-sink monitor → AAC-LC 96k 48 kHz on main',
          avOffsetRead: 'sub stream 960x540 (audio split to it), one reader decoding both tracks',
          avOffsetsMs: offsets.map((o) => o.offsetMs),
          ...(offsetError ? { avOffsetError: offsetError } : {}),
          xsetrootPaintMs: offsets.map((o) => o.paintMs),
          ffmpegCpuPctWithAudio: round(ffmpegWith, 1),
          ffmpegCpuPctWithoutAudio: round(ffmpegWithout, 1),
          ffmpegCpuPctWindows: {
            withAudio: withAudio.ffmpeg.map((v) => round(v, 1)),
            withoutAudio: withoutAudio.ffmpeg.map((v) => round(v, 1)),
          },
          agentCpuPctWithoutAudio: round(median(withoutAudio.agent), 2),
          agentDevicePollsCpuPct: round(median(withAudio.polls), 2),
          ffmpegRestartsDuringMeasurement: {
            withAudio: withAudio.ffmpegRestarts,
            withoutAudio: withoutAudio.ffmpegRestarts,
          },
          loadAverage1m: { atStart: loadAtStart, withAudio: loadWithAudio, atEnd: loadavg()[0] },
          cpuWindowS: WINDOW_S,
          note: '2 cores shared with other workloads; CPU figures are % of one core; the A/V offset is audio minus video at the reader',
        },
      });
    } finally {
      await lab?.stop();
      await player.stop();
      await pulse.stop();
    }
  }, 600_000);
});
