import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath } from '@desk-onvif/system';
import { parse, stringify } from 'yaml';
import { RtspRelay } from '@desk-onvif/rtsp-relay';
import { freePort, freeUdpPortPair } from './ports.js';
import { spawnTracked, waitUntilReady, type Spawned } from './processes.js';
import { REPO_ROOT } from './service.js';

/** MediaMTX's image for tests, pinned to the version mediamtx.yml is written for. */
export const MEDIAMTX_IMAGE = 'bluenviron/mediamtx:1.20.1';

export type MediaServerKind = 'mediamtx-binary' | 'mediamtx-container' | 'relay-double';

/**
 * The media server of a test run (DESIGN.md, "Running without Docker"): real MediaMTX where a
 * binary is on PATH (or MEDIAMTX_BIN) or Docker answers, else the RTSP relay test double. Every
 * kind runs the project's mediamtx.yml paths and asks the given auth hook. MEDIA_SERVER=relay
 * forces the double.
 */
export interface MediaServer {
  readonly kind: MediaServerKind;
  readonly host: string;
  readonly rtspPort: number;
  /**
   * Whether readers may use RTP over UDP (MediaMTX's rtspTransports has udp): the binary and the
   * relay double serve it on a free RTP/RTCP pair; a container does not (Docker's NAT between
   * the server's RTP port and the reader's client ports).
   */
  readonly udp: boolean;
  /** The control API's base URL, e.g. http://127.0.0.1:PORT (paths: /v3/paths/list). */
  readonly apiUrl: string;
  rtspUrl(path: string, creds?: { user: string; password: string }): string;
  /** What the server printed, for the message of a failed test. */
  output(): string;
  stop(): Promise<void>;
}

export interface MediaServerOptions {
  /** The auth hook MediaMTX POSTs to; on loopback. */
  authHookUrl: string;
  /**
   * The address RTSP and the API listen on: loopback by default, e.g. a NetNamespace's hostAddress
   * for clients inside it. A container publishes its ports on Docker's host and ignores this.
   */
  host?: string;
}

/** Which kind this machine can run, and why; cheap (Docker's absence shows in milliseconds). */
export async function chooseMediaServer(): Promise<{ kind: MediaServerKind; why: string }> {
  if (process.env.MEDIA_SERVER === 'relay') return { kind: 'relay-double', why: 'MEDIA_SERVER=relay' };
  const bin = process.env.MEDIAMTX_BIN || findOnPath('mediamtx', process.env.PATH);
  if (bin) return { kind: 'mediamtx-binary', why: `MediaMTX binary ${bin}` };
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return { kind: 'mediamtx-container', why: `Docker answers: ${MEDIAMTX_IMAGE}` };
  } catch (err) {
    return {
      kind: 'relay-double',
      why: `no mediamtx binary and no Docker (${(err as Error).message}): the RTSP relay test double`,
    };
  }
}

/** The project's mediamtx.yml, parsed. */
function projectConfig(): Record<string, unknown> {
  return parse(readFileSync(join(REPO_ROOT, 'mediamtx.yml'), 'utf8')) as Record<string, unknown>;
}

/**
 * The project's mediamtx.yml for a test instance: given ports, the test's hook; UDP when RTP/RTCP
 * ports are given, else TCP only.
 */
function testConfig(
  authHookUrl: string,
  ports: { rtsp: string; api: string; metrics: string; rtp?: string; rtcp?: string },
): string {
  return stringify({
    ...projectConfig(),
    logStructured: false,
    authHTTPAddress: authHookUrl,
    rtspAddress: ports.rtsp,
    apiAddress: ports.api,
    metricsAddress: ports.metrics,
    ...(ports.rtp && ports.rtcp
      ? { rtpAddress: ports.rtp, rtcpAddress: ports.rtcp, rtspTransports: ['tcp', 'udp'] }
      : { rtspTransports: ['tcp'] }),
  });
}

