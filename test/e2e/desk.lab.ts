import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Registry, call, cameraIdOf, identityKey, type CameraRecord } from '@desk-onvif/contracts';
import { DeskSystem, findOnPath, type SystemSettings } from '@desk-onvif/system';
import {
  REPO_ROOT,
  StreamWatcher,
  Xvfb,
  captureXml,
  readColour,
  spawnTracked,
  waitFor,
  type ColourRead,
  type CommandWrapper,
  type NetNamespace,
  type SitePki,
} from '@desk-onvif/test-support';

const NVR_CLIENT = join(dirname(fileURLToPath(import.meta.url)), 'nvr-client.mjs');
/** The name of the one agent in the system's settings. */
export const AGENT = 'e2e';

export interface Credentials {
  username: string;
  password: string;
}

export interface DeskLabOptions {
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
  /** The camera's first ONVIF Administrator, given to the agent (`AGENT_ONVIF_USER/PASSWORD`). */
  onvifUser?: Credentials;
  /** More of the agent's environment: a PulseAudio server (PULSE_SERVER) and AGENT_AUDIO_… */
  agentEnv?: Record<string, string>;
  /**
   * The site PKI (`testSitePki()`): the cameras serve ONVIF over HTTPS with its server certificate,
   * and the NVR trusts its CA. The console still does not run in this lab.
   */
  pki?: SitePki;
  /** `ONVIF_REQUIRE_TLS`: plain HTTP answers PRE_AUTH operations only (needs `pki`). */
  requireTls?: boolean;
  /** The media server serves RTSPS too (needs `pki`) and the agent publishes over it. */
  rtsps?: boolean;
}

/**
 * The lab of the end-to-end test: an Xvfb desktop of a known colour, the whole system captured from
 * it (`DeskSystem` of @desk-onvif/system, the harness `make dev` runs, on random ports in a
 * temporary state directory, one capture agent with a host id of its own), and the NVR's side:
 * the npm `onvif` client and ffmpeg readers, inside the namespace when there is one.
 * `system.kill(name)` and `system.restart(name)` crash and bring back any piece.
 */
export class DeskLab {
  private constructor(
    readonly opts: DeskLabOptions & { onvifUser: Credentials },
    readonly system: DeskSystem,
    readonly xvfb: Xvfb,
    readonly hostId: string,
    /** The test's own NATS connection (reconnects forever), to ask the registry. */
    readonly nc: NatsConnection,
  ) {}

