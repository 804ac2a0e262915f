import { readFileSync } from 'node:fs';
import { freePort, waitFor } from './ports.js';
import { spawnTracked, type Spawned } from './processes.js';

/** One publisher's visit: the stream's size as announced, and small decoded frames as they came. */
export interface ReceivedSession {
  width: number;
  height: number;
  /** 64x64 rgb24 frames, five a second at most. */
  frames: Buffer[];
  firstFrameAt: number | undefined;
  ended: boolean;
}

const FRAME_BYTES = 64 * 64 * 3;

/**
 * A real RTSP receiver for one path: ffmpeg itself in listen mode (`-rtsp_flags listen`), which
 * accepts one publisher (ANNOUNCE/RECORD over TCP) and decodes what it sends. When the publisher
 * leaves it listens again, so a restarted publisher starts a new session. Ready when the port is
 * in LISTEN state (read from /proc/net/tcp: connecting to probe would use up the one publisher).
 */
export class RtspReceiver {
  readonly sessions: ReceivedSession[] = [];
  private proc: Spawned | undefined;
  private stopped = false;

  private constructor(
    readonly port: number,
    readonly path: string,
    private readonly ffmpeg: string,
  ) {}

  /** The base URL a publisher uses: `rtsp://127.0.0.1:<port>`. */
  get baseUrl(): string {
    return `rtsp://127.0.0.1:${this.port}`;
  }

  static async start(path: string, opts: { ffmpeg?: string } = {}): Promise<RtspReceiver> {
    const r = new RtspReceiver(await freePort(), path, opts.ffmpeg ?? process.env.FFMPEG_BIN ?? 'ffmpeg');
    await r.listen();
    return r;
  }

  private async listen(again = false): Promise<void> {
    const session: ReceivedSession = {
      width: 0,
      height: 0,
      frames: [],
      firstFrameAt: undefined,
      ended: false,
    };
    const url = `rtsp://127.0.0.1:${this.port}/${this.path}`;
    const proc = spawnTracked(this.ffmpeg, [
      '-hide_banner',
      '-nostdin',
      '-rtsp_flags',
      'listen',
      '-i',
      url,
      '-an',
      '-vf',
      'fps=5,scale=64:64',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ]);
    this.proc = proc;
    let pending = Buffer.alloc(0);
    let announced = false;
    proc.child.stdout?.removeAllListeners('data');
    proc.child.stdout?.on('data', (chunk: Buffer) => {
      if (!announced) {
        const size = /Stream #0:0.*?Video: h264.*?, (\d+)x(\d+)/.exec(proc.output());
        if (size) [session.width, session.height, announced] = [Number(size[1]), Number(size[2]), true];
        if (announced) this.sessions.push(session);
      }
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= FRAME_BYTES) {
        session.firstFrameAt ??= Date.now();
        session.frames.push(pending.subarray(0, FRAME_BYTES));
        if (session.frames.length > 50) session.frames.shift();
        pending = pending.subarray(FRAME_BYTES);
      }
    });
    void proc.exited.then(() => {
      session.ended = true;
      // Listen again for the publisher's next visit; a failure shows in the next waitForFrames.
      if (!this.stopped) this.listen(true).catch(() => undefined);
    });
    try {
      await waitFor(
        `RTSP receiver listening on ${this.port}`,
        () => Promise.resolve(this.stopped || listening(this.port)),
        10_000,
        20,
      );
    } catch (err) {
      // An ffmpeg that never bound (seen under heavy load) is stopped; its exit above listens again,
      // so a later publisher still finds the port. The first listen's failure is the caller's.
      if (!again) this.stopped = true;
      await proc.stop();
      throw err;
    }
  }

  /** Waits until a session has `count` frames (the latest session by default). */
  async waitForFrames(
    count: number,
    timeoutMs = 20_000,
    session = () => this.sessions.at(-1),
  ): Promise<ReceivedSession> {
    let found: ReceivedSession | undefined;
    await waitFor(
      `${count} frames on ${this.path}`,
      () => {
        const s = session();
        if (s && s.frames.length >= count) found = s;
        return Promise.resolve(found !== undefined);
      },
      timeoutMs,
    );
    return found!;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.proc?.stop();
  }

  /** Ends the current session (the publisher sees its connection drop); a new one starts. */
  async dropSession(): Promise<void> {
    await this.proc?.stop();
  }
}

/** Whether something listens on this loopback TCP port (state 0A in /proc/net/tcp{,6}). */
function listening(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A') return true;
    }
  }
  return false;
}
