import { join } from 'node:path';
import { agentStatus, cameraReady, credentialsWarning, type CameraView } from './dev.cameras.js';
import { consoleView } from './dev.console.js';
import { findOnPath, type DevConfig } from './dev.config.js';
import { httpOk, Interrupted, jetStreamAnswers, tcpAccepts, waitUntil } from './dev.readiness.js';
import type { DevCamera, DevSecrets } from './dev.secrets.js';
import { SupervisedChild, type OutputSink } from './process.group.js';

export function say(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * The processes of `make dev`, started in dependency order, each ready before the next starts:
 * nats-server, port-registry, onvif, the media server, discovery, then the capture agents.
 */
export class DevSystem {
  readonly children: SupervisedChild[] = [];
  private readonly sink: OutputSink;
  private readonly base: NodeJS.ProcessEnv;

  constructor(
    private readonly c: DevConfig,
    private readonly signal: AbortSignal,
  ) {
    this.sink = { logDir: join(c.stateDir, 'logs'), console: say, view: (l) => consoleView(l, c.verbose) };
    // Children get a clean environment: a stray REGISTRY_… or AGENT_… in the shell would be refused.
    this.base = { PATH: process.env['PATH'], HOME: process.env['HOME'] };
    // FFMPEG_BIN, else the system's ffmpeg, as the Makefile does; ffmpeg-static's only when neither is there.
    const ffmpeg = process.env['FFMPEG_BIN'] || findOnPath('ffmpeg', process.env['PATH']);
    if (ffmpeg) this.base['FFMPEG_BIN'] = ffmpeg;
  }

  private get natsUrl(): string {
    return `nats://${this.c.host}:${this.c.natsPort}`;
  }

  private get authHookUrl(): string {
    return `http://127.0.0.1:${this.c.onvifHttpPort}/mediamtx/auth`;
  }

  private spawn(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, graceMs = 5000) {
    const child = new SupervisedChild(
      { name, command, args, env: { ...this.base, ...env }, cwd: this.c.repoRoot, graceMs },
      this.sink,
    );
    this.children.push(child);
    child.start();
    return child;
  }

  private entry(...parts: string[]): string {
    return join(this.c.repoRoot, ...parts);
  }

  async start(secrets: DevSecrets): Promise<CameraView[]> {
    const c = this.c;
    const nats = this.spawn(
      'nats-server',
      process.env['NATS_SERVER_BIN'] ?? 'nats-server',
      ['-a', c.host, '-p', String(c.natsPort), '-js', '-sd', join(c.stateDir, 'jetstream')],
      {},
    );
    await waitUntil(
      'nats-server JetStream',
      nats,
      () => jetStreamAnswers(c.host, c.natsPort),
      30_000,
      this.signal,
    );

    const registry = this.spawn(
      'port-registry',
      process.execPath,
      [this.entry('services/port-registry/dist/main.js')],
      {
        REGISTRY_NATS_URL: this.natsUrl,
        REGISTRY_HTTP_HOST: '127.0.0.1',
        REGISTRY_HTTP_PORT: String(c.registryHttpPort),
        REGISTRY_PORT_RANGE: c.onvifPortRange,
      },
    );
    await waitUntil(
      'port-registry /healthz',
      registry,
      () => httpOk(`http://127.0.0.1:${c.registryHttpPort}/healthz`),
      30_000,
      this.signal,
    );

    const onvif = this.spawn('onvif', process.execPath, [this.entry('services/onvif/dist/main.js')], {
      ONVIF_NATS_URL: this.natsUrl,
      ONVIF_HTTP_HOST: '127.0.0.1',
      ONVIF_HTTP_PORT: String(c.onvifHttpPort),
      ONVIF_LISTEN_HOST: c.host,
      ONVIF_PUBLIC_HOST: c.host,
      ONVIF_MEDIA_HOST: c.host,
      ONVIF_RTSP_PORT: String(c.rtspPort),
      ONVIF_USERS_KEY: secrets.usersKey(),
    });
    await waitUntil(
      'onvif /healthz',
      onvif,
      () => httpOk(`http://127.0.0.1:${c.onvifHttpPort}/healthz`),
      30_000,
      this.signal,
    );

    const media = c.mediamtxBin ? this.startMediaMtx(c.mediamtxBin) : this.startRelay();
    await waitUntil(
      `RTSP on ${c.host}:${c.rtspPort}`,
      media,
      () => tcpAccepts(c.host, c.rtspPort),
      30_000,
      this.signal,
    );

    const discovery = this.spawn(
      'discovery',
      process.execPath,
      [this.entry('services/discovery/dist/main.js')],
      {
        DISCOVERY_NATS_URL: this.natsUrl,
        DISCOVERY_HTTP_HOST: '127.0.0.1',
        DISCOVERY_HTTP_PORT: String(c.discoveryHttpPort),
        DISCOVERY_INTERFACES: c.discoveryInterfaces,
        DISCOVERY_PUBLIC_HOST: c.host,
        DISCOVERY_PORT: String(c.discoveryPort),
      },
    );
    await waitUntil(
      'discovery /healthz',
      discovery,
      () => httpOk(`http://127.0.0.1:${c.discoveryHttpPort}/healthz`),
      30_000,
      this.signal,
    );

    const devCameras = secrets.cameras(c.extraCameras);
    const agents = devCameras.map((dev, i) => this.startAgent(dev, i));
    return this.awaitCameras(devCameras, agents);
  }

  private startMediaMtx(bin: string): SupervisedChild {
    const c = this.c;
    // MediaMTX reads any key from MTX_<KEY> (mediamtx.yml's header): the repo's file, dev's ports.
    return this.spawn('mediamtx', bin, [this.entry('mediamtx.yml')], {
      MTX_AUTHHTTPADDRESS: this.authHookUrl,
      MTX_RTSPADDRESS: `${c.host}:${c.rtspPort}`,
      MTX_RTPADDRESS: `${c.host}:${c.rtpPort}`,
      MTX_RTCPADDRESS: `${c.host}:${c.rtcpPort}`,
      MTX_APIADDRESS: `127.0.0.1:${c.mediaApiPort}`,
      MTX_METRICSADDRESS: `127.0.0.1:${c.mediaMetricsPort}`,
    });
  }

  private startRelay(): SupervisedChild {
    const c = this.c;
    return this.spawn(
      'rtsp-relay',
      process.execPath,
      [
        this.entry('test/rtsp-relay/dist/cli.js'),
        '--config',
        this.entry('mediamtx.yml'),
        '--host',
        c.host,
        '--rtsp-port',
        String(c.rtspPort),
        '--api-port',
        String(c.mediaApiPort),
        '--rtp-port',
        String(c.rtpPort),
        '--rtcp-port',
        String(c.rtcpPort),
        '--auth-url',
        this.authHookUrl,
      ],
      {},
    );
  }

  agentEnv(dev: DevCamera, i: number): NodeJS.ProcessEnv {
    const c = this.c;
    const desktop = dev.name === 'desktop' && c.display !== undefined;
    return {
      ...this.base,
      // No ~/.config/desk-onvif/agent.json: the dev agents are configured here only.
      XDG_CONFIG_HOME: join(c.stateDir, 'agents', 'config'),
      AGENT_NATS_URL: this.natsUrl,
      AGENT_MEDIA_URL: `rtsp://${c.host}:${c.rtspPort}`,
      AGENT_ONVIF_HOST: c.host,
      AGENT_STATE_DIR: join(c.stateDir, 'agents', dev.name),
      AGENT_METRICS_PORT: String(c.agentMetricsPort + i),
      AGENT_SOURCE: desktop ? 'desktop' : 'test-pattern',
      ...(desktop ? { AGENT_DISPLAY: c.display } : {}),
      ...(dev.hostId ? { AGENT_HOST_ID: dev.hostId, AGENT_HOST_NAME: dev.hostId } : {}),
      // In the environment rather than as --onvif-user/--onvif-password: a command line is
      // readable by every user of the machine (ps), a process's environment only by its owner.
      AGENT_ONVIF_USER: dev.onvifUser,
      AGENT_ONVIF_PASSWORD: dev.onvifPassword,
    };
  }

  private startAgent(dev: DevCamera, i: number): SupervisedChild {
    // The agent stops its ffmpeg (SIGTERM, SIGKILL after 3 s) before it exits.
    return this.spawn(
      `agent-${dev.name}`,
      process.execPath,
      [this.agentEntry, 'run'],
      this.agentEnv(dev, i),
      8000,
    );
  }

  private get agentEntry(): string {
    return this.entry('services/capture-agent/dist/main.js');
  }

  private label(dev: DevCamera): string {
    if (dev.name !== 'desktop') return `${dev.name}, test pattern`;
    return this.c.display ? `desktop on display ${this.c.display}` : 'test pattern (no $DISPLAY to capture)';
  }

  /** Polls each agent's `status` until its camera answers on its ONVIF address (or time runs out). */
  private async awaitCameras(devCameras: DevCamera[], agents: SupervisedChild[]): Promise<CameraView[]> {
    const deadline = Date.now() + this.c.readyTimeoutMs;
    const views: CameraView[] = devCameras.map((dev) => ({ label: this.label(dev), dev, status: undefined }));
    const ready = new Set<number>();
    while (ready.size < views.length && Date.now() < deadline) {
      if (this.signal.aborted) throw new Interrupted();
      for (const [i, view] of views.entries()) {
        if (ready.has(i)) continue;
        view.status = await agentStatus(this.agentEntry, this.agentEnv(view.dev, i));
        if (await cameraReady(view.status)) ready.add(i);
      }
      if (ready.size < views.length) await new Promise((r) => setTimeout(r, 250));
    }
    for (const [i, view] of views.entries()) {
      const warning = ready.has(i)
        ? credentialsWarning(view.dev, view.status)
        : `not answering yet after ${this.c.readyTimeoutMs / 1000} s (see ${agents[i]?.spec.name}.log)`;
      if (warning) view.warning = warning;
    }
    return views;
  }

  banner(): string {
    const c = this.c;
    const loopbackOnly = c.discoveryInterfaces === '127.0.0.1';
    const media = c.mediamtxBin
      ? `MediaMTX ${c.mediamtxBin}  rtsp://${c.host}:${c.rtspPort}  (api 127.0.0.1:${c.mediaApiPort}, metrics 127.0.0.1:${c.mediaMetricsPort})`
      : `RTSP relay TEST DOUBLE  rtsp://${c.host}:${c.rtspPort}  (see WARNING above)`;
    return [
      `dev: running (state in ${c.stateDir}, logs in ${join(c.stateDir, 'logs')})`,
      `  NATS            ${this.natsUrl} (JetStream store in ${join(c.stateDir, 'jetstream')})`,
      `  port-registry   http://127.0.0.1:${c.registryHttpPort}/metrics  ONVIF ports ${c.onvifPortRange}`,
      `  onvif           http://127.0.0.1:${c.onvifHttpPort}/metrics  auth hook ${this.authHookUrl}`,
      `  media           ${media}`,
      `  discovery       http://127.0.0.1:${c.discoveryHttpPort}/metrics  WS-Discovery UDP ${c.discoveryPort} on ${c.discoveryInterfaces}`,
      loopbackOnly
        ? '                  loopback only: NVRs on the LAN do not discover these cameras (no multicast leaves this machine);\n' +
          "                  DEV_DISCOVERY_INTERFACES=eth0 (and DEV_HOST=<this machine's address>) announces them on the LAN"
        : `                  announcing on ${c.discoveryInterfaces}: NVRs on that network discover these cameras`,
      '',
    ].join('\n');
  }

  /** Agents first (ffmpeg closes its RTSP sessions while the media server runs), NATS last. */
  async stop(): Promise<void> {
    for (const child of [...this.children].reverse()) await child.stop();
  }

  killNow(): void {
    for (const child of this.children) child.killNow();
  }
}