function urlFor(host: string, port: number) {
  return (path: string, creds?: { user: string; password: string }) =>
    `rtsp://${creds ? `${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@` : ''}${host}:${port}/${path}`;
}

function tcpAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export async function startMediaServer(opts: MediaServerOptions): Promise<MediaServer> {
  const { kind } = await chooseMediaServer();
  switch (kind) {
    case 'relay-double':
      return startRelay(opts);
    case 'mediamtx-binary':
      return startBinary(opts);
    case 'mediamtx-container':
      return startContainer(opts);
  }
}

async function startRelay(opts: MediaServerOptions): Promise<MediaServer> {
  const lines: string[] = [];
  const host = opts.host ?? '127.0.0.1';
  const relay = await RtspRelay.start({
    host,
    authHookUrl: opts.authHookUrl,
    pathNames: Object.keys((projectConfig().paths as object | null) ?? {}),
    udp: { rtpPort: 0, rtcpPort: 0 },
    log: (event, fields) => lines.push(`${event} ${JSON.stringify(fields)}`),
  });
  return {
    kind: 'relay-double',
    host,
    rtspPort: relay.rtspPort,
    udp: true,
    apiUrl: `http://${host}:${relay.apiPort}`,
    rtspUrl: urlFor(host, relay.rtspPort),
    output: () => lines.join('\n'),
    stop: () => relay.stop(),
  };
}

async function startBinary(opts: MediaServerOptions): Promise<MediaServer> {
  const bin = process.env.MEDIAMTX_BIN || findOnPath('mediamtx', process.env.PATH)!;
  const host = opts.host ?? '127.0.0.1';
  const [rtsp, api, metrics] = [await freePort(host), await freePort(host), await freePort(host)];
  const udp = await freeUdpPortPair(host);
  const dir = mkdtempSync(join(tmpdir(), 'desk-onvif-mediamtx-'));
  const file = join(dir, 'mediamtx.yml');
  writeFileSync(
    file,
    testConfig(opts.authHookUrl, {
      rtsp: `${host}:${rtsp}`,
      api: `${host}:${api}`,
      metrics: `${host}:${metrics}`,
      rtp: `${host}:${udp.rtpPort}`,
      rtcp: `${host}:${udp.rtcpPort}`,
    }),
  );
  const proc: Spawned = spawnTracked(bin, [file]);
  await waitUntilReady(proc, `mediamtx on ${rtsp}`, async () => {
    return (await tcpAnswers(host, rtsp)) && (await tcpAnswers(host, api));
  });
  return {
    kind: 'mediamtx-binary',
    host,
    rtspPort: rtsp,
    udp: true,
    apiUrl: `http://${host}:${api}`,
    rtspUrl: urlFor(host, rtsp),
    output: () => proc.output(),
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startContainer(opts: MediaServerOptions): Promise<MediaServer> {
  const { GenericContainer, TestContainers, Wait } = await import('testcontainers');
  // The container reaches the test's hook on the host through testcontainers' port forwarder.
  const hook = new URL(opts.authHookUrl);
  await TestContainers.exposeHostPorts(Number(hook.port));
  hook.hostname = 'host.testcontainers.internal';
  const container = await new GenericContainer(MEDIAMTX_IMAGE)
    .withCopyContentToContainer([
      {
        content: testConfig(hook.toString(), { rtsp: ':8554', api: ':9997', metrics: ':9998' }),
        target: '/mediamtx.yml',
      },
    ])
    .withExposedPorts(8554, 9997)
    // The image is FROM scratch: no shell for a port probe inside it, so wait for MediaMTX's log.
    .withWaitStrategy(
      Wait.forAll([
        Wait.forLogMessage(/\[RTSP\] listener opened/),
        Wait.forLogMessage(/\[API\] listener opened/),
      ]),
    )
    .start();
  const host = container.getHost();
  const rtspPort = container.getMappedPort(8554);
  let logs = '';
  (await container.logs()).on('data', (b: Buffer | string) => (logs += b.toString()));
  return {
    kind: 'mediamtx-container',
    host,
    rtspPort,
    udp: false,
    apiUrl: `http://${host}:${container.getMappedPort(9997)}`,
    rtspUrl: urlFor(host, rtspPort),
    output: () => logs,
    stop: async () => {
      await container.stop();
    },
  };
}
