import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cameraIdOf, identityKey, mediaPathsOf } from '@desk-onvif/contracts';
import { freePort, spawnTracked, type Spawned, waitUntilReady } from '@desk-onvif/test-support';

const HERE = dirname(fileURLToPath(import.meta.url));
export const AGENT_ENTRY = resolve(HERE, '..', 'dist', 'main.js');
export const FAKE_FFMPEG = join(HERE, 'fixtures', 'fake-ffmpeg.mjs');

/** The camera this machine becomes in shared mode: what the registry will assign, derived here. */
export function sharedCamera(): { id: string; paths: { main: string; sub: string } } {
  const hostId = readFileSync('/etc/machine-id', 'utf8').trim();
  const id = cameraIdOf(identityKey({ mode: 'shared', hostId }));
  return { id, paths: mediaPathsOf(id) };
}

/** A temporary state directory, removed by `dispose`. */
export function tempStateDir(): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'agent-state-'));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The built agent (`node dist/main.js run`) as a real process, ready when its local /healthz answers. */
export class AgentProcess {
  private constructor(
    readonly proc: Spawned,
    readonly metricsPort: number,
  ) {}

  static async start(env: Record<string, string>): Promise<AgentProcess> {
    const metricsPort = await freePort();
    const proc = spawnTracked(process.execPath, [AGENT_ENTRY, 'run'], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      FFMPEG_BIN: process.env.FFMPEG_BIN ?? '/usr/bin/ffmpeg',
      AGENT_METRICS_PORT: String(metricsPort),
      AGENT_LOG_LEVEL: 'debug',
      // No sound server here unless a test brings one (and sets AGENT_AUDIO): no device probing.
      AGENT_AUDIO: 'off',
      ...env,
    });
    const agent = new AgentProcess(proc, metricsPort);
    await waitUntilReady(proc, 'agent /healthz', async () => {
      return (await fetch(`${agent.baseUrl}/healthz`)).ok;
    });
    return agent;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.metricsPort}`;
  }

  async status(): Promise<{
    state: string;
    registered: boolean;
    natsConnected: boolean;
    ffmpegPid?: number;
    source?: { kind: string; windowId?: number };
  }> {
    return (await fetch(`${this.baseUrl}/status`)).json() as Promise<{
      state: string;
      registered: boolean;
      natsConnected: boolean;
      ffmpegPid?: number;
      source?: { kind: string; windowId?: number };
    }>;
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.baseUrl}/metrics`)).text();
  }

  output(): string {
    return this.proc.output();
  }

  /** SIGTERM, as a logoff or Ctrl+C would; resolves with the exit code. */
  async stop(): Promise<number | null> {
    await this.proc.stop(10_000);
    return this.proc.exited;
  }
}

/** Runs `desk-onvif-agent <args>` to completion. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const proc = spawnTracked(process.execPath, [AGENT_ENTRY, ...args], {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...env,
  });
  const timer = setTimeout(() => void proc.stop(), 20_000);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, output: proc.output() };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
