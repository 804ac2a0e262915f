import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy that records every byte in both directions: what a capture on the wire would show.
 * Clients connect to `port`; everything is forwarded to `target`.
 */
export class TcpRecorder {
  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly chunks: Buffer[],
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpRecorder> {
    const chunks: Buffer[] = [];
    const sockets: Socket[] = [];
    const server = createServer((client) => {
      const upstream = createConnection(target);
      sockets.push(client, upstream);
      client.on('data', (d: Buffer) => chunks.push(Buffer.from(d)));
      upstream.on('data', (d: Buffer) => chunks.push(Buffer.from(d)));
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
    const recorder = new TcpRecorder(server, (server.address() as { port: number }).port, chunks);
    recorder.openSockets = sockets;
    return recorder;
  }

  private openSockets: Socket[] = [];

  /** Everything recorded so far, both directions. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Whether `secret` appears in clear anywhere in the recording (as UTF-8). */
  contains(secret: string): boolean {
    return this.bytes().includes(Buffer.from(secret, 'utf8'));
  }

  async stop(): Promise<void> {
    for (const s of this.openSockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
