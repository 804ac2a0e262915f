import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { AgentProcess, sharedCamera, tempStateDir } from '../services/capture-agent/test/agent.process.js';
import { NatsServer, RtspReceiver, waitFor, Xvfb, startRegistry } from '@desk-onvif/test-support';
import { median, round, writeResult } from './stats.js';

/**
 * `make bench-agent`: the agent capturing an Xvfb desktop (1920x1080, 30 fps, libx264, main
 * 1920x1080 + sub 640x360) for 30 s, publishing to real RTSP receivers, with a real nats-server and
 * port-registry. RSS is read from /proc every second, CPU time over 5 s windows (medians); the first frame is
 * timed from the agent's spawn to the main receiver's first decoded frame (median of 5 starts,
 * the first one registering afresh, the others from the cached assignment). The desktop changes
 * colour every second, so the encoder has work to do.
 */
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 30);
const TICKS = 100; // USER_HZ on Linux
const STARTS = 5;

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15)
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

describe('bench: capture agent', () => {
  it(`captures 1920x1080 at 30 fps for ${DURATION_S} s`, async () => {
    const camera = sharedCamera();
    const state = tempStateDir();
    const nats = await NatsServer.start();
    const registry = await startRegistry(nats, { REGISTRY_PORT_RANGE: '20000-20999' });
    const xvfb = await Xvfb.start({ width: 1920, height: 1080 });
    const colours = ['#c82878', '#2878c8', '#78c828'];
    let tick = 0;
    await xvfb.fill(colours[0]!);
    const painter = setInterval(
      () => void xvfb.fill(colours[++tick % colours.length]!).catch(() => {}),
      1000,
    );
    const [main, sub] = await Promise.all([
      RtspReceiver.start(camera.paths.main),
      RtspReceiver.start(camera.paths.sub),
    ]);
    const env = {
      ...(await nats.agentEnv(camera.id)),
      AGENT_MEDIA_URL: main.baseUrl,
      AGENT_SUB_MEDIA_URL: sub.baseUrl,
      AGENT_DISPLAY: xvfb.display,
      AGENT_ENCODER: 'libx264',
      AGENT_FPS: '30',
      AGENT_MAIN_SIZE: '1920x1080',
      AGENT_SUB_SIZE: '640x360',
      AGENT_STATE_DIR: state.dir,
      AGENT_LOG_LEVEL: 'info',
      AGENT_BACKOFF_INITIAL_MS: '100',
    };
    try {
      const firstFrames: number[] = [];
      /** From the agent's spawn to its ffmpeg's: the agent's own share of the first frame's wait. */
      const ffmpegSpawns: number[] = [];
      let agent: AgentProcess | undefined;
      for (let run = 0; run < STARTS; run++) {
        const sessions = main.sessions.length;
        const t0 = Date.now();
        agent = await AgentProcess.start(env);
        const s = await main.waitForFrames(1, 20_000, () => main.sessions.slice(sessions).at(-1));
        firstFrames.push(s.firstFrameAt! - t0);
        const started = /\{[^\n]*"msg":"ffmpeg started"[^\n]*\}/.exec(agent.output());
        if (started) ffmpegSpawns.push(Date.parse((JSON.parse(started[0]) as { time: string }).time) - t0);
        if (run < STARTS - 1) await agent.stop();
      }
      const a = agent!;
      await waitFor('streaming', async () => (await a.status()).state === 'streaming');
      const agentPid = a.proc.child.pid!;
      const ffmpegPid = (await a.status()).ffmpegPid!;
      // CPU time is counted in 10 ms ticks: 5 s windows resolve 0.2 % of a core.
      const WINDOW_S = 5;
      const samples = { agentCpu: [] as number[], ffmpegCpu: [] as number[], agentRss: [] as number[] };
      let last = { t: Date.now(), agent: cpuTicks(agentPid), ffmpeg: cpuTicks(ffmpegPid) };
      for (let i = 1; i <= DURATION_S; i++) {
        await new Promise((r) => setTimeout(r, 1000)); // the sampling period of the measurement
        samples.agentRss.push(rssMb(agentPid));
        if (i % WINDOW_S) continue;
        const now = { t: Date.now(), agent: cpuTicks(agentPid), ffmpeg: cpuTicks(ffmpegPid) };
        const secs = (now.t - last.t) / 1000;
        samples.agentCpu.push(((now.agent - last.agent) / TICKS / secs) * 100);
        samples.ffmpegCpu.push(((now.ffmpeg - last.ffmpeg) / TICKS / secs) * 100);
        last = now;
      }
      expect((await a.status()).ffmpegPid).toBe(ffmpegPid); // no restart during the measurement
      const result = {
        agentCpuPct: round(median(samples.agentCpu), 2),
        agentRssMb: round(median(samples.agentRss), 1),
        ffmpegCpuPct: round(median(samples.ffmpegCpu), 1),
        firstFrameMs: Math.round(median(firstFrames)),
        details: {
          durationS: DURATION_S,
          capture: 'x11grab 1920x1080 @ 30 fps, libx264 veryfast, main 1920x1080 4000k + sub 640x360 512k',
          agentCpuPctMax: round(Math.max(...samples.agentCpu), 2),
          agentRssMbMax: round(Math.max(...samples.agentRss), 1),
          firstFramesMs: firstFrames,
          agentSpawnToFfmpegMs: ffmpegSpawns,
          loadAverage1m: loadavg()[0],
          cpuWindowS: WINDOW_S,
          note: '2 cores shared with other workloads; CPU figures are % of one core',
        },
      };
      writeResult('agent', result);
      await a.stop();
    } finally {
      clearInterval(painter);
      await Promise.all([main.stop(), sub.stop(), registry.stop()]);
      await xvfb.stop();
      await nats.dispose();
      state.dispose();
    }
  }, 600_000);
});
