/** A header block longer than this is not an RTSP request a publisher sends: the connection ends. */
const MAX_HEAD = 64 * 1024;
const DOLLAR = 0x24;
const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

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
 *
 * Once recording, nearly every byte is frame data and a chunk from the socket rarely ends where a
 * frame does: a frame's bytes are passed on as they come (slices of the chunk, the chunk itself
 * when it is all frame data), never copied or held back; only a request, or a frame header cut in
 * two, is gathered before it is looked at.
 */
export class RtspRequestRewriter {
  /** Bytes kept until they can be looked at: a request not yet whole, a frame header cut in two. */
  private buf: Buffer = EMPTY;
  /** Bytes of the current interleaved frame not passed on yet: they pass as they come. */
  private frameLeft = 0;

  constructor(private readonly rule: RewriteRule) {}

  /** The bytes to send upstream for this chunk (possibly none until a request is complete). */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    // chunk[0, at) is frame data, passed on as it is.
    let at = 0;
    const flush = () => {
      if (at > 0) out.push(at === chunk.length ? chunk : chunk.subarray(0, at));
    };
    while (at < chunk.length) {
      if (this.frameLeft > 0) {
        const n = Math.min(this.frameLeft, chunk.length - at);
        this.frameLeft -= n;
        at += n;
        continue;
      }
      if (this.buf.length === 0 && chunk[at] === DOLLAR && at + 4 <= chunk.length) {
        this.frameLeft = 4 + chunk.readUInt16BE(at + 2);
        continue;
      }
      // A request, or a frame header the chunk's end cut: gathered from here on.
      flush();
      const rest = chunk.subarray(at);
      this.buf = this.buf.length ? Buffer.concat([this.buf, rest]) : rest;
      this.drain(out);
      return out;
    }
    flush();
    return out;
  }

  /** Passes on what `buf` holds whole: requests (rewritten) and frames, the start of a frame too. */
  private drain(out: Buffer[]): void {
    for (;;) {
      const buf = this.buf;
      if (buf.length === 0) return;
      if (buf[0] === DOLLAR) {
        if (buf.length < 4) return;
        const size = 4 + buf.readUInt16BE(2);
        out.push(buf.subarray(0, Math.min(size, buf.length)));
        if (size > buf.length) {
          this.frameLeft = size - buf.length;
          this.buf = EMPTY;
          return;
        }
        this.buf = buf.subarray(size);
        continue;
      }
      const end = buf.indexOf(HEAD_END);
      if (end < 0) {
        if (buf.length > MAX_HEAD) throw new RtspStreamError('an RTSP request head over 64 KiB');
        return;
      }
      const head = buf.subarray(0, end).toString('latin1');
      const length = contentLength(head);
      const total = end + HEAD_END.length + length;
      if (buf.length < total) return;
      out.push(Buffer.from(`${this.rewriteHead(head)}\r\n\r\n`, 'latin1'));
      if (length > 0) out.push(buf.subarray(end + HEAD_END.length, total));
      this.buf = buf.subarray(total);
    }
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
