import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from './readiness.js';
import type { ConnectionOptions } from '@nats-io/transport-node';
import type { ServiceRole } from '@desk-onvif/contracts';
import {
  AGENT_ENTRY,
  SERVICES,
  agentEnv,
  agentService,
  natsEnv,
  natsUrl,
  type ServiceDef,
} from './service.table.js';
import { agentEnrolled, ensureSystemTrust, issueToken, trustConnectOptions } from './system.trust.js';
import { SupervisedChild, type ChildSpec, type OutputSink } from './supervised.child.js';
import { holdPorts, rtspsOf, type SystemSettings } from './system.settings.js';

/** How long each piece may take to become ready. */
const READY_TIMEOUT_MS = 30_000;

/** What a child's output becomes besides its log file: `make dev` shows warnings on its console. */
export interface SystemConsole {
  console: (line: string) => void;
  view: (line: string) => string | undefined;
}

const QUIET: SystemConsole = { console: () => undefined, view: () => undefined };

/** The media server as its clients see it. */
export interface MediaEndpoint {
  kind: 'mediamtx-binary' | 'relay-double';
  host: string;
  rtspPort: number;
  /** Where RTSPS is served too (`settings.rtspsPort` with the site certificate). */
  rtspsPort?: number;
  apiUrl: string;
  rtspUrl(path: string, creds?: { user: string; password: string }): string;
}

/**
 * The whole desk-onvif system as native processes, one process group each, started from one
 * settings object in the order of the service table (nats-server, port-registry, onvif, the media
 * server, discovery, the capture agents), each ready before the next starts. `make dev` runs it
 * until Ctrl-C; the end-to-end test kills and restarts its pieces. A port of 0 in the settings is
 * chosen at `start` and held open until the service that binds it starts.
 */
export class DeskSystem {
  private readonly running = new Map<string, { def: ServiceDef; child: SupervisedChild }>();
  private readonly exitHook = () => this.killNow();

  constructor(
    private current: SystemSettings,
    private readonly out: SystemConsole = QUIET,
  ) {}

  /** The settings, every port chosen once `start` has begun. */
  get settings(): SystemSettings {
    return this.current;
  }

  /** The table this system runs: the enabled services, then one entry per agent. */
  get services(): ServiceDef[] {
    const s = this.settings;
    return [
      ...SERVICES.filter((d) => (d.enabled?.(s) ?? true) && !(s.skip ?? []).includes(d.name)),
      ...s.agents.map(agentService),
    ];
  }

  /** The built entry points (`dist/…js`) the table needs that are not there: run `make build`. */
  missingBuilds(): string[] {
    const s = this.settings;
    return [
      ...new Set(
        this.services.flatMap((def) => {
          const cmd = def.command(s);
          return 'node' in cmd ? [cmd.node] : [];
        }),
      ),
    ].filter((entry) => !existsSync(join(s.repoRoot, entry)));
  }

  /** Starts every service in order, each ready before the next; a `signal` aborts the waiting. */
  async start(signal?: AbortSignal): Promise<void> {
    const missing = this.missingBuilds();
    if (missing.length > 0) throw new Error(`${missing.join(', ')} missing: run 'make build' first`);
    const logDir = join(this.settings.stateDir, 'logs');
    mkdirSync(logDir, { recursive: true, mode: 0o700 });
    // Whatever happens to this process, no child outlives it.
    process.on('exit', this.exitHook);
    const sink: OutputSink = { logDir, ...this.out };
    const { settings, holds } = await holdPorts(this.current);
    this.current = { ...settings, trust: await ensureSystemTrust(settings) };
    try {
      for (const def of this.services) {
        if (def.name.startsWith('agent-')) await this.enrolIfNeeded(def.name.slice('agent-'.length));
        await holds.release(def.name);
        const child = new SupervisedChild(this.specOf(def), sink);
        this.running.set(def.name, { def, child });
        child.start();
        await this.waitReady(def.name, signal);
      }
    } finally {
      await holds.release();
    }
  }

  /**
   * Each agent enrols as a PC does: with a single-use token the system asks the registry for, the
   * first time only (its state directory keeps the camera credential from then on).
   */
  private async enrolIfNeeded(name: string): Promise<void> {
    const s = this.current;
    const agent = s.agents.find((a) => a.name === name);
    if (!agent || agentEnrolled(join(s.stateDir, 'agents', name)) || !s.trust) return;
    const token = await issueToken(natsUrl(s), s.trust, agent.hostId);
    this.current = {
      ...s,
      agents: s.agents.map((a) => (a.name === name ? { ...a, enrollmentToken: token } : a)),
    };
  }

  /** Options for a NATS client of `role` (the admin by default): credential, site CA, inbox. */
  connectOptions(role: ServiceRole = 'admin', extra: Partial<ConnectionOptions> = {}): ConnectionOptions {
    if (!this.current.trust) throw new Error('not started');
    return trustConnectOptions(this.natsUrl, this.current.trust, role, extra);
  }

  /** A service's NATS variables for `role`, e.g. for a process a test starts beside the system. */
  serviceEnv(prefix: string, role: ServiceRole): Record<string, string> {
    return natsEnv(this.current, prefix, role);
  }

