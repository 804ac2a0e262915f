import { randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpPacket } from 'werift';
import { FFMPEG } from './ffmpeg.js';
import { spawnTracked, type Spawned } from './processes.js';

/**
 * MediaMTX's WebRTC server as the console's live view uses it, for machines without MediaMTX (a
 * test double beside the RTSP relay double, never shipped): standard WHEP — `POST /<path>/whep`
 * with an SDP offer, the answer in a `201` with the session's `Location`, `DELETE` of that URL, CORS
 * as `webrtcAllowOrigins` — answered by a real WebRTC peer (werift: ICE, DTLS-SRTP, RTP) sending
 * real H.264 that ffmpeg encodes (`source(path, colour)`: RTP over loopback UDP into a werift track).
 *
 * Every offer is authorised as MediaMTX 1.x does it with `authMethod: http`: the credentials from
 * the request (`Authorization: Bearer <token>`, a Bearer `user:pass`, or Basic) are POSTed to the
 * hook as `{user, password, token, ip, action: 'read', path, protocol: 'webrtc', id, query}`; any
 * 2xx lets the offer through; otherwise `401` (with a Basic challenge when no credentials were
 * given, after a pause when wrong ones were: MediaMTX's 2 s against brute force).
 */
export interface WhepDoubleOptions {
  /** MediaMTX's `authHTTPAddress`: the onvif service's hook. */
  authHookUrl: string;
  /** HTTPS (MediaMTX's `webrtcEncryption`, with the site certificate); absent: plain HTTP. */
  tls?: { cert: string; key: string };
  /** `webrtcAllowOrigins`: the origins allowed by CORS (the console's). Absent: `*`. */
  allowOrigins?: string[];
  /** Pause before answering refused credentials (MediaMTX: 2 s). */
  refusedPauseMs?: number;
}

/** The hook's request body, as MediaMTX's auth manager marshals it. */
export interface MediaMtxAuthBody {
  user: string;
  password: string;
  token: string;
  ip: string;
  action: 'read';
  path: string;
  protocol: 'webrtc';
  id: string | null;
  query: string;
}

interface Source {
  ffmpeg: Spawned;
  udp: Socket;
  tracks: Set<MediaStreamTrack>;
}

/** H.264 constrained baseline, packetization-mode 1: what browsers decode and ffmpeg's RTP sends. */
const H264 = () =>
  new RTCRtpCodecParameters({
    mimeType: 'video/H264',
    clockRate: 90000,
    rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
    parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  });

const CAMERA_PATH = /^desk\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/(main|sub)$/;

export class WhepDouble {
  /** Every hook request made, for assertions (credentials included: test data only). */
  readonly hookCalls: MediaMtxAuthBody[] = [];
  /** `webrtcAllowOrigins` (settable once the console's origin is known); undefined: `*`. */
  allowOrigins: string[] | undefined;
  private readonly sources = new Map<string, Source>();
  private readonly sessions = new Map<
    string,
    { pc: RTCPeerConnection; path: string; track: MediaStreamTrack }
  >();

  private constructor(
    private readonly server: Server,
    private readonly opts: WhepDoubleOptions,
    private readonly scheme: 'http' | 'https',
  ) {
    this.allowOrigins = opts.allowOrigins;
  }

