import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/**
 * An RTSP client that sends exactly the bytes a test writes and parses what comes back: for
 * protocol edge cases ffmpeg never produces.
 */
export class RawRtsp {
  private buf = '';
  /** Interleaved frames received (RFC 2326 §10.12), in order. */
  readonly frames: { channel: number; payload: Buffer }[] = [];
  private waiting: (() => void) | undefined;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      this.takeFrames();
      this.waiting?.();
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    void this.closed.then(() => this.waiting?.());
  }

  static open(port: number): Promise<RawRtsp> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawRtsp(socket)));
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readyState === 'closed';
  }

  /** Sends `raw` and resolves with the next response (fails after `timeoutMs`). */
  async send(raw: string, timeoutMs = 5000): Promise<RawResponse> {
    this.socket.write(raw, 'latin1');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = this.take();
      if (res) return res;
      if (this.socket.destroyed && this.buf.length === 0) throw new Error('connection closed, no response');
      if (Date.now() > deadline) throw new Error(`no response to ${JSON.stringify(raw.slice(0, 40))}`);
      await new Promise<void>((r) => {
        this.waiting = r;
        setTimeout(r, 100);
      });
    }
  }

  /** Moves leading `$` frames from the buffer to `frames`. */
  private takeFrames(): void {
    while (this.buf.startsWith('$') && this.buf.length >= 4) {
      const len = (this.buf.charCodeAt(2) << 8) | this.buf.charCodeAt(3);
      if (this.buf.length < 4 + len) return;
      this.frames.push({
        channel: this.buf.charCodeAt(1),
        payload: Buffer.from(this.buf.slice(4, 4 + len), 'latin1'),
      });
      this.buf = this.buf.slice(4 + len);
    }
  }

  /** Sends bytes as they are (an interleaved frame, say). */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  private take(): RawResponse | undefined {
    this.takeFrames();
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine = '', ...lines] = this.buf.slice(0, end).split('\r\n');
    const headers = new Map(
      lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers.get('content-length') ?? 0);
    if (this.buf.length < end + 4 + length) return undefined;
    const body = this.buf.slice(end + 4, end + 4 + length);
    this.buf = this.buf.slice(end + 4 + length);
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  }

  close(): void {
    this.socket.destroy();
  }
}
