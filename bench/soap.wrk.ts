/**
 * make bench-soap's C load generator: Debian's `wrk` (4.1) with bench/soap.wrk.lua. The Node
 * generator (autocannon, bench/soap.load.ts) runs in the bench's own process and, on 2 cores, takes
 * much of what the server needs; wrk costs a fraction of that per request. Its LuaJIT cannot
 * compute SHA-1 cheaply, so every GetStreamUri body, each with its own UsernameToken, is signed
 * here before the run (rate × seconds × 1.5 of them, one file per wrk thread) and wrk sends each
 * once: a run that runs out is invalid, never one that repeats a nonce.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@desk-onvif/test-support';
import { getStreamUri, treeCpuUs, type Run } from './soap.load.js';

export const WRK = process.env.WRK_BIN ?? '/usr/bin/wrk';
const SCRIPT = join(REPO_ROOT, 'bench', 'soap.wrk.lua');

export interface WrkRun extends Run {
  generator: 'wrk';
  /** Signed bodies written for the run, sent (request() calls that took one), left unsent. */
  bodiesLoaded: number;
  bodiesSent: number;
  /** Requests wrk wanted after the last body (then it sends an empty one): > 0 makes the run invalid. */
  bodiesExhausted: number;
  /** Nonces that occurred twice among the run's bodies (checked when writing them): always 0. */
  noncesRepeated: number;
  /** wrk's own CPU over the run, in per cent of one core, and per answered request (µs). */
  wrkCpuPercent: number;
  wrkCpuUsPerRequest: number;
  /**
   * The bench's own process over the run, in per cent of one core: ~0 unless something of an
   * earlier phase (an autocannon worker thread) still runs beside wrk and the server.
   */
  benchCpuPercent: number;
  /** Every core's busy time over the run (/proc/stat), in per cent of one core: what else ran. */
  machineBusyPercent: number;
  /** Time the hypervisor gave the VM's cores to others over the run, in per cent of one core. */
  stealPercent: number;
}

/** The machine's busy and stolen CPU time so far, in clock ticks (/proc/stat, all cores). */
function machineTicks(): { busy: number; steal: number } {
  // user nice system idle iowait irq softirq steal (guest time is counted in user already).
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { busy: user! + nice! + system! + irq! + softirq!, steal: steal! };
}

export interface WrkLoad {
  /** The server's pid: its CPU, with its children's, is read from /proc. */
  pid: number;
  /** One loopback port per wrk thread (thread i → ports[i % ports.length]). */
  ports: number[];
  path: string;
  threads: number;
  connections: number;
  durationS: number;
  /** The highest rate this run may reach: bodies = expectedRps × durationS × 1.5. */
  expectedRps: number;
}

const NONCE = /<Nonce>([^<]+)<\/Nonce>/;

function cpuUsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
  } catch {
    return NaN;
  }
}

export async function wrkLoad(l: WrkLoad): Promise<WrkRun> {
  const dir = mkdtempSync(join(tmpdir(), 'soap-wrk-'));
  try {
    const total = Math.ceil(l.expectedRps * l.durationS * 1.5);
    const perThread = Math.ceil(total / l.threads);
    const nonces = new Set<string>();
    let noncesRepeated = 0;
    for (let t = 0; t < l.threads; t++) {
      const lines: string[] = [];
      for (let i = 0; i < perThread; i++) {
        const body = getStreamUri();
        const nonce = NONCE.exec(body)![1]!;
        if (nonces.has(nonce)) noncesRepeated++;
        nonces.add(nonce);
        lines.push(body);
      }
      writeFileSync(join(dir, `bodies.${t}`), `${lines.join('\n')}\n`);
    }
    const cpuBefore = treeCpuUs(l.pid);
    const child = spawn(
      WRK,
      [
        `-t${l.threads}`,
        `-c${l.connections}`,
        `-d${l.durationS}s`,
        '--timeout',
        '5s',
        '-s',
        SCRIPT,
        `http://127.0.0.1:${l.ports[0]}${l.path}`,
        '--',
        join(dir, 'bodies'),
      ],
      {
        env: { ...process.env, SOAP_WRK_PORTS: l.ports.join(',') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // wrk's own CPU: the last reading of /proc before it exits.
    let wrkCpuUs = 0;
    const started = performance.now();
    const benchCpuBefore = process.cpuUsage();
    const machineBefore = machineTicks();
    const poll = setInterval(() => {
      const us = cpuUsOf(child.pid!);
      if (Number.isFinite(us)) wrkCpuUs = us;
    }, 100);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearInterval(poll);
    const wallUs = (performance.now() - started) * 1000;
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const machine = machineTicks();
    const cpuUs = treeCpuUs(l.pid) - cpuBefore;
    const line = /^SOAP_WRK_RESULT (.+)$/m.exec(out);
    if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${err}${out}`);
    const r = JSON.parse(line[1]!) as Record<string, number>;
    const n = r.requests!;
    return {
      generator: 'wrk',
      rps: Math.round((n / (r.durationUs! / 1e6)) * 100) / 100,
      serverCpuUsPerRequest: Math.round(cpuUs / Math.max(1, n)),
      p50Ms: Math.round(r.p50Us! / 10) / 100,
      p99Ms: Math.round(r.p99Us! / 10) / 100,
      requests: n,
      non2xx: r.errorStatus!, // answers of 400 and above, as wrk counts them
      errors: r.connect! + r.read! + r.write! + r.timeout! + r.exhausted!,
      timeouts: r.timeout!,
      errorCodes: Object.fromEntries(
        (['connect', 'read', 'write', 'timeout', 'status'] as const)
          .filter((k) => r[k]! > 0)
          .map((k) => [k, r[k]!]),
      ),
      bodiesLoaded: r.loaded!,
      bodiesSent: r.sent!,
      bodiesExhausted: r.exhausted!,
      noncesRepeated,
      wrkCpuPercent: Math.round((wrkCpuUs / wallUs) * 1000) / 10,
      wrkCpuUsPerRequest: Math.round(wrkCpuUs / Math.max(1, n)),
      benchCpuPercent: Math.round(((benchCpu.user + benchCpu.system) / wallUs) * 1000) / 10,
      // Clock ticks are 1/100 s: busy ticks per wall second is per cent of one core.
      machineBusyPercent: Math.round(((machine.busy - machineBefore.busy) * 1e6) / wallUs),
      stealPercent: Math.round(((machine.steal - machineBefore.steal) * 1e6) / wallUs),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
