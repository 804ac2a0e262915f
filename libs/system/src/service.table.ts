import { join } from 'node:path';
import type { ServiceRole } from '@desk-onvif/contracts';
import { httpOk, tcpAccepts } from './readiness.js';
import { natsAnswers, systemTrustFiles, type SystemTrust } from './system.trust.js';
import { rtspsOf, webrtcOf, type AgentSettings, type SystemSettings } from './system.settings.js';

/**
 * One process of the system: how it starts and when it is ready, all derived from the settings.
 * A new service is one more entry in `SERVICES`; a new per-service setting is a field of
 * `SystemSettings` read by that entry's `env`.
 */
export interface ServiceDef {
  /** Its log file (`<name>.log`), `kill(name)`, the key of `settings.env`. */
  name: string;
  /** Not started when false (the other media server, discovery without a prober…). */
  enabled?: (s: SystemSettings) => boolean;
  /** The command line; `node` entries are given as a path under the repository, with Node's flags. */
  command: (
    s: SystemSettings,
  ) => { node: string; args?: string[]; nodeFlags?: readonly string[] } | { bin: string; args: string[] };
  /** Its own environment (on top of PATH, HOME and FFMPEG_BIN); `settings.env[name]` comes last. */
  env: (s: SystemSettings) => Record<string, string>;
  /** What "ready" means: a description for the error, and a probe. */
  ready: (s: SystemSettings) => { what: string; probe: () => Promise<boolean> };
  /** Runs inside `settings.netns` when there is one (and is probed there). */
  inNamespace?: boolean;
  /** SIGTERM, then SIGKILL to its group after this long; 5 s unless given. */
  graceMs?: number;
}

export const natsUrl = (s: SystemSettings): string => `nats://${s.host}:${s.natsPort}`;

/** The trust files (generated at start, in `<stateDir>/trust`). */
function trustOf(s: SystemSettings): SystemTrust {
  return s.trust ?? systemTrustFiles(s.stateDir);
}

/** A service's NATS variables: the URL, its own credential, the site CA (`<PREFIX>NATS_…`). */
export function natsEnv(s: SystemSettings, prefix: string, role: ServiceRole): Record<string, string> {
  const trust = trustOf(s);
  return {
    [`${prefix}NATS_URL`]: natsUrl(s),
    [`${prefix}NATS_CREDS`]: trust.creds[role],
    [`${prefix}NATS_CA`]: trust.caFile,
  };
}
/** MediaMTX's `authHTTPAddress`: the onvif service checks every publisher and reader. */
export const authHookUrl = (s: SystemSettings): string => `http://127.0.0.1:${s.onvifHttpPort}/mediamtx/auth`;

/** A service's /healthz on loopback, or on the namespace's address when it runs inside one. */
function healthz(name: string, port: number, s: SystemSettings, inNamespace = false) {
  const host = inNamespace && s.netns ? s.netns.address : '127.0.0.1';
  return { what: `${name} /healthz`, probe: () => httpOk(`http://${host}:${port}/healthz`) };
}

