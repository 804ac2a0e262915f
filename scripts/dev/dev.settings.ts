import type { AgentSettings, SystemSettings } from '@desk-onvif/system';
import type { DevConfig } from './dev.config.js';
import type { DevCamera } from './dev.secrets.js';

/**
 * `make dev`'s settings for the harness (@desk-onvif/system): the `DEV_*` configuration plus the
 * kept secrets, one object that the system turns into each child's command line and environment.
 */
export function devSettings(
  config: DevConfig,
  secrets: { usersKey: string; cameras: DevCamera[]; tls?: { cert: string; key: string; ca?: string } },
): SystemSettings {
  // What is the script's own (how many cameras, how long to wait, the console) stays here.
  const {
    agentMetricsPort,
    display,
    natsServerBin,
    extraCameras: _n,
    readyTimeoutMs: _t,
    verbose: _v,
    ...shared
  } = config;
  return {
    ...shared,
    natsServerBin: natsServerBin ?? 'nats-server',
    onvifUsersKey: secrets.usersKey,
    ...(secrets.tls ? { tls: secrets.tls } : {}),
    agents: secrets.cameras.map((dev, i) => devAgent(dev, display, agentMetricsPort + i)),
    restartOnExit: true,
  };
}

/** The first agent captures $DISPLAY when there is one; the others show test patterns. */
function devAgent(dev: DevCamera, display: string | undefined, metricsPort: number): AgentSettings {
  return {
    name: dev.name,
    ...(dev.hostId ? { hostId: dev.hostId, hostName: dev.hostId } : {}),
    ...(dev.name === 'desktop' && display ? { display } : {}),
    onvifUser: dev.onvifUser,
    onvifPassword: dev.onvifPassword,
    metricsPort,
  };
}
