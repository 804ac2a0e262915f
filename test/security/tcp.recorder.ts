import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy that records every byte in both directions: what a capture on the wire would show.
 * Clients connect to `port`; everything is forwarded to `target`.
 */
export class TcpRecorder {
  private readonly chunks: Buffer[] = [];
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpRecorder> {
    let recorder: TcpRecorder | undefined;
    const server = createServer((client) => {
      const upstream = createConnection(target);
      recorder?.track(client, upstream);
      client.on('data', (d: Buffer) => recorder?.chunks.push(Buffer.from(d)));
      upstream.on('data', (d: Buffer) => recorder?.chunks.push(Buffer.from(d)));
      client.pipe(upstream);
      upstream.pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    recorder = new TcpRecorder(server, (server.address() as { port: number }).port);
    return recorder;
  }

  private track(...s: Socket[]): void {
    for (const x of s) {
      this.sockets.add(x);
      x.on('close', () => this.sockets.delete(x));
    }
  }

  /** Everything recorded so far, both directions. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Whether `secret` appears in clear anywhere in the recording (as UTF-8). */
  contains(secret: string): boolean {
    return this.bytes().includes(Buffer.from(secret, 'utf8'));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
