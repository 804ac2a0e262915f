import { randomBytes } from 'node:crypto';
import {
  connect as tcpConnect,
  createServer,
  isIP,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { errorMessage, type Logger } from './logger.js';
import { loopbackPeerUid } from './peer.owner.js';
import { basicAuthorization, RtspRequestRewriter } from './rtsp.rewriter.js';

export type PublishStream = 'main' | 'sub';

/** Where one stream goes now: the media server (`rtsp://` or `rtsps://host:port`), path, credentials. */
export interface PublishUpstream {
  mediaUrl: string;
  path: string;
  user: string;
  password: string;
}

export interface PublishProxyOptions {
  /** Read at each new connection: the camera's record may have changed since the last one. */
  upstream: (stream: PublishStream) => PublishUpstream | undefined;
  /**
   * The CA that signs the media server's RTSPS certificate (the site CA), asked at each connection
   * (an agent's first enrolment pins it after the proxy started); undefined: the system's CAs.
   */
  ca?: () => Buffer | undefined;
  /**
   * Linux: refuse a connection whose socket another user's process opened (/proc/net/tcp). Where
   * there is no such table (Windows), the random path token, in a command line no other user can
   * read there, is what keeps others out.
   */
  checkPeerUid: boolean;
  logger: Logger;
}

/** A connection must send its first request within this long. */
const FIRST_REQUEST_MS = 10_000;

/**
 * The agent's loopback RTSP publish proxy (issue 9: secrets never on a command line). ffmpeg
 * publishes to `rtsp://127.0.0.1:<port>/<token>/main|sub`, a URL without any secret; the proxy adds
 * the camera's publish credentials to each request (Basic, as MediaMTX's `rtspAuthMethods`) and
 * sends it on to the media server, over TLS when the media URL is `rtsps://` (the server verified
 * against `ca`). The publish secret stays in the agent's memory: not in ffmpeg's argv (readable by
 * every local user through /proc/<pid>/cmdline or `ps`), nor its environment.
 */
export class PublishProxy {
  private readonly token = randomBytes(16).toString('hex');
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly opts: PublishProxyOptions,
  ) {}

  static async start(opts: PublishProxyOptions): Promise<PublishProxy> {
    const server = createServer();
    const proxy = new PublishProxy(server, opts);
    server.on('connection', (socket) => void proxy.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** What ffmpeg is given for `stream`: loopback, no credentials. */
  localUrl(stream: PublishStream): string {
    return `rtsp://127.0.0.1:${this.port}/${this.localPath(stream)}`;
  }

  localPath(stream: PublishStream): string {
    return `${this.token}/${stream}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async accept(client: Socket): Promise<void> {
    this.sockets.add(client);
    client.once('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    if (this.opts.checkPeerUid && !(await this.ownUser(client))) {
      this.opts.logger.warn('refused a publisher of another local user', { peerPort: client.remotePort });
      client.destroy();
      return;
    }
    const rules = (['main', 'sub'] as const).flatMap((stream) => {
      const up = this.opts.upstream(stream);
      if (!up) return [];
      const base = up.mediaUrl.replace(/\/+$/, '');
      return [
        {
          stream,
          from: this.localUrl(stream),
          to: `${base}/${up.path.replace(/^\/+/, '')}`,
          authorization: basicAuthorization(up.user, up.password),
          mediaUrl: up.mediaUrl,
        },
      ];
    });
    const first = setTimeout(() => client.destroy(), FIRST_REQUEST_MS);
    let upstream: Socket | undefined;
    let rewriter: RtspRequestRewriter | undefined;
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      try {
        if (!rewriter) {
          // The first request line names the stream: its rule, and the connection to the server.
          pending = Buffer.concat([pending, chunk]);
          const line = pending.toString('latin1', 0, Math.min(pending.length, 2048)).split('\r\n')[0] ?? '';
          if (!line.includes(' ') || pending.indexOf('\r\n') < 0) {
            if (pending.length > 2048) throw new Error('no RTSP request line');
            return;
          }
          const uri = line.split(' ')[1] ?? '';
          const rule = rules.find((r) => uri === r.from || uri.startsWith(`${r.from}/`));
          if (!rule) throw new Error('a request for no stream of this camera');
          clearTimeout(first);
          rewriter = new RtspRequestRewriter(rule);
          upstream = this.connectUpstream(rule.mediaUrl, client);
          chunk = pending;
        }
        const out = rewriter.push(chunk);
        // Several pieces (a request and frames) leave in one write (writev).
        if (out.length > 1) upstream!.cork();
        let full = false;
        for (const piece of out) full = !upstream!.write(piece) || full;
        if (out.length > 1) upstream!.uncork();
        if (full) client.pause();
      } catch (err) {
        this.opts.logger.warn('publish proxy: connection closed', { err: errorMessage(err) });
        client.destroy();
        upstream?.destroy();
      }
    });
    client.once('close', () => {
      clearTimeout(first);
      upstream?.end();
    });
    client.resume();
  }

  private connectUpstream(mediaUrl: string, client: Socket): Socket {
    const url = new URL(mediaUrl);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const secure = url.protocol === 'rtsps:';
    const port = url.port ? Number(url.port) : secure ? 8322 : 8554;
    const upstream = secure
      ? tlsConnect({
          host,
          port,
          ...(isIP(host) ? {} : { servername: host }),
          ...(caOf(this.opts.ca) ? { ca: caOf(this.opts.ca) } : {}),
        })
      : tcpConnect({ host, port });
    this.sockets.add(upstream);
    upstream.once('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', (err: Error) => {
      this.opts.logger.warn('publish proxy: media server connection failed', { mediaUrl, err: err.message });
      upstream.destroy();
    });
    upstream.on('drain', () => client.resume());
    upstream.pipe(client);
    return upstream;
  }

  private async ownUser(client: Socket): Promise<boolean> {
    try {
      const uid = await loopbackPeerUid(
        { address: client.remoteAddress ?? '', port: client.remotePort ?? 0 },
        { address: client.localAddress ?? '', port: client.localPort ?? 0 },
      );
      return uid !== undefined && uid === process.getuid?.();
    } catch {
      return false;
    }
  }
}

function caOf(ca: (() => Buffer | undefined) | undefined): Buffer | undefined {
  return ca?.();
}
