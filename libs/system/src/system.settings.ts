import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { holdTcpPort, holdUdpPort, holdUdpPortPair, type HeldPort } from './free.ports.js';
import type { SystemTrust } from './system.trust.js';

/**
 * Everything the system's processes are started from, in one object: `make dev` fills it from its
 * `DEV_*` variables, the end-to-end test from its options. It flows one way: settings → the service
 * table (service.table.ts) → each child's environment and command line. A port of 0 is picked free
 * when the system starts, and held open until its service binds it (`holdPorts`).
 */
export interface SystemSettings {
  /** The repository: the services' `dist/main.js`, `mediamtx.yml`, the relay double. */
  repoRoot: string;
  /** JetStream store (`jetstream/`), agents' state (`agents/`), logs (`logs/`). */
  stateDir: string;
  /** Where NATS, the camera listeners and RTSP listen; the host in every URL handed out. */
  host: string;
  natsPort: number;
  registryHttpPort: number;
  onvifHttpPort: number;
  discoveryHttpPort: number;
  /** WS-Discovery's UDP port (3702: the one NVRs probe). */
  discoveryPort: number;
  /** `DISCOVERY_INTERFACES`: names or IPv4 addresses, comma-separated. */
  discoveryInterfaces: string;
  /** The ONVIF ports the registry hands out, `FIRST-LAST`. */
  onvifPortRange: string;
  rtspPort: number;
  /** RTP/RTCP (UDP) for readers over UDP: an even port and the next one. */
  rtpPort: number;
  rtcpPort: number;
  mediaApiPort: number;
  /** MediaMTX's metrics; the relay double has none. */
  mediaMetricsPort: number;
  /** A MediaMTX binary; undefined: the RTSP relay test double (test/rtsp-relay) runs instead. */
  mediamtxBin: string | undefined;
  natsServerBin: string;
  /** The agents' ffmpeg; undefined: ffmpeg-static's. */
  ffmpegBin: string | undefined;
  /** The onvif service's `ONVIF_USERS_KEY` (32 bytes, base64). */
  onvifUsersKey: string;
  /** The web console's HTTPS port (on `host`). */
  consolePort: number;
  /**
   * The site's server certificate and key (PEM files, libs/site-pki): the console's HTTPS (without
   * them no console runs) and the cameras' ONVIF over HTTPS (HTTP stays on the same port).
   */
  tls?: { cert: string; key: string; ca?: string };
  /** `ONVIF_REQUIRE_TLS`: plain HTTP answers PRE_AUTH operations only (needs `tls`). */
  onvifRequireTls?: boolean;
  /**
   * The media server serves RTSPS here too (with `tls`), and agents publish over it, verifying
   * the server against `tls.ca`; readers may use either. 0: a free port. Absent: RTSP only.
   */
  rtspsPort?: number;
  /**
   * MediaMTX's WebRTC server (WHEP, HTTPS with the site certificate) and its ICE port (UDP): the
   * console's live view plays WebRTC from there. Only where MediaMTX runs (the relay double has no
   * WebRTC) and with `tls`. 0: a free port. Absent: no WebRTC, the live view is by snapshots.
   */
  webrtcPort?: number;
  webrtcIcePort?: number;
  /** One capture agent each, started last. */
  agents: AgentSettings[];
  /**
   * A network namespace: the services marked `inNamespace` in the table (discovery) run inside it,
   * where an NVR under test probes; the rest stay in the root namespace on `host`.
   */
  netns?: Namespace;
  /** Services of the table not to start (e.g. discovery, where nobody probes). */
  skip?: string[];
  /** Extra environment per service name, applied last (log levels, a test's timings). */
  env?: Record<string, Record<string, string>>;
  /** Restart a child that exits unexpectedly (`make dev`); a test restarts what it kills itself. */
  restartOnExit: boolean;
  /** The site CA, NATS operator and credentials (`<stateDir>/trust`): filled in at start. */
  trust?: SystemTrust;
}

/** One capture agent: its name (log file, state directory), identity, source and credentials. */
export interface AgentSettings {
  name: string;
  /** `--host-id`; absent: the machine's own identity. */
  hostId?: string;
  hostName?: string;
  /** The X display to capture; absent: a test pattern. */
  display?: string;
  /** The camera's first ONVIF Administrator, handed over in the environment (never argv). */
  onvifUser: string;
  onvifPassword: string;
  /** Its local /healthz, /status and /metrics on 127.0.0.1; 0: a free one. */
  metricsPort: number;
  /** An enrolment token the system issued for it at start, when it had not enrolled yet. */
  enrollmentToken?: string;
  /** More `AGENT_*` settings (encoder, sizes, timings), applied last. */
  env?: Record<string, string>;
}

/** What the harness needs of a network namespace (test-support's NetNamespace is one). */
export interface Namespace {
  /** The namespace side of its veth pair: where services inside are reached. */
  readonly address: string;
  /** The command line that runs `command` inside it. */
  wrap(command: string, args: string[]): [string, string[]];
}

