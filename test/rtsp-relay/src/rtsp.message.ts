/**
 * RTSP 1.0 message framing (RFC 2326 §4, §6, §7) with TCP-interleaved binary data (§10.12): a
 * stream of bytes in, requests and `$`-framed packets out. Pure: no sockets.
 */

export interface RtspRequest {
  kind: 'request';
  method: string;
  url: string;
  /** Header names in lower case; RFC 2326 §4.2 makes them case-insensitive. */
  headers: Map<string, string>;
  body: Buffer;
}

export interface InterleavedFrame {
  kind: 'interleaved';
  channel: number;
  payload: Buffer;
}

export type RtspInbound = RtspRequest | InterleavedFrame;

export class RtspParseError extends Error {
  readonly code = 'RTSP_PARSE';
  constructor(message: string) {
    super(message);
    this.name = 'RtspParseError';
  }
}

const MAX_HEADER_BYTES = 64 * 1024;
const MAX_BODY_BYTES = 1024 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');

/** Accumulates bytes and yields whole messages; throws RtspParseError on malformed input. */
export class RtspReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): RtspInbound[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: RtspInbound[] = [];
    for (;;) {
      const msg = this.next();
      if (!msg) return out;
      out.push(msg);
    }
  }

  private next(): RtspInbound | undefined {
    if (this.buf.length === 0) return undefined;
    // §10.12: '$', a one-byte channel, a two-byte big-endian length, then the packet.
    if (this.buf[0] === 0x24) {
      if (this.buf.length < 4) return undefined;
      const len = this.buf.readUInt16BE(2);
      if (this.buf.length < 4 + len) return undefined;
      const frame: InterleavedFrame = {
        kind: 'interleaved',
        channel: this.buf[1]!,
        payload: Buffer.from(this.buf.subarray(4, 4 + len)),
      };
      this.buf = this.buf.subarray(4 + len);
      return frame;
    }
    const end = this.buf.indexOf(HEADER_END);
    if (end < 0) {
      if (this.buf.length > MAX_HEADER_BYTES) throw new RtspParseError('request head too large');
      return undefined;
    }
    const head = this.buf.subarray(0, end).toString('latin1');
    const [requestLine = '', ...lines] = head.split('\r\n');
    // §6.1: Request-Line = Method SP Request-URI SP RTSP-Version CRLF
    const m = /^([A-Z_]+) (\S+) RTSP\/1\.0$/.exec(requestLine);
    if (!m) throw new RtspParseError(`bad request line ${JSON.stringify(requestLine.slice(0, 80))}`);
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new RtspParseError(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const lengthHeader = headers.get('content-length') ?? '0';
    if (!/^\d+$/.test(lengthHeader)) throw new RtspParseError(`bad Content-Length ${lengthHeader}`);
    const length = Number(lengthHeader);
    if (length > MAX_BODY_BYTES) throw new RtspParseError('body too large');
    const start = end + HEADER_END.length;
    if (this.buf.length < start + length) return undefined;
    const body = Buffer.from(this.buf.subarray(start, start + length));
    this.buf = this.buf.subarray(start + length);
    return { kind: 'request', method: m[1]!, url: m[2]!, headers, body };
  }
}

/** RFC 2326 §7.1 reason phrases for the statuses the relay sends. */
const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  459: 'Aggregate Operation Not Allowed',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

export function formatResponse(
  status: number,
  headers: Record<string, string | undefined>,
  body: string | Buffer = '',
): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  let head = `RTSP/1.0 ${status} ${REASONS[status] ?? 'Unknown'}\r\n`;
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) head += `${name}: ${value}\r\n`;
  if (bytes.length > 0) head += `Content-Length: ${bytes.length}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), bytes]);
}

export function formatInterleaved(channel: number, payload: Buffer): Buffer {
  const head = Buffer.allocUnsafe(4);
  head[0] = 0x24;
  head[1] = channel;
  head.writeUInt16BE(payload.length, 2);
  return Buffer.concat([head, payload]);
}

/**
 * RFC 2326 §12.39 Transport, for the forms the relay serves: RTP/AVP/TCP interleaved, and
 * RTP/AVP (or RTP/AVP/UDP) unicast with the client's RTP/RTCP ports.
 */
export interface TransportSpec {
  tcp: boolean;
  /** RTP/AVP or RTP/AVP/UDP, unicast (not `multicast`). */
  udp: boolean;
  interleaved?: [number, number];
  /** `client_port=a-b`: where a UDP reader wants RTP (a) and RTCP (b). */
  clientPorts?: [number, number];
  record: boolean;
}

export function parseTransport(value: string): TransportSpec[] {
  return value.split(',').map((spec) => {
    const [proto = '', ...params] = spec.trim().split(';');
    const lower = params.map((p) => p.trim().toLowerCase());
    const out: TransportSpec = {
      tcp: /^RTP\/AVP\/TCP$/i.test(proto),
      udp: /^RTP\/AVP(\/UDP)?$/i.test(proto) && !lower.includes('multicast'),
      record: false,
    };
    for (const p of params) {
      const [k = '', v = ''] = p.trim().split('=');
      const key = k.toLowerCase();
      if (key === 'interleaved') {
        const m = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(v);
        if (m) out.interleaved = [Number(m[1]), m[2] === undefined ? Number(m[1]) + 1 : Number(m[2])];
      } else if (key === 'client_port') {
        const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(v);
        const rtp = m ? Number(m[1]) : 0;
        const rtcp = m?.[2] === undefined ? rtp + 1 : Number(m[2]);
        if (rtp > 0 && rtp <= 65535 && rtcp > 0 && rtcp <= 65535) out.clientPorts = [rtp, rtcp];
      } else if (key === 'mode') out.record = /record/i.test(v);
    }
    return out;
  });
}

/** Basic credentials (RFC 7617) from an Authorization header; anything else counts as none. */
export function basicCredentials(header: string | undefined): { user: string; password: string } {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return { user: '', password: '' };
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { user: decoded, password: '' };
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Splits an RTSP URL into its path (no leading or trailing slash) and query. */
export function pathAndQuery(url: string): { path: string; query: string } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'rtsp:' && u.protocol !== 'rtsps:') return undefined;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname).replace(/^\/+/, '');
  } catch {
    return undefined;
  }
  while (path.endsWith('/')) path = path.slice(0, -1);
  return { path, query: u.search.replace(/^\?/, '') };
}