/** The system in dependency order: each is ready before the next starts; agents come last. */
export const SERVICES: ServiceDef[] = [
  {
    name: 'nats-server',
    // Operator mode with TLS required (libs/nats-auth): its configuration is rendered at start.
    command: (s) => ({ bin: s.natsServerBin, args: ['-c', trustOf(s).natsConfig] }),
    env: () => ({}),
    // Ready once JetStream answers the admin over TLS, not when the port accepts: the registry
    // opens KV buckets at start.
    ready: (s) => ({ what: 'nats-server JetStream', probe: () => natsAnswers(natsUrl(s), trustOf(s)) }),
  },
  {
    name: 'port-registry',
    command: () => ({ node: 'services/port-registry/dist/main.js' }),
    env: (s) => ({
      ...natsEnv(s, 'REGISTRY_', 'registry'),
      REGISTRY_TRUST_DIR: trustOf(s).registryTrustDir,
      REGISTRY_HTTP_HOST: '127.0.0.1',
      REGISTRY_HTTP_PORT: String(s.registryHttpPort),
      REGISTRY_PORT_RANGE: s.onvifPortRange,
    }),
    ready: (s) => healthz('port-registry', s.registryHttpPort, s),
  },
  {
    name: 'onvif',
    command: () => ({ node: 'services/onvif/dist/main.js' }),
    env: (s) => ({
      ...natsEnv(s, 'ONVIF_', 'onvif'),
      ONVIF_HTTP_HOST: '127.0.0.1',
      ONVIF_HTTP_PORT: String(s.onvifHttpPort),
      ONVIF_LISTEN_HOST: s.host,
      ONVIF_PUBLIC_HOST: s.host,
      ONVIF_MEDIA_HOST: s.host,
      ONVIF_RTSP_PORT: String(s.rtspPort),
      ...onvifRtspsEnv(s),
      ONVIF_USERS_KEY: s.onvifUsersKey,
      // The whole system on one machine (make dev, the e2e): one onvif process boots in half the
      // time of workers competing with every other service for the cores, and a crash is back
      // sooner. A deployment keeps the default, every core; services/onvif's tests cover both.
      ONVIF_WORKERS: '1',
      // With the site certificate every camera port serves HTTPS too (ONVIF Profile T).
      ...(s.tls ? { ONVIF_TLS_CERT: s.tls.cert, ONVIF_TLS_KEY: s.tls.key } : {}),
      ...(s.onvifRequireTls ? { ONVIF_REQUIRE_TLS: 'true' } : {}),
      // The console's WHEP read tokens are checked with the public half of its view key.
      ONVIF_MEDIA_VIEW_PUBLIC_KEY: trustOf(s).viewKeys.publicKey,
    }),
    ready: (s) => healthz('onvif', s.onvifHttpPort, s),
  },
  {
    name: 'mediamtx',
    enabled: (s) => s.mediamtxBin !== undefined,
    // MediaMTX reads any key from MTX_<KEY> (mediamtx.yml's header): the repo's file, these ports.
    command: (s) => ({ bin: s.mediamtxBin ?? 'mediamtx', args: [join(s.repoRoot, 'mediamtx.yml')] }),
    env: (s) => ({
      MTX_AUTHHTTPADDRESS: authHookUrl(s),
      MTX_RTSPADDRESS: `${s.host}:${s.rtspPort}`,
      MTX_RTPADDRESS: `${s.host}:${s.rtpPort}`,
      MTX_RTCPADDRESS: `${s.host}:${s.rtcpPort}`,
      MTX_APIADDRESS: `127.0.0.1:${s.mediaApiPort}`,
      MTX_METRICSADDRESS: `127.0.0.1:${s.mediaMetricsPort}`,
      // RTSPS beside RTSP: agents publish over it, NVRs may read either.
      ...mediamtxRtsps(s),
      // WebRTC (WHEP) for the console's live view, or none.
      ...mediamtxWebrtc(s),
    }),
    ready: (s) => ({ what: `RTSP on ${s.host}:${s.rtspPort}`, probe: () => tcpAccepts(s.host, s.rtspPort) }),
  },
  {
    name: 'rtsp-relay',
    enabled: (s) => s.mediamtxBin === undefined,
    command: (s) => ({
      node: 'test/rtsp-relay/dist/cli.js',
      args: [
        ...['--config', join(s.repoRoot, 'mediamtx.yml'), '--host', s.host],
        ...['--rtsp-port', String(s.rtspPort), '--api-port', String(s.mediaApiPort)],
        ...['--rtp-port', String(s.rtpPort), '--rtcp-port', String(s.rtcpPort)],
        ...['--auth-url', authHookUrl(s)],
        ...relayRtsps(s),
      ],
    }),
    env: () => ({}),
    ready: (s) => ({ what: `RTSP on ${s.host}:${s.rtspPort}`, probe: () => tcpAccepts(s.host, s.rtspPort) }),
  },
  {
    name: 'discovery',
    inNamespace: true,
    command: () => ({ node: 'services/discovery/dist/main.js' }),
    env: (s) => ({
      ...natsEnv(s, 'DISCOVERY_', 'discovery'),
      // Inside a namespace the test reaches it on the namespace's address.
      DISCOVERY_HTTP_HOST: s.netns ? '0.0.0.0' : '127.0.0.1',
      DISCOVERY_HTTP_PORT: String(s.discoveryHttpPort),
      DISCOVERY_INTERFACES: s.discoveryInterfaces,
      // XAddrs name the address NVRs reach the cameras on, not the namespace's loopback.
      DISCOVERY_PUBLIC_HOST: s.host,
      DISCOVERY_PORT: String(s.discoveryPort),
      // The cameras claim Profile T when they serve HTTPS: the announced scopes say so too.
      ...(s.tls ? { DISCOVERY_ONVIF_HTTPS: 'true' } : {}),
    }),
    ready: (s) => healthz('discovery', s.discoveryHttpPort, s, true),
  },
  {
    name: 'console',
    // HTTPS needs the site certificate: the console runs where the settings carry one.
    enabled: (s) => s.tls !== undefined,
    command: () => ({ node: CONSOLE_ENTRY, nodeFlags: CONSOLE_NODE_FLAGS }),
    env: (s) => consoleEnv(s),
    ready: (s) => ({
      what: `console on ${s.host}:${s.consolePort}`,
      probe: () => tcpAccepts(s.host, s.consolePort),
    }),
  },
];

