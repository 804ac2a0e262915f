import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  connect,
  credsAuthenticator,
  type ConnectionOptions,
  type NatsConnection,
} from '@nats-io/transport-node';
import {
  cameraInboxPrefix,
  cameraPermissions,
  roleInboxPrefix,
  type Permissions,
  type ServiceRole,
} from '@desk-onvif/contracts';
import { createUserKey, credsText, ensureNatsAuth, userJwt, type NatsAuth } from '@desk-onvif/nats-auth';
import { ensureSitePki, type SitePki } from '@desk-onvif/site-pki';
import { freePort } from './ports.js';
import { spawnTracked, waitUntilReady, type Spawned } from './processes.js';

/**
 * A real nats-server with JetStream for one test suite, run as `make dev` and compose run it:
 * operator mode (libs/nats-auth: every client needs a credential, each role its permissions from
 * the contracts' catalogue) with TLS required (libs/site-pki), on a free port with a temporary
 * store; ready once the admin credential connects and JetStream answers; killed at the end, its
 * directory removed. `restart()` brings it back on the same port and store.
 *
 * Clients: `connect(role)`/`connectOptions(role)`; services: `serviceEnv(prefix, role)`; cameras:
 * `issueCamera(id)` writes a camera credential as the registry would issue one at enrolment.
 */
export class NatsServer {
  private proc: Spawned | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly bin: string,
    readonly host: string,
    readonly pki: SitePki,
    readonly auth: NatsAuth,
  ) {}

  get url(): string {
    return `nats://${this.host}:${this.port}`;
  }

  /** The site CA (PEM file) every client verifies the server against. */
  get caFile(): string {
    return this.pki.caCert;
  }

  /** The JetStream store directory (kept across restart()). */
  get storeDir(): string {
    return join(this.dir, 'jetstream');
  }

  /** `host`: the address to listen on, loopback unless e.g. a NetNamespace's hostAddress. */
  static async start(opts: { bin?: string; host?: string } = {}): Promise<NatsServer> {
    const host = opts.host ?? '127.0.0.1';
    const dir = mkdtempSync(join(tmpdir(), 'desk-onvif-nats-'));
    const port = await freePort(host);
    const pki = await ensureSitePki(join(dir, 'pki'), { hosts: [host] });
    const auth = await ensureNatsAuth(join(dir, 'auth'), {
      host,
      port,
      tls: { cert: pki.serverCert, key: pki.serverKey },
      jetstreamDir: join(dir, 'jetstream'),
      resolverDir: join(dir, 'resolver'),
    });
    const server = new NatsServer(
      port,
      dir,
      opts.bin ?? process.env.NATS_SERVER_BIN ?? 'nats-server',
      host,
      pki,
      auth,
    );
    await server.launch();
    return server;
  }

  /** The `.creds` file of a service role. */
  credsFile(role: ServiceRole): string {
    return this.auth.creds[role];
  }

  /** Options for a client of `role` (the admin by default: tests set up and inspect everything). */
  connectOptions(role: ServiceRole = 'admin', extra: Partial<ConnectionOptions> = {}): ConnectionOptions {
    return this.optionsFor(readFileSync(this.credsFile(role), 'utf8'), roleInboxPrefix(role), extra);
  }

  connect(role: ServiceRole = 'admin', extra: Partial<ConnectionOptions> = {}): Promise<NatsConnection> {
    return connect(this.connectOptions(role, extra));
  }

  /** Options for a client holding `creds` (text), replies under `inboxPrefix`. */
  optionsFor(creds: string, inboxPrefix: string, extra: Partial<ConnectionOptions> = {}): ConnectionOptions {
    return {
      servers: this.url,
      authenticator: credsAuthenticator(new TextEncoder().encode(creds)),
      tls: { caFile: this.caFile },
      inboxPrefix,
      ...extra,
    };
  }

  /** A service's NATS variables (`REGISTRY_NATS_URL`, `…_NATS_CREDS`, `…_NATS_CA`) for its role. */
  serviceEnv(prefix: string, role: ServiceRole): Record<string, string> {
    return {
      [`${prefix}NATS_URL`]: this.url,
      [`${prefix}NATS_CREDS`]: this.credsFile(role),
      [`${prefix}NATS_CA`]: this.caFile,
      ...(role === 'registry' ? { REGISTRY_TRUST_DIR: this.auth.registryTrustDir } : {}),
    };
  }

  /** A user credential with any permissions, signed as the registry signs (for tests of refusals). */
  async issueUser(name: string, permissions: Permissions, opts: { expiresAt?: Date } = {}): Promise<string> {
    const user = createUserKey();
    const jwt = await userJwt(
      {
        name,
        user: user.publicKey,
        account: this.auth.accountPublicKey,
        permissions,
        ...(opts.expiresAt ? { expiresAt: opts.expiresAt } : {}),
      },
      readFileSync(join(this.auth.registryTrustDir, 'registry-signing.nk'), 'utf8').trim(),
    );
    return credsText(jwt, user.seed);
  }

  /**
   * A camera's credential as enrolment issues it, written 0600 to a file of its own; with the
   * options to connect as that camera (its inbox prefix).
   */
  async issueCamera(
    id: string,
  ): Promise<{ credsFile: string; options: (extra?: Partial<ConnectionOptions>) => ConnectionOptions }> {
    const creds = await this.issueUser(`camera:${id}`, cameraPermissions(id));
    const credsFile = join(this.dir, `camera-${id}.creds`);
    writeFileSync(credsFile, creds, { mode: 0o600 });
    return { credsFile, options: (extra = {}) => this.optionsFor(creds, cameraInboxPrefix(id), extra) };
  }

  /** An agent's NATS variables for camera `id`: the URL, its credential, the CA. */
  async agentEnv(id: string): Promise<Record<string, string>> {
    const { credsFile } = await this.issueCamera(id);
    return { AGENT_NATS_URL: this.url, AGENT_NATS_CREDS: credsFile, AGENT_NATS_CA: this.caFile };
  }

  private async launch(): Promise<void> {
    this.proc = spawnTracked(this.bin, ['-c', this.auth.config]);
    const proc = this.proc;
    try {
      // A TLS handshake and a JetStream answer can take seconds on a loaded 2-core machine: each
      // probe may take 5 s, the whole wait 60 s (it ends at once if the server exits).
      await waitUntilReady(
        proc,
        `nats-server on ${this.port}`,
        async () => {
          const nc = await connect(this.connectOptions('admin', { timeout: 5000, reconnect: false }));
          try {
            const { jetstreamManager } = await import('@nats-io/jetstream');
            await (await jetstreamManager(nc)).getAccountInfo();
            return true;
          } finally {
            await nc.close();
          }
        },
        60_000,
        200,
      );
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

  /** Stops it for good and removes its directory (store, keys, certificates). */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
