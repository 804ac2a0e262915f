import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { HttpAuthHook, type Authenticator } from './auth.hook.js';
import { apiHandler } from './relay.api.js';
import { PathRegistry } from './relay.paths.js';
import { RtspConnection, type RelayContext } from './rtsp.connection.js';
import { UdpRtpListener, type UdpPorts } from './rtp.udp.js';

export interface RtspRelayOptions {
  /** Listen address; loopback by default. */
  host?: string;
  /** 0 (the default) picks a free port. */
  rtspPort?: number;
  apiPort?: number;
  /**
   * Serve readers over UDP from these RTP/RTCP ports (MediaMTX's rtpAddress/rtcpAddress: even,
   * and odd = even + 1); `{ rtpPort: 0, rtcpPort: 0 }` picks a free pair. Absent: TCP only.
   */
  udp?: UdpPorts;
  /**
   * RTSPS beside RTSP (MediaMTX's `rtspEncryption: optional`, `rtspsAddress`, `rtspServerCert`,
   * `rtspServerKey`): the same server over TLS on `port` (0: a free one). PEM contents.
   */
  rtsps?: { port: number; cert: Buffer; key: Buffer };
  /** MediaMTX's authHTTPAddress; or pass `auth` directly. */
  authHookUrl?: string;
  auth?: Authenticator;
  /** The configured path entries, as the keys of mediamtx.yml's `paths` (`~regex` or a name). */
  pathNames: string[];
  authFailurePauseMs?: number;
  /** MediaMTX's readTimeout: 10 s by default. */
  readTimeoutMs?: number;
  log?: (event: string, fields: Record<string, unknown>) => void;
}

/**
 * The RTSP relay test double: an RTSP server (publish with ANNOUNCE/SETUP/RECORD, read with
 * DESCRIBE/SETUP/PLAY, TCP interleaved) and MediaMTX's paths API, asking an auth hook about every
 * action as MediaMTX 1.20 does. A test tool: never in an image.
 */
export class RtspRelay {
  private readonly connections = new Set<RtspConnection>();

  private constructor(
    private readonly rtsp: Server,
    private readonly api: HttpServer,
    private readonly paths: PathRegistry,
    readonly host: string,
    private readonly udp: UdpRtpListener | undefined,
    private readonly rtsps: TlsServer | undefined,
  ) {}

  static async start(opts: RtspRelayOptions): Promise<RtspRelay> {
    const auth = opts.auth ?? (opts.authHookUrl ? new HttpAuthHook(opts.authHookUrl) : undefined);
    if (!auth) throw new Error('RtspRelay needs authHookUrl or auth');
    const host = opts.host ?? '127.0.0.1';
    const paths = new PathRegistry(opts.pathNames);
    const pauseMs = opts.authFailurePauseMs ?? 2000;
    const udp = opts.udp ? await UdpRtpListener.start(host, opts.udp) : undefined;
    const ctx: RelayContext = {
      paths,
      auth,
      authFailurePauseMs: pauseMs,
      readTimeoutMs: opts.readTimeoutMs ?? 10_000,
      udp,
      log: opts.log ?? (() => undefined),
    };
    const rtsp = createServer();
    const rtsps = opts.rtsps
      ? createTlsServer({ cert: opts.rtsps.cert, key: opts.rtsps.key, minVersion: 'TLSv1.2' })
      : undefined;
    const handleApi = apiHandler(paths, auth, pauseMs);
    const api = createHttpServer((req, res) => {
      handleApi(req, res).catch(() => res.destroy());
    });
    const relay = new RtspRelay(rtsp, api, paths, host, udp, rtsps);
    const serve = (socket: Socket) => {
      socket.setNoDelay(true);
      const conn = new RtspConnection(socket, ctx);
      relay.connections.add(conn);
      socket.on('close', () => relay.connections.delete(conn));
    };
    rtsp.on('connection', serve);
    // A failed handshake (a client that distrusts the certificate) ends that connection only.
    rtsps?.on('secureConnection', serve);
    rtsps?.on('tlsClientError', () => undefined);
    await listen(rtsp, opts.rtspPort ?? 0, host);
    if (rtsps) await listen(rtsps, opts.rtsps!.port, host);
    await listen(api, opts.apiPort ?? 0, host);
    return relay;
  }

  get rtspPort(): number {
    return (this.rtsp.address() as AddressInfo).port;
  }

  get apiPort(): number {
    return (this.api.address() as AddressInfo).port;
  }

  /** The RTSPS port; undefined when RTSPS is not served. */
  get rtspsPort(): number | undefined {
    return (this.rtsps?.address() as AddressInfo | null)?.port;
  }

  /** The RTP/RTCP ports readers over UDP get packets from; undefined when UDP is not served. */
  get udpPorts(): UdpPorts | undefined {
    return this.udp?.ports;
  }

  async stop(): Promise<void> {
    this.paths.closeAll();
    for (const conn of this.connections) conn.close();
    this.api.closeAllConnections();
    await Promise.all([
      new Promise((r) => this.rtsp.close(r)),
      this.rtsps && new Promise((r) => this.rtsps!.close(r)),
      new Promise((r) => this.api.close(r)),
      this.udp?.close(),
    ]);
  }
}

function listen(server: Server | HttpServer | TlsServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