  static async start(opts: WhepDoubleOptions): Promise<WhepDouble> {
    const server = opts.tls
      ? createHttpsServer({ cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) })
      : createHttpServer();
    const double = new WhepDouble(server, opts, opts.tls ? 'https' : 'http');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      double.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return double;
  }

  /** The WebRTC server's base URL (`CONSOLE_WHEP_URL`): offers go to `<url>/<path>/whep`. */
  get url(): string {
    return `${this.scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Sessions open now (answered and not deleted or closed). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * A publisher on `path`: ffmpeg encodes a plain `colour` picture (lavfi) to H.264 and sends it as
   * RTP to this double, which forwards every packet to the path's WebRTC readers. Resolves when the
   * first packet arrived.
   */
  async source(path: string, colour: string, size = '320x240'): Promise<void> {
    if (this.sources.has(path)) throw new Error(`${path} has a source already`);
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const tracks = new Set<MediaStreamTrack>();
    let first: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (first = resolve));
    udp.on('message', (data) => {
      first();
      for (const track of tracks) track.writeRtp(RtpPacket.deSerialize(data));
    });
    const port = udp.address().port;
    const ffmpeg = spawnTracked(FFMPEG, [
      ...['-hide_banner', '-loglevel', 'error', '-re'],
      ...['-f', 'lavfi', '-i', `color=c=${colour}:s=${size}:r=15`],
      ...['-c:v', 'libx264', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-tune', 'zerolatency'],
      // A keyframe a second with its SPS/PPS in band: a reader that joins late decodes within 1 s.
      ...['-g', '15', '-x264-params', 'repeat-headers=1', '-bf', '0'],
      ...['-f', 'rtp', '-payload_type', '96', `rtp://127.0.0.1:${port}?pkt_size=1200`],
    ]);
    this.sources.set(path, { ffmpeg, udp, tracks });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`ffmpeg sent no RTP in 15 s: ${ffmpeg.output()}`)), 15_000).unref(),
    );
    await Promise.race([
      arrived,
      timeout,
      ffmpeg.exited.then((c) => Promise.reject(new Error(`ffmpeg exited ${c}: ${ffmpeg.output()}`))),
    ]);
  }

  private cors(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    const allowed = this.allowOrigins;
    if (!allowed) res.setHeader('Access-Control-Allow-Origin', '*');
    else if (origin && allowed.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Expose-Headers', 'ETag, ID, Accept-Patch, Link, Location');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.cors(req, res);
    const url = new URL(req.url ?? '/', 'http://double');
    const parts = /^\/(.+)\/whep(?:\/([0-9a-f-]{36}))?$/.exec(url.pathname);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'OPTIONS, GET, POST, PATCH, DELETE',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, If-Match',
      });
      res.end();
      return;
    }
    if (!parts) {
      res.writeHead(404).end();
      return;
    }
    const path = parts[1]!;
    const sessionId = parts[2];
    if (sessionId) {
      const session = this.sessions.get(sessionId);
      if (!session || session.path !== path) {
        res.writeHead(404).end();
        return;
      }
      if (req.method === 'DELETE') {
        await this.close(sessionId);
        res.writeHead(200).end();
      } else if (req.method === 'PATCH') {
        // Trickle ICE: the answer carries every candidate already; nothing to add.
        res.writeHead(204).end();
      } else res.writeHead(405).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/sdp')) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid Content-Type' }));
      return;
    }
    const offer = await bodyOf(req);
    if (!CAMERA_PATH.test(path)) {
      res
        .writeHead(400, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ error: 'path not configured' }));
      return;
    }
    const body: MediaMtxAuthBody = {
      ...credentialsOf(req),
      ip: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      action: 'read',
      path,
      protocol: 'webrtc',
      id: null,
      query: url.search.slice(1),
    };
    this.hookCalls.push(body);
    if (!(await this.allowed(body))) {
      const asked = body.user === '' && body.password === '' && body.token === '';
      if (!asked) await new Promise((r) => setTimeout(r, this.opts.refusedPauseMs ?? 2000));
      res.writeHead(401, asked ? { 'WWW-Authenticate': 'Basic realm="mediamtx"' } : {});
      res.end(JSON.stringify({ error: 'authentication error' }));
      return;
    }
    const source = this.sources.get(path);
    if (!source) {
      res
        .writeHead(404, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ error: 'no stream is available on path' }));
      return;
    }
    // As MediaMTX (pion): an offer must receive video in a codec the stream has (H.264 here).
    if (!/^m=video /m.test(offer) || !/^a=rtpmap:\d+ H264\/90000/im.test(offer)) {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'the offer receives no H264 video' }));
      return;
    }
    let answer: { id: string; sdp: string };
    try {
      answer = await this.answer(path, source, offer);
    } catch (err) {
      // Not an offer this server can answer: MediaMTX says 400 too.
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: `invalid offer: ${String(err)}` }));
      return;
    }
    res.writeHead(201, {
      'Content-Type': 'application/sdp',
      ETag: '*',
      ID: randomUUID(),
      'Accept-Patch': 'application/trickle-ice-sdpfrag',
      Location: `/${path}/whep/${answer.id}`,
    });
    res.end(answer.sdp);
  }

  private async allowed(body: MediaMtxAuthBody): Promise<boolean> {
    try {
      const res = await fetch(this.opts.authHookUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      return res.status >= 200 && res.status <= 299;
    } catch {
      return false; // hook unreachable: refused, as MediaMTX does
    }
  }

  /** A werift peer sending the path's H.264, the answer once ICE gathering is complete (no trickle). */
  private async answer(path: string, source: Source, offer: string): Promise<{ id: string; sdp: string }> {
    const pc = new RTCPeerConnection({
      codecs: { audio: [], video: [H264()] },
      // Loopback is where the browser under test is; werift leaves it out unless asked.
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceUseIpv6: false,
    });
    const track = new MediaStreamTrack({ kind: 'video' });
    pc.addTransceiver(track, { direction: 'sendonly' });
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const sub = pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') {
          sub.unSubscribe();
          resolve();
        }
      });
    });
    const id = randomUUID();
    this.sessions.set(id, { pc, path, track });
    source.tracks.add(track);
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' || state === 'closed') void this.close(id);
    });
    return { id, sdp: pc.localDescription!.sdp };
  }

  private async close(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    this.sources.get(session.path)?.tracks.delete(session.track);
    await session.pc.close().catch(() => undefined);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.close(id)));
    for (const s of this.sources.values()) {
      await s.ffmpeg.stop();
      s.udp.close();
    }
    this.sources.clear();
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** As MediaMTX's `Credentials.FromHTTP`: Bearer `user:pass`, else Bearer token, else Basic. */
export function credentialsOf(req: Pick<IncomingMessage, 'headers'>): {
  user: string;
  password: string;
  token: string;
} {
  const header = req.headers.authorization ?? '';
  if (header.startsWith('Bearer ')) {
    const value = header.slice('Bearer '.length);
    const split = value.split(':');
    if (split.length === 2) return { user: split[0]!, password: split[1]!, token: '' };
    return { user: '', password: '', token: value };
  }
  if (header.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString();
    const i = decoded.indexOf(':');
    if (i >= 0) return { user: decoded.slice(0, i), password: decoded.slice(i + 1), token: '' };
  }
  return { user: '', password: '', token: '' };
}

function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      text += c;
      if (text.length > 100_000) req.destroy(new Error('offer too large'));
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
