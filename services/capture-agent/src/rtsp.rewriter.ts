/** A header block longer than this is not an RTSP request a publisher sends: the connection ends. */
const MAX_HEAD = 64 * 1024;
const DOLLAR = 0x24;
const HEAD_END = Buffer.from('\r\n\r\n');

export class RtspStreamError extends Error {
  readonly code = 'RTSP_STREAM_INVALID';
}

export interface RewriteRule {
  /** The URL ffmpeg was given (`rtsp://127.0.0.1:port/<token>/main`): every request URI starts with it. */
  from: string;
  /** The media server's URL of the same path (`rtsps://media:8322/desk/<id>/main`). */
  to: string;
  /** The `Authorization` header value added to every request (the publish credentials). */
  authorization: string;
}

/**
 * The publisher's side of an RTSP connection, rewritten on its way to the media server: each
 * request's URI moves from the local proxy's URL to the media server's, any Authorization it
 * carried is dropped and the publish credentials are added; interleaved RTP/RTCP frames
 * (`$`, channel, 16-bit length, RFC 2326 §10.12) and request bodies (ANNOUNCE's SDP) pass as they
 * are. A request for another URL (not under `from`) is refused with RtspStreamError.
 */
export class RtspRequestRewriter {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly rule: RewriteRule) {}

  /** The bytes to send upstream for this chunk (possibly none until a request is complete). */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      const frames = this.interleavedPrefix();
      if (frames > 0) {
        out.push(this.buf.subarray(0, frames));
        this.buf = this.buf.subarray(frames);
        continue;
      }
      if (this.buf.length === 0 || this.buf[0] === DOLLAR) break;
      const end = this.buf.indexOf(HEAD_END);
      if (end < 0) {
        if (this.buf.length > MAX_HEAD) throw new RtspStreamError('an RTSP request head over 64 KiB');
        break;
      }
      const head = this.buf.subarray(0, end).toString('latin1');
      const length = contentLength(head);
      const total = end + HEAD_END.length + length;
      if (this.buf.length < total) break;
      out.push(Buffer.from(`${this.rewriteHead(head)}\r\n\r\n`, 'latin1'));
      if (length > 0) out.push(this.buf.subarray(end + HEAD_END.length, total));
      this.buf = this.buf.subarray(total);
    }
    return out;
  }

  /** How many bytes at the start of the buffer are whole interleaved frames. */
  private interleavedPrefix(): number {
    let at = 0;
    while (at + 4 <= this.buf.length && this.buf[at] === DOLLAR) {
      const next = at + 4 + this.buf.readUInt16BE(at + 2);
      if (next > this.buf.length) break;
      at = next;
    }
    return at;
  }

  private rewriteHead(head: string): string {
    const [requestLine = '', ...headers] = head.split('\r\n');
    const m = /^([A-Z_]+) (\S+) (RTSP\/1\.0)$/.exec(requestLine);
    if (!m) throw new RtspStreamError(`not an RTSP request line: ${requestLine.slice(0, 80)}`);
    const [, method, uri = '', version] = m;
    const { from, to } = this.rule;
    let target: string;
    if (uri === '*') target = uri;
    else if (uri === from || uri.startsWith(`${from}/`)) target = to + uri.slice(from.length);
    else throw new RtspStreamError(`${method} for another URL than this stream's`);
    const kept = headers.filter((h) => !/^authorization\s*:/i.test(h));
    return [`${method} ${target} ${version}`, ...kept, `Authorization: ${this.rule.authorization}`].join(
      '\r\n',
    );
  }
}

function contentLength(head: string): number {
  const m = /\r\ncontent-length\s*:\s*(\d+)/i.exec(head);
  if (!m) return 0;
  const n = Number(m[1]);
  if (n > MAX_HEAD) throw new RtspStreamError('an RTSP request body over 64 KiB');
  return n;
}

/** `Basic base64(user:password)` (RFC 7617), what MediaMTX's `rtspAuthMethods: [basic]` reads. */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}
