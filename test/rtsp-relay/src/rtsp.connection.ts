import { randomBytes, randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { AuthAction } from './auth.hook.js';
import type { PathPublisher, PathReader, PathRegistry } from './relay.paths.js';
import {
  RtspParseError,
  RtspReader,
  formatInterleaved,
  formatResponse,
  parseTransport,
  pathAndQuery,
  type InterleavedFrame,
  type RtspRequest,
  type TransportSpec,
} from './rtsp.message.js';
import type { UdpRtpListener } from './rtp.udp.js';
import { authorizeRtsp, type RtspAuthContext, type RtspReply as Reply } from './rtsp.auth.js';
import { SdpError, mediaIndexOf, parseSdp, readerSdp, type SdpMedia } from './sdp.js';

export interface RelayContext extends RtspAuthContext {
  paths: PathRegistry;
  /** MediaMTX's readTimeout (10 s): a publisher silent this long is dropped, freeing its path. */
  readTimeoutMs: number;
  /** The server's RTP/RTCP sockets, when UDP is served (MediaMTX's rtspTransports has udp). */
  udp?: UdpRtpListener;
  log(event: string, fields: Record<string, unknown>): void;
}

/** A reader whose socket holds more than this unsent is too slow: packets are dropped for it. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
const PUBLIC_METHODS = 'DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, PAUSE, GET_PARAMETER, TEARDOWN';

interface Publishing {
  path: string;
  baseUrl: string;
  medias: SdpMedia[];
  /** Interleaved channel → media index and whether it carries RTCP. */
  channels: Map<number, { media: number; rtcp: boolean }>;
  handle?: PathPublisher;
}

/** Where a reader gets one media: TCP interleaved channels, or its UDP client ports. */
type ReaderTrack = { tcp: [number, number] } | { udp: [number, number] };

interface Reading {
  path: string;
  medias: SdpMedia[];
  /** Media index → where its RTP and RTCP go. One protocol for all of them, as in gortsplib. */
  tracks: Map<number, ReaderTrack>;
  handle?: PathReader;
  /** After PAUSE (RFC 2326 §10.6) nothing is sent until the next PLAY. */
  paused: boolean;
}

/**
 * One RTSP client connection (RFC 2326): a publisher (ANNOUNCE, SETUP, RECORD) or a reader
 * (DESCRIBE, SETUP, PLAY), RTP and RTCP interleaved on the TCP connection (§10.12).
 */
