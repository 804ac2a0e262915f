import { randomBytes, randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry, call, cameraIdOf, identityKey, type CameraRecord } from '@desk-onvif/contracts';
import {
  NatsServer,
  ServiceProcess,
  StreamWatcher,
  Xvfb,
  freePort,
  readColour,
  spawnTracked,
  startMediaServer,
  waitFor,
  type ColourRead,
  type CommandWrapper,
  type MediaServer,
  type NetNamespace,
  startRegistry,
} from '@desk-onvif/test-support';
import { AgentProcess, tempStateDir } from '../../services/capture-agent/test/agent.process.js';

const NVR_CLIENT = join(dirname(fileURLToPath(import.meta.url)), 'nvr-client.mjs');

export interface Credentials {
  username: string;
  password: string;
}

export interface DeskSystemOptions {
  /**
   * With a namespace, the system plays a lab server on the LAN: its services listen on the veth's
   * host address, the discovery service and the NVR (the npm `onvif` client, ffmpeg readers) run
   * inside, so WS-Discovery multicast never leaves it. Without one: no discovery, all on loopback.
   */
  netns?: NetNamespace;
  /** The Xvfb desktop and the main stream's size; the sub stream is half of it. */
  width: number;
  height: number;
  fps: number;
  /** Frames between keyframes: how long a new reader may wait for its first picture. */
  gop?: number;
  /** The main stream's bitrate; 2000 kbps unless given. */
  mainBitrateKbps?: number;
  /** The desktop's colour at the start (`#rrggbb`). */
  colour: string;
  /** The camera's first ONVIF Administrator, given to the agent (`--onvif-user/--onvif-password`). */
  onvifUser?: Credentials;
}

/**
 * The whole desk-onvif system as real processes on random ports, as `make dev` runs it: nats-server
 * (JetStream), the media server (MediaMTX or the relay double, asking the onvif service's
 * `/mediamtx/auth`), port-registry, onvif, discovery, an Xvfb desktop and one capture agent (real
 * ffmpeg x11grab) with a host id of its own. Every piece can be killed and restarted by a test.
 */
export class DeskSystem {
  private constructor(
    readonly opts: DeskSystemOptions & { onvifUser: Credentials },
    /** The address NVRs reach the system on. */
    readonly host: string,
    readonly hostId: string,
    readonly nats: NatsServer,
    readonly media: MediaServer,
    readonly registry: ServiceProcess,
    readonly onvif: ServiceProcess,
    readonly discovery: ServiceProcess | undefined,
    readonly xvfb: Xvfb,
    readonly agent: AgentProcess,
    /** The test's own NATS connection (reconnects forever), to ask the registry. */
    readonly nc: NatsConnection,
    private readonly stoppers: Array<() => Promise<unknown>>,
  ) {}

