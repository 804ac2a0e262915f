import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * What a capture on the wire would see: a TCP forwarder on a random loopback port that keeps every
 * byte of both directions. Point a client at `port` instead of the server's; `contains` says
 * whether a secret crossed in clear (as a passive sniffer or tcpdump would see it).
 */
export class WireCapture {
  private readonly chunks: Buffer[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static start(targetPort: number, targetHost = '127.0.0.1'): Promise<WireCapture> {
    const server = createServer();
    const capture = new WireCapture(server);
    server.on('connection', (client) => {
      const upstream = connect(targetPort, targetHost);
      for (const s of [client, upstream]) {
        capture.sockets.add(s);
        s.on('close', () => capture.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (d: Buffer) => capture.chunks.push(d));
      upstream.on('data', (d: Buffer) => capture.chunks.push(d));
      client.pipe(upstream).pipe(client);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(capture));
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get bytes(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  /** Whether `text` (UTF-8) appears anywhere in the captured bytes. */
  contains(text: string): boolean {
    return Buffer.concat(this.chunks).includes(Buffer.from(text, 'utf8'));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