function mediamtxRtsps(s: SystemSettings): Record<string, string> {
  const tls = rtspsOf(s);
  if (!tls) return {};
  return {
    MTX_RTSPENCRYPTION: 'optional',
    MTX_RTSPSADDRESS: `${s.host}:${tls.port}`,
    MTX_RTSPSERVERCERT: tls.cert,
    MTX_RTSPSERVERKEY: tls.key,
  };
}

/**
 * MediaMTX's WebRTC server for the console's live view: WHEP over HTTPS with the site certificate
 * (the console's page is HTTPS: a browser refuses a plain-HTTP fetch from it), ICE on one UDP port,
 * the host's address offered as the candidate, and only the console's origin allowed (CORS).
 */
function mediamtxWebrtc(s: SystemSettings): Record<string, string> {
  const w = webrtcOf(s);
  if (!w) return { MTX_WEBRTC: 'no' };
  return {
    MTX_WEBRTC: 'yes',
    MTX_WEBRTCADDRESS: `${s.host}:${w.port}`,
    MTX_WEBRTCENCRYPTION: 'yes',
    MTX_WEBRTCSERVERCERT: w.cert,
    MTX_WEBRTCSERVERKEY: w.key,
    MTX_WEBRTCALLOWORIGINS: `https://${s.host}:${s.consolePort}`,
    MTX_WEBRTCLOCALUDPADDRESS: `${s.host}:${w.icePort}`,
    MTX_WEBRTCIPSFROMINTERFACES: 'no',
    MTX_WEBRTCADDITIONALHOSTS: s.host,
  };
}

function relayRtsps(s: SystemSettings): string[] {
  const tls = rtspsOf(s);
  return tls ? ['--rtsps-port', String(tls.port), '--tls-cert', tls.cert, '--tls-key', tls.key] : [];
}

/** The console's environment: for the service, and for its `create-admin` command. */
export function consoleEnv(s: SystemSettings): Record<string, string> {
  return {
    ...natsEnv(s, 'CONSOLE_', 'console'),
    CONSOLE_HOST: s.host,
    CONSOLE_PORT: String(s.consolePort),
    CONSOLE_TLS_CERT: s.tls?.cert ?? '',
    CONSOLE_TLS_KEY: s.tls?.key ?? '',
    CONSOLE_CAMERA_HOST: s.host,
    CONSOLE_RTSP_PORT: String(s.rtspPort),
    // The live view by WebRTC where MediaMTX serves it: the console signs a read token per view.
    CONSOLE_MEDIA_VIEW_KEY: trustOf(s).viewKeys.privateKey,
    ...(webrtcOf(s) ? { CONSOLE_WHEP_URL: webrtcOf(s)!.url } : {}),
  };
}