  static async start(options: DeskSystemOptions): Promise<DeskSystem> {
    const opts = {
      ...options,
      onvifUser: options.onvifUser ?? {
        username: 'nvr-admin',
        password: randomBytes(12).toString('base64url'),
      },
    };
    const ns = opts.netns;
    const host = ns?.hostAddress ?? '127.0.0.1';
    const stoppers: Array<() => Promise<unknown>> = [];
    const stopAll = async () => {
      for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    };
    try {
      const nats = await NatsServer.start({ host });
      stoppers.push(() => nats.dispose());
      // MediaMTX needs the hook's address before the onvif service runs: fix its HTTP port first.
      const onvifHttpPort = await freePort();
      const media = await startMediaServer({
        authHookUrl: `http://127.0.0.1:${onvifHttpPort}/mediamtx/auth`,
        host,
      });
      stoppers.push(() => media.stop());
      const [registry, onvif, discovery] = await Promise.all([
        startRegistry(nats, {
          // Below the ephemeral ports, where fewer other processes bind.
          REGISTRY_PORT_RANGE: '21000-21999',
          REGISTRY_LOG_LEVEL: 'info',
        }),
        ServiceProcess.start(
          'onvif',
          {
            ...nats.serviceEnv('ONVIF_', 'onvif'),
            ONVIF_HTTP_HOST: '127.0.0.1',
            ONVIF_USERS_KEY: randomBytes(32).toString('base64'),
            ONVIF_LISTEN_HOST: host,
            ONVIF_PUBLIC_HOST: host,
            ONVIF_MEDIA_HOST: media.host,
            ONVIF_RTSP_PORT: String(media.rtspPort),
            ONVIF_LOG_LEVEL: 'debug',
          },
          'ONVIF_HTTP_PORT',
          { port: onvifHttpPort },
        ),
        ns
          ? ServiceProcess.start(
              'discovery',
              {
                ...nats.serviceEnv('DISCOVERY_', 'discovery'),
                DISCOVERY_INTERFACES: '127.0.0.1',
                // XAddrs name the lab server's address, not the namespace's loopback.
                DISCOVERY_PUBLIC_HOST: host,
                DISCOVERY_LOG_LEVEL: 'warn',
              },
              'DISCOVERY_HTTP_PORT',
              { netns: ns },
            )
          : Promise.resolve(undefined),
      ]);
      stoppers.push(
        () => registry.stop(),
        () => onvif.stop(),
        () => discovery?.stop() ?? Promise.resolve(),
      );
      const xvfb = await Xvfb.start({ width: opts.width, height: opts.height });
      stoppers.push(() => xvfb.stop());
      await xvfb.fill(opts.colour);
      const state = tempStateDir();
      stoppers.push(() => Promise.resolve(state.dispose()));
      const nc = await nats.connect('admin', { maxReconnectAttempts: -1, reconnectTimeWait: 200 });
      stoppers.push(() => nc.close());
      const hostId = randomUUID();
      const gop = opts.gop ?? opts.fps;
      const agent = await AgentProcess.start({
        ...(await nats.agentEnv(cameraIdOf(identityKey({ mode: 'shared', hostId })))),
        AGENT_MEDIA_URL: `rtsp://${media.host}:${media.rtspPort}`,
        AGENT_DISPLAY: xvfb.display,
        AGENT_SOURCE: 'desktop',
        AGENT_ENCODER: 'libx264',
        // Configured on the agent: it reports them to the registry, and GetProfiles says the same.
        AGENT_FPS: String(opts.fps),
        AGENT_GOP: String(gop),
        AGENT_MAIN_SIZE: `${opts.width}x${opts.height}`,
        AGENT_SUB_SIZE: `${even(opts.width / 2)}x${even(opts.height / 2)}`,
        AGENT_MAIN_BITRATE_KBPS: String(opts.mainBitrateKbps ?? 2000),
        AGENT_SUB_BITRATE_KBPS: '512',
        AGENT_HOST_ID: hostId,
        AGENT_HOST_NAME: 'e2e-desk',
        AGENT_ONVIF_USER: opts.onvifUser.username,
        AGENT_ONVIF_PASSWORD: opts.onvifUser.password,
        AGENT_STATE_DIR: state.dir,
        AGENT_HEARTBEAT_MS: '1000',
        AGENT_REGISTER_RETRY_MS: '500',
        AGENT_ONVIF_RETRY_MS: '500',
        AGENT_BACKOFF_INITIAL_MS: '200',
        AGENT_BACKOFF_MAX_MS: '1000',
        AGENT_LOG_LEVEL: 'info',
      });
      // Before the state directory goes (stoppers run in reverse).
      stoppers.push(() => agent.stop());
      const system = new DeskSystem(
        opts,
        host,
        hostId,
        nats,
        media,
        registry,
        onvif,
        discovery,
        xvfb,
        agent,
        nc,
        stoppers,
      );
      await system.ready();
      return system;
    } catch (err) {
      await stopAll();
      throw err;
    }
  }

  get cameraId(): string {
    return cameraIdOf(identityKey({ mode: 'shared', hostId: this.hostId }));
  }

  /** The camera's record as the registry has it now. */
  async camera(): Promise<CameraRecord> {
    return (await call(this.nc, Registry.get, { id: this.cameraId })).camera;
  }

  /** The camera's device service, where its ONVIF port is. */
  xaddr(camera: CameraRecord): string {
    return `http://${this.host}:${camera.onvifPort}/onvif/device_service`;
  }

  /** An RTSP URL of the media server, with credentials in it when given. */
  rtspUrl(path: string, creds?: Credentials): string {
    return this.media.rtspUrl(path, creds && { user: creds.username, password: creds.password });
  }

