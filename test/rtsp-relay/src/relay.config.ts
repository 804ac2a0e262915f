import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** What the relay takes from a MediaMTX configuration file: its path entries, ports and hook. */
export interface RelayConfig {
  pathNames: string[];
  rtspPort: number;
  apiPort: number;
  /** rtpAddress/rtcpAddress when rtspTransports has udp (MediaMTX's default: udp, multicast, tcp). */
  udp: { rtpPort: number; rtcpPort: number } | undefined;
  authHookUrl: string | undefined;
}

export class RelayConfigError extends Error {
  readonly code = 'RELAY_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'RelayConfigError';
  }
}

/** `:8554`, `0.0.0.0:8554` → 8554 (MediaMTX's listener address form). */
export function portOf(address: unknown, key: string): number {
  const m = typeof address === 'string' ? /:(\d{1,5})$/.exec(address) : null;
  const port = m ? Number(m[1]) : NaN;
  if (!(port >= 0 && port <= 65535))
    throw new RelayConfigError(`${key}: not a listener address (${String(address)})`);
  return port;
}

export function relayConfigFrom(text: string, source: string): RelayConfig {
  let conf: unknown;
  try {
    conf = parse(text);
  } catch (err) {
    throw new RelayConfigError(`${source}: not YAML (${(err as Error).message})`);
  }
  if (typeof conf !== 'object' || conf === null) throw new RelayConfigError(`${source}: not a mapping`);
  const c = conf as Record<string, unknown>;
  const paths = c.paths;
  if (typeof paths !== 'object' || paths === null || Object.keys(paths).length === 0)
    throw new RelayConfigError(`${source}: no 'paths' entries`);
  const pathNames = Object.keys(paths);
  for (const name of pathNames)
    if (name.startsWith('~'))
      try {
        new RegExp(name.slice(1));
      } catch {
        throw new RelayConfigError(`${source}: paths: ${name} is not a valid regular expression`);
      }
  if (c.authMethod !== undefined && c.authMethod !== 'http')
    throw new RelayConfigError(
      `${source}: the relay only does authMethod: http (got ${JSON.stringify(c.authMethod)})`,
    );
  const transports = c.rtspTransports ?? ['udp', 'multicast', 'tcp'];
  if (
    !Array.isArray(transports) ||
    transports.some((t) => !['udp', 'multicast', 'tcp'].includes(t as string))
  )
    throw new RelayConfigError(`${source}: rtspTransports: a list of udp, multicast, tcp`);
  const udp = transports.includes('udp')
    ? {
        rtpPort: portOf(c.rtpAddress ?? ':8000', 'rtpAddress'),
        rtcpPort: portOf(c.rtcpAddress ?? ':8001', 'rtcpAddress'),
      }
    : undefined;
  return {
    pathNames,
    udp,
    rtspPort: portOf(c.rtspAddress ?? ':8554', 'rtspAddress'),
    apiPort: portOf(c.apiAddress ?? ':9997', 'apiAddress'),
    authHookUrl: typeof c.authHTTPAddress === 'string' && c.authHTTPAddress ? c.authHTTPAddress : undefined,
  };
}

export function loadRelayConfig(file: string): RelayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RelayConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return relayConfigFrom(text, file);
}