export const CONSOLE_ENTRY = 'services/console/dist/main.js';

/**
 * V8's young generation capped at 4 MiB semi-spaces (Node 20's default grows to 16 MiB): with 1,000
 * cameras heartbeating every second the console allocates steadily, and the default young
 * generation alone was ~25 MB of its RSS for no measurable gain (bench-console: CPU 3.6 % vs 3.8 %
 * of a core). docker-compose.yml gives the console the same flag in NODE_OPTIONS.
 */
export const CONSOLE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/** A capture agent as a table entry: its own state directory, metrics port and credentials. */
export function agentService(agent: AgentSettings): ServiceDef {
  return {
    name: `agent-${agent.name}`,
    command: () => ({ node: AGENT_ENTRY, args: ['run'] }),
    // By name: the settings gain the agent's enrolment token at start.
    env: (s) => agentEnv(s, s.agents.find((a) => a.name === agent.name) ?? agent),
    ready: () => ({
      what: `agent-${agent.name} /healthz`,
      probe: () => httpOk(`http://127.0.0.1:${agent.metricsPort}/healthz`),
    }),
    // The agent stops its ffmpeg (SIGTERM, SIGKILL after 3 s) before it exits.
    graceMs: 8000,
  };
}

export const AGENT_ENTRY = 'services/capture-agent/dist/main.js';

/** The agent's whole configuration: for `run`, and for `status` asked with the same settings. */
export function agentEnv(s: SystemSettings, agent: AgentSettings): Record<string, string> {
  const rtsps = rtspsOf(s);
  return {
    // No ~/.config/desk-onvif/agent.json: the system's agents are configured here only.
    XDG_CONFIG_HOME: join(s.stateDir, 'agents', 'config'),
    // Where to connect, the site CA and the camera's own credential come with enrolment.
    AGENT_NATS_URL: natsUrl(s),
    ...(agent.enrollmentToken ? { AGENT_ENROLLMENT_TOKEN: agent.enrollmentToken } : {}),
    // Over TLS when the media server serves RTSPS: the server checked against the site CA.
    ...(rtsps
      ? { AGENT_MEDIA_URL: `rtsps://${s.host}:${rtsps.port}`, AGENT_MEDIA_CA: rtsps.ca }
      : { AGENT_MEDIA_URL: `rtsp://${s.host}:${s.rtspPort}` }),
    AGENT_ONVIF_HOST: s.host,
    AGENT_STATE_DIR: join(s.stateDir, 'agents', agent.name),
    AGENT_METRICS_PORT: String(agent.metricsPort),
    AGENT_SOURCE: agent.display ? 'desktop' : 'test-pattern',
    ...(agent.display ? { AGENT_DISPLAY: agent.display } : {}),
    ...(agent.hostId ? { AGENT_HOST_ID: agent.hostId } : {}),
    ...(agent.hostName ? { AGENT_HOST_NAME: agent.hostName } : {}),
    // In the environment rather than as --onvif-user/--onvif-password: a command line is
    // readable by every user of the machine (ps), a process's environment only by its owner.
    AGENT_ONVIF_USER: agent.onvifUser,
    AGENT_ONVIF_PASSWORD: agent.onvifPassword,
    ...agent.env,
  };
}

/** The media server serves RTSPS with the site certificate: stream URIs may say rtsps. */
function onvifRtspsEnv(s: SystemSettings): Record<string, string> {
  const rtsps = rtspsOf(s);
  return rtsps ? { ONVIF_RTSPS_PORT: String(rtsps.port) } : {};
}
