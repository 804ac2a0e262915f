/**
 * By hand (make profile-agent): where the capture agent's own CPU goes while it streams. The system
 * of bench-audio (DeskLab: Xvfb 1920x1080 at 30 fps, libx264, main 4000k + sub, a PulseAudio
 * tone on main; PROFILE_AUDIO=0 without it; PROFILE_RTSPS=1 publishing over RTSPS as a lab with
 * its site PKI does), measured for PROFILE_S seconds in 5 s windows: the agent's own CPU (utime +
 * stime from /proc, % of one core; median and each window) with the load average. Profiled unless
 * PROFILE_OFF=1 (the profiler costs CPU of its own: take the figure from an unprofiled run): the
 * agent loads bench/agent.profile.preload.mjs, the profile covers the measured windows only and goes
 * to PROFILE_DIR (default $TMPDIR/desk-onvif-profile); the top self-time frames are printed.
 * With PROFILE_OFF=1, PROFILE_NODE_OPTIONS becomes the agent's NODE_OPTIONS (e.g. --perf-basic-prof
 * for `perf record -p $(cat $PROFILE_DIR/agent.pid)`, or --import of a GC observer).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PulseAudio, pulseAudioMissing, testSitePki, waitFor, type SitePki } from '@desk-onvif/test-support';
import { AGENT, DeskLab } from '../test/e2e/desk.lab.js';
import { topFrames } from './cpu.profile.js';
import { median, round } from './stats.js';

const DIR = resolve(process.env.PROFILE_DIR ?? join(tmpdir(), 'desk-onvif-profile'));
const SECONDS = Number(process.env.PROFILE_S ?? 30);
const PROFILING = process.env.PROFILE_OFF !== '1';
const AUDIO = process.env.PROFILE_AUDIO !== '0';
const RTSPS = process.env.PROFILE_RTSPS === '1';
const TICKS = 100; // USER_HZ on Linux
const WINDOW_S = 5;
const COLOURS = ['#c82878', '#2878c8', '#78c828'];

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** The main thread's voluntary context switches: how often the event loop woke up. */
function wakeups(pid: number): number {
  return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/** utime and stime of the agent's main thread (its event loop) and of its other threads (V8's, libuv's) summed. */
function threadTicks(pid: number): Map<string, { user: number; system: number }> {
  const out = new Map<string, { user: number; system: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : 'others';
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const t = out.get(name) ?? { user: 0, system: 0 };
      out.set(name, { user: t.user + Number(f[11]), system: t.system + Number(f[12]) });
    } catch {
      // gone while read
    }
  }
  return out;
}

it(`profile the agent streaming 1920x1080 at 30 fps for ${SECONDS} s`, async () => {
  mkdirSync(DIR, { recursive: true });
  const missing = AUDIO ? pulseAudioMissing() : undefined;
  if (missing) throw new Error(`PROFILE_AUDIO needs PulseAudio: ${missing}`);
  const pulse = AUDIO ? await PulseAudio.start() : undefined;
  const player = pulse?.player();
  let pki: SitePki | undefined;
  let lab: DeskLab | undefined;
  let pid = 0;
  try {
    if (player) {
      await player.ready;
      player.tone(1000);
    }
    if (RTSPS) pki = await testSitePki();
    lab = await DeskLab.start({
      width: 1920,
      height: 1080,
      fps: 30,
      gop: 30,
      mainBitrateKbps: 4000,
      colour: '#204060',
      ...(pki ? { pki, rtsps: true } : {}),
      agentEnv: {
        ...(pulse ? { ...pulse.env, AGENT_AUDIO: 'auto' } : { AGENT_AUDIO: 'off' }),
        ...(PROFILING
          ? { PROFILE_DIR: DIR, NODE_OPTIONS: `--import ${resolve('bench/agent.profile.preload.mjs')}` }
          : process.env.PROFILE_NODE_OPTIONS
            ? { NODE_OPTIONS: process.env.PROFILE_NODE_OPTIONS }
            : {}),
      },
    });
    pid = lab.system.pid(`agent-${AGENT}`)!;
    await waitFor(
      'the agent streaming',
      async () => (await lab!.system.agentStatus(AGENT)).state === 'streaming',
      60_000,
      500,
    );
    // Start-up is not what is measured.
    await new Promise((r) => setTimeout(r, 5000));
    let tick = 0;
    const painter = setInterval(
      () => void lab!.xvfb.fill(COLOURS[++tick % COLOURS.length]!).catch(() => {}),
      1000,
    );
    const load = [loadavg()[0]!];
    const windows: number[] = [];
    const threads: Record<string, { userPct: number; systemPct: number }> = {};
    let wakeupsPerS = 0;
    try {
      if (PROFILING) process.kill(pid, 'SIGUSR2');
      // For tools attached from outside while the windows run (perf record -p, strace -c -p).
      writeFileSync(join(DIR, 'agent.pid'), `${pid}\n`);
      const threadsBefore = threadTicks(pid);
      const wakeupsBefore = wakeups(pid);
      const t0 = Date.now();
      let last = { t: t0, ticks: cpuTicks(pid) };
      for (let w = 0; w < SECONDS / WINDOW_S; w++) {
        await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
        const now = { t: Date.now(), ticks: cpuTicks(pid) };
        windows.push(((now.ticks - last.ticks) / TICKS / ((now.t - last.t) / 1000)) * 100);
        last = now;
      }
      if (PROFILING) process.kill(pid, 'SIGUSR2');
      wakeupsPerS = round((wakeups(pid) - wakeupsBefore) / ((Date.now() - t0) / 1000), 1);
      const pct = (ticks: number) => round((ticks / TICKS / ((Date.now() - t0) / 1000)) * 100, 2);
      for (const [name, t] of threadTicks(pid)) {
        const b = threadsBefore.get(name) ?? { user: 0, system: 0 };
        threads[name] = { userPct: pct(t.user - b.user), systemPct: pct(t.system - b.system) };
      }
    } finally {
      clearInterval(painter);
    }
    load.push(loadavg()[0]!);
    const status = (await lab.system.agentStatus(AGENT)) as { state: string; fps?: number };
    console.log(
      JSON.stringify({
        agentCpuPctMedian: round(median(windows), 2),
        windows: windows.map((v) => round(v, 1)),
        threads,
        wakeupsPerS,
        loadAverage1m: load.map((v) => round(v, 2)),
        profiling: PROFILING,
        audio: AUDIO,
        rtsps: RTSPS,
        state: status.state,
        fps: status.fps,
      }),
    );
    if (PROFILING)
      await waitFor('the profile', () => readdirSync(DIR).includes(`agent-${pid}.cpuprofile`), 10_000);
  } finally {
    await lab?.stop();
    await player?.stop();
    await pulse?.stop();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  }
  if (PROFILING) {
    const file = join(DIR, `agent-${pid}.cpuprofile`);
    console.log(`${file}\n${topFrames(file, 40).join('\n')}`);
  }
}, 600_000);
