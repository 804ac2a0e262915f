#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RelayConfigError, loadRelayConfig } from './relay.config.js';
import { RtspRelay } from './rtsp-relay.js';
import { UdpPortsError } from './rtp.udp.js';

/**
 * `rtsp-relay`: the MediaMTX test double as a process, for `make dev` where no MediaMTX binary is
 * found. Reads the project's mediamtx.yml for its paths, ports and auth hook; flags override.
 */
const USAGE = `usage: rtsp-relay [--config mediamtx.yml] [--host 127.0.0.1] [--rtsp-port N] [--api-port N]
                  [--rtp-port N --rtcp-port N+1] [--auth-url URL]
                  [--rtsps-port N --tls-cert server.crt --tls-key server.key]
A test double of MediaMTX (RTSP publish over TCP, read over TCP or UDP, the auth hook,
/v3/paths/list). Not for production. --rtp-port 0 --rtcp-port 0: any free pair.
--rtsps-port: RTSPS as well (MediaMTX's rtspEncryption: optional), with that certificate.`;

function log(level: string, msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}

function portFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new RelayConfigError(`--${name}: not a port (${value})`);
  return Number(value);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: 'mediamtx.yml' },
      host: { type: 'string', default: '127.0.0.1' },
      'rtsp-port': { type: 'string' },
      'api-port': { type: 'string' },
      'rtp-port': { type: 'string' },
      'rtcp-port': { type: 'string' },
      'auth-url': { type: 'string' },
      'rtsps-port': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadRelayConfig(resolve(values.config));
  const authHookUrl = values['auth-url'] ?? config.authHookUrl;
  if (!authHookUrl)
    throw new RelayConfigError('no auth hook: set authHTTPAddress in the config or pass --auth-url');
  try {
    new URL(authHookUrl);
  } catch {
    throw new RelayConfigError(`--auth-url: not a URL (${authHookUrl})`);
  }
  const rtspsPort = values['rtsps-port'];
  if (rtspsPort !== undefined && (!values['tls-cert'] || !values['tls-key']))
    throw new RelayConfigError('--rtsps-port needs --tls-cert and --tls-key');
  const relay = await RtspRelay.start({
    host: values.host,
    rtspPort: portFlag(values['rtsp-port'], 'rtsp-port', config.rtspPort),
    apiPort: portFlag(values['api-port'], 'api-port', config.apiPort),
    udp: config.udp && {
      rtpPort: portFlag(values['rtp-port'], 'rtp-port', config.udp.rtpPort),
      rtcpPort: portFlag(values['rtcp-port'], 'rtcp-port', config.udp.rtcpPort),
    },
    authHookUrl,
    ...(rtspsPort !== undefined
      ? {
          rtsps: {
            port: portFlag(rtspsPort, 'rtsps-port', 0),
            cert: readFileSync(values['tls-cert']!),
            key: readFileSync(values['tls-key']!),
          },
        }
      : {}),
    pathNames: config.pathNames,
    log: (event, fields) => log('info', event, fields),
  });
  log('warn', 'this is the RTSP relay TEST DOUBLE, not MediaMTX: for development and tests only');
  log('info', 'listening', {
    rtsp: `rtsp://${values.host}:${relay.rtspPort}`,
    rtsps: relay.rtspsPort === undefined ? 'off' : `rtsps://${values.host}:${relay.rtspsPort}`,
    api: `http://${values.host}:${relay.apiPort}`,
    udp: relay.udpPorts ?? 'off (rtspTransports has no udp)',
    authHookUrl,
    paths: config.pathNames,
  });
  const stop = (signal: string) => {
    log('info', 'stopping', { signal });
    void relay.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  const code = (err as { code?: unknown }).code;
  const known =
    err instanceof RelayConfigError ||
    err instanceof UdpPortsError ||
    (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
  log('error', known ? (err as Error).message : `relay failed: ${String(err)}`);
  if (known) process.stderr.write(`${USAGE}\n`);
  process.exit(2);
});