  static async start(options: DeskLabOptions): Promise<DeskLab> {
    const opts = {
      ...options,
      onvifUser: options.onvifUser ?? {
        username: 'nvr-admin',
        password: randomBytes(12).toString('base64url'),
      },
    };
    const xvfb = await Xvfb.start({ width: opts.width, height: opts.height });
    const stateDir = mkdtempSync(join(tmpdir(), 'desk-onvif-e2e-'));
    let system: DeskSystem | undefined;
    try {
      await xvfb.fill(opts.colour);
      const hostId = randomUUID();
      system = new DeskSystem(labSettings(opts, stateDir, hostId, xvfb.display));
      await system.start();
      const nc = await connect(
        system.connectOptions('admin', { maxReconnectAttempts: -1, reconnectTimeWait: 200 }),
      );
      const lab = new DeskLab(opts, system, xvfb, hostId, nc);
      await lab.ready().catch(async (err: Error) => {
        await nc.close();
        throw new Error(`${err.message}\n${lab.output()}`, { cause: err });
      });
      return lab;
    } catch (err) {
      await system?.stop();
      await xvfb.stop();
      rmSync(stateDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** The address NVRs reach the system on. */
  get host(): string {
    return this.system.settings.host;
  }

  get media() {
    return this.system.media;
  }

  get cameraId(): string {
    return cameraIdOf(identityKey({ mode: 'shared', hostId: this.hostId }));
  }

  /** The camera's record as the registry has it now. */
  async camera(): Promise<CameraRecord> {
    return (await call(this.nc, Registry.get, { id: this.cameraId })).camera;
  }

  /** The camera's device service, where its ONVIF port is (https: the same port, over TLS). */
  xaddr(camera: CameraRecord, scheme: 'http' | 'https' = 'http'): string {
    return `${scheme}://${this.host}:${camera.onvifPort}/onvif/device_service`;
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
  /**
   * The NVR adding the camera (npm `onvif`): its profiles with the URI GetStreamUri gave for
   * `protocol` (Media2's name; npm onvif asks `RTSP` unless told). With a protocol, the camera's
   * replies go to the run's XML validation.
   */
  async connect(
    xaddr: string,
    creds: Credentials = this.opts.onvifUser,
    protocol?: string,
  ): Promise<NvrProfile[]> {
    const out = (await this.nvrClient(
      ['connect', xaddr, ...(protocol ? [protocol] : [])],
      this.nvrEnv(creds),
    )) as { profiles: NvrProfile[]; responses: string[] };
    if (protocol) out.responses.forEach((xml, i) => captureXml(`e2e npm-onvif ${protocol} ${i}`, xml));
    return out.profiles;
  }

  /**
   * The NVR's event subscription (npm `onvif`'s `cam.on('event')`: CreatePullPointSubscription,
   * then PullMessages in a loop), inside the namespace; `seen` fills as events arrive.
   */
  nvrEvents(
    xaddr: string,
    durationMs = 60_000,
    creds: Credentials = this.opts.onvifUser,
  ): { seen: NvrEvent[]; stop: () => Promise<void> } {
    const args = [NVR_CLIENT, 'events', xaddr, String(durationMs)];
    const [command, argv] = this.wrap?.(process.execPath, args) ?? [process.execPath, args];
    const proc = spawnTracked(command, argv, { ...process.env, ...this.nvrEnv(creds) });
    const seen: NvrEvent[] = [];
    let pending = '';
    proc.child.stdout?.on('data', (b: Buffer) => {
      pending += b.toString();
      for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
        const line = pending.slice(0, i).trim();
        pending = pending.slice(i + 1);
        if (line) seen.push(JSON.parse(line) as NvrEvent);
      }
    });
    return { seen, stop: async () => void (await proc.stop()) };
  }

  /** The NVR asking GetDeviceInformation and GetScopes (npm `onvif`). */
  async deviceInfo(
    xaddr: string,
    creds: Credentials = this.opts.onvifUser,
  ): Promise<{ info: Record<string, string>; scopes: string[] }> {
    return (await this.nvrClient(['info', xaddr], this.nvrEnv(creds))) as {
      info: Record<string, string>;
      scopes: string[];
    };
  }

  /** The NVR's credentials, and the site CA it trusts for https XAddrs (in the environment, not argv). */
  private nvrEnv(creds: Credentials): Record<string, string> {
    return {
      NVR_USERNAME: creds.username,
      NVR_PASSWORD: creds.password,
      ...(this.opts.pki ? { NVR_CA: this.opts.pki.caCert } : {}),
    };
  }

  /**
   * The NVR changing the camera's audio encoder (npm `onvif` SetAudioEncoderConfiguration): the
   * configuration the camera then reports; every SOAP reply goes to the run's XML validation.
   */
  async setAudioEncoder(
    xaddr: string,
    audio: { encoding: 'G711' | 'AAC'; bitrate: number; sampleRate: number },
    creds: Credentials = this.opts.onvifUser,
  ): Promise<Record<string, unknown>> {
    const out = (await this.nvrClient(
      ['audio', xaddr, audio.encoding, String(audio.bitrate), String(audio.sampleRate)],
      { NVR_USERNAME: creds.username, NVR_PASSWORD: creds.password },
    )) as { configuration: Record<string, unknown>; responses: string[] };
    out.responses.forEach((xml, i) => captureXml(`e2e npm-onvif audio ${i}`, xml));
    return out.configuration;
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
    return this.system.output();
  }

  /** Stops every process it started and removes the state (the namespace stays: its owner deletes it). */
  async stop(): Promise<void> {
    await this.nc.close().catch(() => undefined);
    await this.system.stop();
    await this.xvfb.stop();
    rmSync(this.system.settings.stateDir, { recursive: true, force: true });
  }
}

/** The harness's settings for the lab: every port 0 (free, chosen at start), a throw-away store, fast agent timings. */
function labSettings(
  opts: DeskLabOptions & { onvifUser: Credentials },
  stateDir: string,
  hostId: string,
  display: string,
): SystemSettings {
  const ns = opts.netns;
  const gop = opts.gop ?? opts.fps;
  return {
    repoRoot: REPO_ROOT,
    stateDir,
    host: ns?.hostAddress ?? '127.0.0.1',
    ...{ natsPort: 0, registryHttpPort: 0, onvifHttpPort: 0, discoveryHttpPort: 0 },
    ...{ rtspPort: 0, rtpPort: 0, rtcpPort: 0, mediaApiPort: 0, mediaMetricsPort: 0 },
    // Inside the namespace, the port NVRs probe; nothing else listens there.
    discoveryPort: 3702,
    discoveryInterfaces: '127.0.0.1',
    // Below the ephemeral ports, where fewer other processes bind.
    onvifPortRange: '21000-21999',
    mediamtxBin:
      process.env.MEDIA_SERVER === 'relay'
        ? undefined
        : process.env.MEDIAMTX_BIN || findOnPath('mediamtx', process.env.PATH),
    natsServerBin: process.env.NATS_SERVER_BIN ?? 'nats-server',
    ffmpegBin: process.env.FFMPEG_BIN ?? '/usr/bin/ffmpeg',
    onvifUsersKey: randomBytes(32).toString('base64'),
    consolePort: 0,
    ...(opts.pki ? { tls: { cert: opts.pki.serverCert, key: opts.pki.serverKey, ca: opts.pki.caCert } } : {}),
    ...(opts.rtsps ? { rtspsPort: 0 } : {}),
    ...(opts.requireTls ? { onvifRequireTls: true } : {}),
    agents: [
      {
        name: AGENT,
        hostId,
        hostName: 'e2e-desk',
        display,
        onvifUser: opts.onvifUser.username,
        onvifPassword: opts.onvifUser.password,
        metricsPort: 0,
        env: {
          AGENT_ENCODER: 'libx264',
          // Configured on the agent: it reports them to the registry, and GetProfiles says the same.
          AGENT_FPS: String(opts.fps),
          AGENT_GOP: String(gop),
          AGENT_MAIN_SIZE: `${opts.width}x${opts.height}`,
          AGENT_SUB_SIZE: `${even(opts.width / 2)}x${even(opts.height / 2)}`,
          AGENT_MAIN_BITRATE_KBPS: String(opts.mainBitrateKbps ?? 2000),
          AGENT_SUB_BITRATE_KBPS: '512',
          AGENT_HEARTBEAT_MS: '1000',
          AGENT_REGISTER_RETRY_MS: '500',
          AGENT_ONVIF_RETRY_MS: '500',
          AGENT_BACKOFF_INITIAL_MS: '200',
          AGENT_BACKOFF_MAX_MS: '1000',
          AGENT_LOG_LEVEL: 'info',
          // No sound server unless the test brings one: the agent's audio stays off.
          AGENT_AUDIO: 'off',
          ...opts.agentEnv,
        },
      },
    ],
    // The console is not part of this lab (its browser test starts its own).
    skip: [...(ns ? [] : ['discovery']), 'console'],
    ...(ns ? { netns: ns } : {}),
    env: {
      'port-registry': { REGISTRY_LOG_LEVEL: 'info' },
      onvif: { ONVIF_LOG_LEVEL: 'debug' },
      discovery: { DISCOVERY_LOG_LEVEL: 'warn' },
    },
    restartOnExit: false,
  };
}

/** One event as npm `onvif` delivered it, with the NVR's clock reading. */
export interface NvrEvent {
  topic: string;
  operation?: string;
  value: string | boolean;
  at: number;
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

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}
