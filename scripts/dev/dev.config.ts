import { resolve } from 'node:path';
import { findOnPath, type SystemSettings } from '@desk-onvif/system';

/**
 * `make dev`'s settings, from `DEV_*` variables (and `DISPLAY`, `MEDIAMTX_BIN`): every port can be
 * moved, so that the medium test (test/dev/dev.test.ts) runs the whole system on free ports.
 * Every bad or unknown `DEV_` variable is listed, then the script exits 2, as the services do.
 * `devSettings` (dev.settings.ts) turns it into the harness's one settings object.
 */
export interface DevConfig extends Omit<
  SystemSettings,
  'natsServerBin' | 'onvifUsersKey' | 'agents' | 'netns' | 'skip' | 'env' | 'restartOnExit' | 'tls'
> {
  /** `NATS_SERVER_BIN`, else `nats-server` on PATH; undefined: none found. */
  natsServerBin: string | undefined;
  /** Agent i (0 = the desktop one) serves its local /metrics on this port + i. */
  agentMetricsPort: number;
  /** Test-pattern agents added to the desktop one. */
  extraCameras: number;
  /** The X display the first agent captures; none → a test pattern. */
  display: string | undefined;
  /** How long to wait for the cameras before printing them anyway. */
  readyTimeoutMs: number;
  /** Every child's log line on the console, not only warnings and errors. */
  verbose: boolean;
}

export class DevConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`make dev: invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'DevConfigError';
  }
}

type Reader = (name: string, fallback: number, min?: number, max?: number) => number;

export function loadDevConfig(
  env: NodeJS.ProcessEnv,
  repoRoot: string,
  findBinary: (name: string, path: string | undefined) => string | undefined = findOnPath,
): DevConfig {
  const problems: string[] = [];
  const known = new Set<string>();
  const str = (name: string): string | undefined => {
    known.add(name);
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const int: Reader = (name, fallback, min = 1, max = 65535) => {
    const v = str(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      problems.push(`${name}: an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
      return fallback;
    }
    return Number(v);
  };

  const host = str('DEV_HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.-]+$/.test(host)) problems.push(`DEV_HOST: a host name or IPv4 address (got ${host})`);
  const range = str('DEV_ONVIF_PORT_RANGE') ?? '8090-8110';
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(range);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2]) || Number(m[2]) > 65535)
    problems.push(`DEV_ONVIF_PORT_RANGE: FIRST-LAST, e.g. 8090-8110 (got ${range})`);
  const interfaces = str('DEV_DISCOVERY_INTERFACES') ?? '127.0.0.1';
  if (!/^[\w.:@-]+(,[\w.:@-]+)*$/.test(interfaces))
    problems.push(`DEV_DISCOVERY_INTERFACES: interface names or IPv4 addresses, comma-separated`);
  const verbose = str('DEV_VERBOSE');
  if (verbose !== undefined && !['0', '1', 'true', 'false'].includes(verbose))
    problems.push(`DEV_VERBOSE: 1 or 0 (got ${verbose})`);

  const config: DevConfig = {
    repoRoot,
    stateDir: resolve(repoRoot, str('DEV_STATE_DIR') ?? '.dev'),
    host,
    natsPort: int('DEV_NATS_PORT', 4222),
    registryHttpPort: int('DEV_REGISTRY_HTTP_PORT', 9101),
    onvifHttpPort: int('DEV_ONVIF_HTTP_PORT', 9102),
    discoveryHttpPort: int('DEV_DISCOVERY_HTTP_PORT', 9103),
    discoveryPort: int('DEV_DISCOVERY_PORT', 3702),
    discoveryInterfaces: interfaces,
    onvifPortRange: range,
    rtspPort: int('DEV_RTSP_PORT', 8554),
    // RTSPS with the site certificate (MediaMTX's default port): the agents publish over it.
    rtspsPort: int('DEV_RTSPS_PORT', 8322),
    // MediaMTX's WebRTC (WHEP, HTTPS) and ICE (UDP) ports: the console's live view, where MediaMTX runs.
    webrtcPort: int('DEV_WEBRTC_PORT', 8889),
    webrtcIcePort: int('DEV_WEBRTC_ICE_PORT', 8189),
    rtpPort: int('DEV_RTP_PORT', 8000),
    rtcpPort: int('DEV_RTCP_PORT', 8001),
    mediaApiPort: int('DEV_MEDIA_API_PORT', 9997),
    mediaMetricsPort: int('DEV_MEDIA_METRICS_PORT', 9998),
    consolePort: int('DEV_CONSOLE_PORT', 8443),
    agentMetricsPort: int('DEV_AGENT_METRICS_PORT', 9120),
    extraCameras: int('DEV_CAMERAS', 0, 0, 50),
    display: env['DISPLAY'] || undefined,
    mediamtxBin: env['MEDIAMTX_BIN'] || findBinary('mediamtx', env['PATH']),
    natsServerBin: env['NATS_SERVER_BIN'] || findBinary('nats-server', env['PATH']),
    // FFMPEG_BIN, else the system's ffmpeg, as the Makefile does; ffmpeg-static's only when neither is there.
    ffmpegBin: env['FFMPEG_BIN'] || findBinary('ffmpeg', env['PATH']),
    readyTimeoutMs: int('DEV_READY_TIMEOUT_MS', 90_000, 1000, 3_600_000),
    verbose: verbose === '1' || verbose === 'true',
  };
  if (config.agentMetricsPort + config.extraCameras > 65535)
    problems.push('DEV_AGENT_METRICS_PORT: too high for one port per camera');
  for (const name of Object.keys(env))
    if (name.startsWith('DEV_') && !known.has(name)) problems.push(`${name}: unknown variable`);
  if (problems.length > 0) throw new DevConfigError(problems);
  return config;
}