type PortKey = {
  [K in keyof SystemSettings]-?: SystemSettings[K] extends number ? K : never;
}[keyof SystemSettings];

/** Who binds each port: it is held open until one of them starts. */
const PORT_OWNERS: Record<PortKey, string[]> = {
  natsPort: ['nats-server'],
  registryHttpPort: ['port-registry'],
  onvifHttpPort: ['onvif'],
  discoveryHttpPort: ['discovery'],
  discoveryPort: ['discovery'],
  rtspPort: ['mediamtx', 'rtsp-relay'],
  rtpPort: ['mediamtx', 'rtsp-relay'],
  rtcpPort: ['mediamtx', 'rtsp-relay'],
  mediaApiPort: ['mediamtx', 'rtsp-relay'],
  mediaMetricsPort: ['mediamtx', 'rtsp-relay'],
  consolePort: ['console'],
};
const TCP_PORTS: PortKey[] = [
  'natsPort',
  'registryHttpPort',
  'onvifHttpPort',
  'discoveryHttpPort',
  'rtspPort',
  'mediaApiPort',
  'mediaMetricsPort',
  'consolePort',
];

/** Ports chosen for the settings and held open until their service starts. */
export class PortHolds {
  private readonly held: Array<{ owners: string[]; port: HeldPort }> = [];

  add(owners: string[], port: HeldPort): number {
    this.held.push({ owners, port });
    return port.port;
  }

  /** Just before `service` starts: its ports become free for it to bind. */
  async release(service?: string): Promise<void> {
    const now = this.held.filter((h) => service === undefined || h.owners.includes(service));
    for (const h of now) this.held.splice(this.held.indexOf(h), 1);
    await Promise.all(now.map((h) => h.port.release()));
  }
}

/**
 * The settings with every 0 port replaced by one free now, held open (`holds`) until the service
 * that binds it starts: TCP on `host`, WS-Discovery's UDP on loopback, and RTP/RTCP as an even port
 * and the next (what MediaMTX and the relay require).
 */
export async function holdPorts(s: SystemSettings): Promise<{ settings: SystemSettings; holds: PortHolds }> {
  const holds = new PortHolds();
  const out: SystemSettings = { ...s, agents: [] };
  try {
    for (const key of TCP_PORTS)
      if (s[key] === 0) out[key] = holds.add(PORT_OWNERS[key], await holdTcpPort(s.host));
    if (s.rtspsPort === 0) out.rtspsPort = holds.add(['mediamtx', 'rtsp-relay'], await holdTcpPort(s.host));
    if (s.webrtcPort === 0) out.webrtcPort = holds.add(['mediamtx'], await holdTcpPort(s.host));
    if (s.webrtcIcePort === 0) out.webrtcIcePort = holds.add(['mediamtx'], await holdUdpPort(s.host));
    if (s.discoveryPort === 0) out.discoveryPort = holds.add(PORT_OWNERS.discoveryPort, await holdUdpPort());
    if (s.rtpPort === 0 || s.rtcpPort === 0) {
      const [rtp, rtcp] = await holdUdpPortPair(s.host);
      out.rtpPort = holds.add(PORT_OWNERS.rtpPort, rtp);
      out.rtcpPort = holds.add(PORT_OWNERS.rtcpPort, rtcp);
    }
    for (const agent of s.agents)
      out.agents.push({
        ...agent,
        metricsPort: agent.metricsPort || holds.add([`agent-${agent.name}`], await holdTcpPort()),
      });
  } catch (err) {
    await holds.release();
    throw err;
  }
  return { settings: out, holds };
}

/** The settings with every 0 port replaced by one free now (not held: the caller binds soon). */
export async function resolvePorts(s: SystemSettings): Promise<SystemSettings> {
  const { settings, holds } = await holdPorts(s);
  await holds.release();
  return settings;
}

/** RTSPS, when the settings have both its port and the site certificate with its CA. */
export function rtspsOf(
  s: SystemSettings,
): { port: number; cert: string; key: string; ca: string } | undefined {
  if (s.rtspsPort === undefined || !s.tls?.ca) return undefined;
  return { port: s.rtspsPort, cert: s.tls.cert, key: s.tls.key, ca: s.tls.ca };
}

/**
 * MediaMTX's WebRTC (WHEP) server: where MediaMTX runs, with both ports and the site certificate.
 * `url` is what the console's live view posts its offers under (`<url>/<path>/whep`).
 */
export function webrtcOf(
  s: SystemSettings,
): { url: string; port: number; icePort: number; cert: string; key: string } | undefined {
  if (s.mediamtxBin === undefined || s.webrtcPort === undefined || s.webrtcIcePort === undefined || !s.tls)
    return undefined;
  return {
    url: `https://${s.host}:${s.webrtcPort}`,
    port: s.webrtcPort,
    icePort: s.webrtcIcePort,
    cert: s.tls.cert,
    key: s.tls.key,
  };
}

/** The first executable `name` in the directories of `path` (a PATH value). */
export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