  /** A single-use enrolment token (for an agent a test starts itself). */
  issueToken(hostId?: string): Promise<string> {
    if (!this.current.trust) throw new Error('not started');
    return issueToken(this.natsUrl, this.current.trust, hostId);
  }

  /** How service `name` is started: its command line and its whole environment. */
  childSpec(name: string): ChildSpec {
    const def = this.services.find((d) => d.name === name);
    if (!def) throw new Error(`no service ${name} in this system`);
    return this.specOf(def);
  }

  private specOf(def: ServiceDef): ChildSpec {
    const s = this.settings;
    const cmd = def.command(s);
    let argv: [string, string[]] =
      'node' in cmd
        ? [process.execPath, [...(cmd.nodeFlags ?? []), join(s.repoRoot, cmd.node), ...(cmd.args ?? [])]]
        : [cmd.bin, cmd.args];
    if (def.inNamespace && s.netns) argv = s.netns.wrap(...argv);
    return {
      name: def.name,
      command: argv[0],
      args: argv[1],
      env: { ...this.baseEnv(), ...def.env(s), ...s.env?.[def.name] },
      cwd: s.repoRoot,
      graceMs: def.graceMs ?? 5000,
      restartOnExit: s.restartOnExit,
    };
  }

  /** Children get a clean environment: a stray REGISTRY_… or AGENT_… in the shell would be refused. */
  private baseEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'] };
    if (this.settings.ffmpegBin) env['FFMPEG_BIN'] = this.settings.ffmpegBin;
    return env;
  }

  private get(name: string): { def: ServiceDef; child: SupervisedChild } {
    const entry = this.running.get(name);
    if (!entry) throw new Error(`no service ${name} in this system (${[...this.running.keys()].join(', ')})`);
    return entry;
  }

  private async waitReady(name: string, signal?: AbortSignal): Promise<void> {
    const { def, child } = this.get(name);
    const { what, probe } = def.ready(this.settings);
    await waitUntil(what, child, probe, READY_TIMEOUT_MS, signal);
  }

  /** The process id of a service's leader while it runs. */
  pid(name: string): number | undefined {
    return this.get(name).child.pid;
  }

  /** SIGKILL to a service's whole process group: a crash. */
  kill(name: string): void {
    const { child } = this.get(name);
    if (!child.running) throw new Error(`${name} is not running`);
    child.killNow();
  }

  /** Stops a service if it runs, starts it again on the same ports and state, waits until ready. */
  async restart(name: string): Promise<void> {
    await this.get(name).child.restart();
    await this.waitReady(name);
  }

  /** An agent's local /status (its state, ffmpeg's pid…), as `make dev` and the tests read it. */
  async agentStatus(name: string): Promise<{ state: string; registered: boolean; ffmpegPid?: number }> {
    const agent = this.settings.agents.find((a) => a.name === name);
    if (!agent) throw new Error(`no agent ${name}`);
    const res = await fetch(`http://127.0.0.1:${agent.metricsPort}/status`);
    return (await res.json()) as { state: string; registered: boolean; ffmpegPid?: number };
  }

  /** The command line and environment of `desk-onvif-agent <args>` configured as agent `name` is. */
  agentCommand(name: string, args: string[]): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
    const s = this.settings;
    const agent = s.agents.find((a) => a.name === name);
    if (!agent) throw new Error(`no agent ${name}`);
    return {
      command: process.execPath,
      args: [join(s.repoRoot, AGENT_ENTRY), ...args],
      env: { ...this.baseEnv(), ...agentEnv(s, agent) },
    };
  }

  get natsUrl(): string {
    return `nats://${this.settings.host}:${this.settings.natsPort}`;
  }

  get media(): MediaEndpoint {
    const s = this.settings;
    return {
      kind: s.mediamtxBin ? 'mediamtx-binary' : 'relay-double',
      host: s.host,
      rtspPort: s.rtspPort,
      ...(rtspsOf(s) ? { rtspsPort: s.rtspsPort } : {}),
      apiUrl: `http://${s.mediamtxBin ? '127.0.0.1' : s.host}:${s.mediaApiPort}`,
      rtspUrl: (path, creds) =>
        `rtsp://${creds ? `${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@` : ''}${s.host}:${s.rtspPort}/${path}`,
    };
  }

  /** What every service (or only `name`) printed lately, and which are not running: for a failed test's message. */
  output(name?: string): string {
    return [...this.running.values()]
      .filter(({ def }) => name === undefined || def.name === name)
      .map(
        ({ def, child }) =>
          `--- ${def.name}${child.running ? '' : ' (NOT RUNNING)'}\n${child.output().slice(-6000)}`,
      )
      .join('\n');
  }

  /** Agents first (ffmpeg closes its RTSP sessions while the media server runs), NATS last. */
  async stop(): Promise<void> {
    for (const { child } of [...this.running.values()].reverse()) await child.stop();
    process.off('exit', this.exitHook);
  }

  /** SIGKILL to every group at once, synchronous: a second Ctrl-C, or this process exiting. */
  killNow(): void {
    for (const { child } of this.running.values()) child.killNow();
  }
}