export class RtspConnection {
  readonly id = randomUUID();
  private readonly reader = new RtspReader();
  private queue: Promise<void> = Promise.resolve();
  private readonly sessionId = randomUUID();
  private readonly sessionSecret = randomBytes(8).toString('hex');
  private pub: Publishing | undefined;
  private read: Reading | undefined;
  /** Set once the byte stream made no sense: nothing after it can be framed. */
  private broken = false;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: RelayContext,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.cleanup());
    socket.on('error', () => socket.destroy());
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.broken) return;
    let messages;
    try {
      messages = this.reader.push(chunk);
    } catch (err) {
      const why = err instanceof RtspParseError ? err.message : String(err);
      this.ctx.log('bad request', { conn: this.id, why });
      this.broken = true;
      this.socket.end(formatResponse(400, { Server: 'gortsplib' }));
      return;
    }
    for (const msg of messages) {
      if (msg.kind === 'interleaved') this.onFrame(msg);
      else
        this.queue = this.queue
          .then(() => this.respond(msg))
          .catch((err: unknown) => {
            this.ctx.log('request failed', { conn: this.id, err: String(err) });
            this.socket.destroy();
          });
    }
  }

  private async respond(req: RtspRequest): Promise<void> {
    if (this.socket.destroyed) return;
    const cseq = req.headers.get('cseq');
    // §12.17: CSeq is required in every request; gortsplib answers 400 and closes.
    const reply: Reply = cseq === undefined ? { status: 400, close: true } : await this.handle(req);
    const headers = { CSeq: cseq, ...reply.headers, Server: 'gortsplib' };
    const bytes = formatResponse(reply.status, headers, reply.body ?? '');
    if (reply.close) this.socket.end(bytes);
    else this.socket.write(bytes);
  }

  private async handle(req: RtspRequest): Promise<Reply> {
    switch (req.method) {
      case 'OPTIONS':
        return { status: 200, headers: { Public: PUBLIC_METHODS } };
      case 'ANNOUNCE':
        return this.onAnnounce(req);
      case 'DESCRIBE':
        return this.onDescribe(req);
      case 'SETUP':
        return this.onSetup(req);
      case 'RECORD':
        return this.onRecord(req);
      case 'PLAY':
        return this.onPlay(req);
      case 'PAUSE':
        if (this.read) this.read.paused = true;
        return { status: 200, headers: { Session: this.sessionHeader() } };
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        return { status: 200, headers: { Session: this.sessionHeader() } };
      case 'TEARDOWN':
        return { status: 200, close: true };
      default:
        return { status: 501 };
    }
  }

  private async onAnnounce(req: RtspRequest): Promise<Reply> {
    if (this.pub || this.read) return { status: 455 };
    const pq = pathAndQuery(req.url);
    if (!pq || this.ctx.paths.confNameOf(pq.path) === undefined) return { status: 400 };
    if (!/^application\/sdp/i.test(req.headers.get('content-type') ?? '')) return { status: 400 };
    let medias: SdpMedia[];
    try {
      medias = parseSdp(req.body.toString('utf8'));
    } catch (err) {
      if (err instanceof SdpError) return { status: 400 };
      throw err;
    }
    const denied = await this.authorize(req, 'publish', pq.path, pq.query, this.sessionId);
    if (denied) return denied;
    this.pub = { path: pq.path, baseUrl: req.url.split('?')[0]!, medias, channels: new Map() };
    return { status: 200 };
  }

  private async onDescribe(req: RtspRequest): Promise<Reply> {
    const pq = pathAndQuery(req.url);
    if (!pq || this.ctx.paths.confNameOf(pq.path) === undefined) return { status: 400 };
    const denied = await this.authorize(req, 'read', pq.path, pq.query, this.id);
    if (denied) return denied;
    const publisher = this.ctx.paths.publisherOf(pq.path);
    if (!publisher) return { status: 404 };
    // gortsplib: Content-Base is the request URL plus '/', controls are absolute.
    const base = `${req.url}/`;
    return {
      status: 200,
      headers: { 'Content-Base': base, 'Content-Type': 'application/sdp' },
      body: readerSdp(publisher.medias, req.url.split('?')[0]!),
    };
  }

  private async onSetup(req: RtspRequest): Promise<Reply> {
    const transports = parseTransport(req.headers.get('transport') ?? '');
    if (this.pub) {
      // Publishers: TCP only in the double (the agent publishes over TCP); §7.1.1 461 otherwise.
      const tcp = transports.find((t) => t.tcp);
      if (!tcp) return { status: 461 };
      return this.pub.handle ? { status: 455 } : this.setupPublish(req, tcp.interleaved);
    }
    // Readers: the first transport of the client's list the server serves (§12.39); UDP unicast
    // when rtspTransports has udp. Multicast is not served: 461, and ffmpeg falls back to TCP.
    const chosen = transports.find((t) => t.tcp || (t.udp && t.clientPorts && this.ctx.udp));
    if (!chosen) return { status: 461 };
    return this.setupRead(req, chosen);
  }

  private setupPublish(req: RtspRequest, wanted?: [number, number]): Reply {
    const pub = this.pub!;
    const media = mediaIndexOf(pub.medias, req.url.split('?')[0]!, pub.baseUrl);
    if (media < 0) return { status: 400 };
    const [rtp, rtcp] = wanted ?? this.freeChannels(new Set(pub.channels.keys()));
    if (pub.channels.has(rtp) || pub.channels.has(rtcp)) return { status: 400 };
    pub.channels.set(rtp, { media, rtcp: false });
    pub.channels.set(rtcp, { media, rtcp: true });
    return this.transportReply(rtp, rtcp);
  }

  private async setupRead(req: RtspRequest, transport: TransportSpec): Promise<Reply> {
    const url = req.url.split('?')[0]!;
    const m = /^(.*)\/trackID=(\d+)\/?$/.exec(url);
    if (!m) return { status: 400 };
    const pq = pathAndQuery(`${m[1]!}${req.url.includes('?') ? `?${req.url.split('?')[1]}` : ''}`);
    if (!pq || this.ctx.paths.confNameOf(pq.path) === undefined) return { status: 400 };
    if (this.read && this.read.path !== pq.path) return { status: 400 };
    if (!this.read) {
      // MediaMTX asks the hook again when a reader is added, on its first SETUP.
      const denied = await this.authorize(req, 'read', pq.path, pq.query, this.sessionId);
      if (denied) return denied;
      const publisher = this.ctx.paths.publisherOf(pq.path);
      if (!publisher) return { status: 404 };
      this.read = { path: pq.path, medias: publisher.medias, tracks: new Map(), paused: false };
    }
    const media = Number(m[2]);
    if (media >= this.read.medias.length) return { status: 404 };
    const others = [...this.read.tracks.values()];
    // gortsplib: all medias of a session over one protocol, else 400.
    if (others.some((t) => 'udp' in t !== transport.udp)) return { status: 400 };
    if (!transport.tcp && transport.clientPorts) {
      this.read.tracks.set(media, { udp: transport.clientPorts });
      return this.udpTransportReply(transport.clientPorts);
    }
    const used = new Set<number>();
    for (const t of others) if ('tcp' in t) used.add(t.tcp[0]).add(t.tcp[1]);
    const [rtp, rtcp] = transport.interleaved ?? this.freeChannels(used);
    this.read.tracks.set(media, { tcp: [rtp, rtcp] });
    return this.transportReply(rtp, rtcp);
  }

  private onRecord(req: RtspRequest): Reply {
    const pub = this.pub;
    if (!pub || pub.channels.size === 0 || pub.handle) return { status: 455 };
    if (!this.sessionMatches(req)) return { status: 454 };
    const handle: PathPublisher = {
      sessionId: this.sessionId,
      medias: pub.medias,
      close: () => this.socket.destroy(),
    };
    pub.handle = handle;
    this.ctx.paths.publish(pub.path, handle);
    this.socket.setTimeout(this.ctx.readTimeoutMs, () => {
      this.ctx.log('publisher timed out', { conn: this.id, path: pub.path });
      this.socket.destroy();
    });
    this.ctx.log('publishing', { conn: this.id, path: pub.path, medias: pub.medias.length });
    return { status: 200, headers: { Session: this.sessionHeader() } };
  }

  private onPlay(req: RtspRequest): Reply {
    const read = this.read;
    if (!read || read.tracks.size === 0) return { status: 455 };
    if (!this.sessionMatches(req)) return { status: 454 };
    if (!read.handle) {
      const handle: PathReader = {
        sessionId: this.sessionId,
        send: (media, rtcp, payload) => this.sendTo(read, media, rtcp, payload),
        close: () => this.socket.destroy(),
      };
      if (!this.ctx.paths.addReader(read.path, handle)) return { status: 404 };
      read.handle = handle;
      this.ctx.log('reading', { conn: this.id, path: read.path });
    }
    read.paused = false;
    return { status: 200, headers: { Session: this.sessionHeader(), Range: 'npt=0.000-' } };
  }

  private sendTo(read: Reading, media: number, rtcp: boolean, payload: Buffer): number {
    const track = read.tracks.get(media);
    if (track === undefined || read.paused || this.socket.destroyed) return 0;
    if ('udp' in track) {
      // To the address the RTSP connection came from, as gortsplib does (not a `destination`).
      const host = (this.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
      return this.ctx.udp?.send(rtcp, payload, host, track.udp[rtcp ? 1 : 0]) ?? 0;
    }
    const channel = track.tcp[0];
    // MediaMTX drops packets for a reader that cannot keep up (writeQueueSize) rather than
    // buffering without bound; so does the double.
    if (this.socket.writableLength > MAX_QUEUED_BYTES) return 0;
    this.socket.write(formatInterleaved(channel + (rtcp ? 1 : 0), payload));
    return payload.length + 4;
  }

  private onFrame(frame: InterleavedFrame): void {
    const pub = this.pub;
    if (!pub?.handle) return; // a reader's RTCP receiver reports: nothing to do with them
    const target = pub.channels.get(frame.channel);
    if (target) this.ctx.paths.forward(pub.path, pub.handle, target.media, target.rtcp, frame.payload);
  }

  /** The hook's answer for this request; `id` as MediaMTX sends it (see authorizeRtsp). */
  private authorize(req: RtspRequest, action: AuthAction, path: string, query: string, id: string) {
    return authorizeRtsp(this.ctx, req, {
      action,
      path,
      query,
      id,
      conn: this.id,
      peer: this.socket.remoteAddress,
    });
  }

  private freeChannels(used: Set<number>): [number, number] {
    let ch = 0;
    while (used.has(ch) || used.has(ch + 1)) ch += 2;
    return [ch, ch + 1];
  }

  private transportReply(rtp: number, rtcp: number): Reply {
    return {
      status: 200,
      headers: {
        Transport: `RTP/AVP/TCP;unicast;interleaved=${rtp}-${rtcp}`,
        Session: this.sessionHeader(),
      },
    };
  }

  private udpTransportReply([rtp, rtcp]: [number, number]): Reply {
    const server = this.ctx.udp!.ports;
    return {
      status: 200,
      headers: {
        Transport: `RTP/AVP;unicast;client_port=${rtp}-${rtcp};server_port=${server.rtpPort}-${server.rtcpPort}`,
        Session: this.sessionHeader(),
      },
    };
  }

  private sessionHeader(): string {
    return `${this.sessionSecret};timeout=60`;
  }

  /** §12.37: a request naming a session must name this connection's. */
  private sessionMatches(req: RtspRequest): boolean {
    const named = req.headers.get('session')?.split(';')[0]?.trim();
    return named === undefined || named === this.sessionSecret;
  }

  private cleanup(): void {
    if (this.pub?.handle) this.ctx.paths.unpublish(this.pub.path, this.pub.handle);
    if (this.read?.handle) this.ctx.paths.removeReader(this.read.path, this.read.handle);
  }
}
