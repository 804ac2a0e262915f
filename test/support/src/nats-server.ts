import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { freePort } from './ports.js';
import { spawnTracked, waitUntilReady, type Spawned } from './processes.js';

/**
 * A real nats-server with JetStream for one test suite: a free loopback port, a temporary store,
 * ready once a client connects and JetStream answers; killed at the end, store removed.
 * `restart()` brings it back on the same port and store, as an operator's restart would.
 */
export class NatsServer {
  private proc: Spawned | undefined;

  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly bin: string,
    readonly host: string,
  ) {}

  get url(): string {
    return `nats://${this.host}:${this.port}`;
  }

  /** `host`: the address to listen on, loopback unless e.g. a NetNamespace's hostAddress. */
  static async start(opts: { bin?: string; host?: string } = {}): Promise<NatsServer> {
    const host = opts.host ?? '127.0.0.1';
    const server = new NatsServer(
      await freePort(host),
      mkdtempSync(join(tmpdir(), 'desk-onvif-nats-')),
      opts.bin ?? process.env.NATS_SERVER_BIN ?? 'nats-server',
      host,
    );
    await server.launch();
    return server;
  }

  private async launch(): Promise<void> {
    this.proc = spawnTracked(this.bin, [
      '-a',
      this.host,
      '-p',
      String(this.port),
      '-js',
      '-sd',
      this.storeDir,
    ]);
    const proc = this.proc;
    try {
      await waitUntilReady(proc, `nats-server on ${this.port}`, async () => {
        const nc = await connect({ servers: this.url, timeout: 1000, reconnect: false });
        try {
          const { jetstreamManager } = await import('@nats-io/jetstream');
          await (await jetstreamManager(nc)).getAccountInfo();
          return true;
        } finally {
          await nc.close();
        }
      });
    } catch (err) {
      await proc.stop();
      throw err;
    }
  }

  /** The server's process id while it runs, e.g. to kill it hard. */
  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  /** Stops the server, keeping its store, as a crash or an upgrade would. */
  async stop(): Promise<void> {
    await this.proc?.stop();
    this.proc = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops it for good and removes the store. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