  /** Until the camera is registered, its ONVIF endpoint answers and its main stream is readable. */
  async ready(timeoutMs = 30_000): Promise<CameraRecord> {
    let camera: CameraRecord | undefined;
    await waitFor(
      'the camera to be registered, on ONVIF and streaming',
      async () => {
        camera = await this.camera();
        const got = await this.readColour(this.rtspUrl(camera.paths.main, this.opts.onvifUser));
        if (!got.ok) throw new Error(got.error);
        return true;
      },
      timeoutMs,
      250,
    );
    return camera!;
  }

  /** Runs a command where the NVR is: inside the namespace, if there is one. */
  private get wrap(): CommandWrapper | undefined {
    const ns = this.opts.netns;
    return ns ? (command, args) => ns.wrap(command, args) : undefined;
  }

  private async nvrClient(args: string[], env: Record<string, string> = {}): Promise<unknown> {
    const [command, argv] = this.wrap?.(process.execPath, [NVR_CLIENT, ...args]) ?? [
      process.execPath,
      [NVR_CLIENT, ...args],
    ];
    // Tracked: killed with the test process, whatever happens.
    const proc = spawnTracked(command, argv, { ...process.env, ...env });
    let stdout = '';
    proc.child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    const timer = setTimeout(() => void proc.stop(), 30_000);
    const code = await proc.exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`nvr-client ${args[0]} exited ${code}: ${proc.output()}`);
    return JSON.parse(stdout) as unknown;
  }

  /** The NVR's WS-Discovery Probe (npm `onvif` Discovery.probe), inside the namespace. */
  async probe(timeoutMs = 1500): Promise<ProbedCamera[]> {
    if (!this.opts.netns) throw new Error('WS-Discovery needs the system started with a network namespace');
    return (await this.nvrClient(['probe', String(timeoutMs)])) as ProbedCamera[];
  }

  /** The NVR adding the camera: npm `onvif` Cam.connect, GetProfiles, GetStreamUri of each profile. */
  async connect(xaddr: string, creds: Credentials = this.opts.onvifUser): Promise<NvrProfile[]> {
    const out = (await this.nvrClient(['connect', xaddr], {
      NVR_USERNAME: creds.username,
      NVR_PASSWORD: creds.password,
    })) as { profiles: NvrProfile[] };
    return out.profiles;
  }

  /** The NVR asking GetDeviceInformation and GetScopes (npm `onvif`). */
  async deviceInfo(
    xaddr: string,
    creds: Credentials = this.opts.onvifUser,
  ): Promise<{ info: Record<string, string>; scopes: string[] }> {
    return (await this.nvrClient(['info', xaddr], {
      NVR_USERNAME: creds.username,
      NVR_PASSWORD: creds.password,
    })) as { info: Record<string, string>; scopes: string[] };
  }

  /** The NVR opening a stream: a few decoded frames' colour, or why ffmpeg could not read. */
  readColour(url: string): Promise<ColourRead> {
    return readColour(url, { wrap: this.wrap, timeoutMs: 15_000 });
  }

  /** The NVR's live view: a reader that keeps every frame's colour and arrival time. */
  watch(url: string, opts: { lowLatency?: boolean } = {}): StreamWatcher {
    return StreamWatcher.start(url, { ...opts, wrap: this.wrap });
  }

  /** What every part printed, and which processes are gone, for the message of a failed test. */
  output(): string {
    const parts: Array<[string, string, number | undefined]> = [
      ['nats-server', '', this.nats.pid],
      ['media', this.media.output(), undefined],
      ['registry', this.registry.output(), this.registry.pid],
      ['onvif', this.onvif.output(), this.onvif.pid],
      ['discovery', this.discovery?.output() ?? '', this.discovery?.pid],
      ['agent', this.agent.output(), this.agent.proc.child.pid],
    ];
    return parts
      .map(([name, text, pid]) => `--- ${name}${running(pid) ? '' : ' (NOT RUNNING)'}\n${text.slice(-6000)}`)
      .join('\n');
  }

  /** Stops every process it started (the namespace stays: its owner deletes it). */
  async stop(): Promise<void> {
    for (const stop of this.stoppers.reverse()) await stop().catch(() => undefined);
    this.stoppers.length = 0;
  }
}

export interface ProbedCamera {
  urn: string;
  xaddrs: string[];
  scopes: string[];
}

export interface NvrProfile {
  token: string;
  name: string;
  width?: number;
  height?: number;
  uri: string;
}

/** Whether a process is alive; true when there is no pid to ask about (in-process parts). */
function running(pid: number | undefined): boolean {
  if (pid === undefined) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}
