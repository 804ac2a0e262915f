import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import {
  Buckets,
  Enrolment,
  call,
  decodeEnrolmentToken,
  enrolmentInboxPrefix,
  type EnrolmentToken,
  type Identity,
} from '@desk-onvif/contracts';
import { createUserKey } from '@desk-onvif/nats-auth';
import { NatsServer, ServiceProcess, startRegistry } from '@desk-onvif/test-support';

/**
 * The trust model's test system: nats-server in the generated operator/TLS configuration, the
 * registry (with its trust keys, so it enrols and revokes), an admin connection; helpers to issue
 * tokens and to enrol as an agent does, without the agent (for the refusals).
 */
export class TrustSystem {
  private readonly dirs: string[] = [];
  private constructor(
    readonly nats: NatsServer,
    readonly registries: ServiceProcess[],
    readonly admin: NatsConnection,
  ) {}

  /** `env`: more REGISTRY_ variables, possibly from the started nats-server (e.g. where agents connect). */
  static async start(
    opts: { replicas?: number; env?: (nats: NatsServer) => Promise<Record<string, string>> } = {},
  ): Promise<TrustSystem> {
    const nats = await NatsServer.start();
    const env = (await opts.env?.(nats)) ?? {};
    const registries = await Promise.all(
      Array.from({ length: opts.replicas ?? 1 }, () =>
        startRegistry(nats, { REGISTRY_PORT_RANGE: '21000-21999', REGISTRY_LOG_LEVEL: 'warn', ...env }),
      ),
    );
    const admin = await nats.connect('admin', { maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    return new TrustSystem(nats, registries, admin);
  }

  /** A token as `desk-onvif enrolment issue` prints it. */
  async issue(
    req: { maxUses?: number; hostId?: string; expiresInS?: number } = {},
    timeoutMs?: number,
  ): Promise<string> {
    return (await call(this.admin, Enrolment.issue, req, timeoutMs)).token;
  }

  /** Connects with the token's own credential, as an agent does to enrol. */
  tokenConnection(tokenText: string): Promise<NatsConnection> {
    const token: EnrolmentToken = decodeEnrolmentToken(tokenText);
    return connect({
      servers: token.natsUrls,
      authenticator: credsAuthenticator(new TextEncoder().encode(token.creds)),
      tls: { ca: token.caPem },
      inboxPrefix: enrolmentInboxPrefix(token.id),
      reconnect: false,
      timeout: 5000,
    });
  }

  /** Enrols `identity` with a fresh key (or `publicKey`) as an agent would: the reply, or the error thrown. */
  async enrol(tokenText: string, identity: Identity, publicKey = createUserKey().publicKey) {
    const token = decodeEnrolmentToken(tokenText);
    const nc = await this.tokenConnection(tokenText);
    try {
      return await call(
        nc,
        Enrolment.enrol,
        { tokenId: token.id, secret: token.secret, identity, publicKey },
        10_000,
      );
    } finally {
      await nc.close();
    }
  }

  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** The options to connect with an agent's stored camera credential (its state dir). */
  agentCredential(stateDir: string, cameraId: string) {
    return this.nats.optionsFor(
      readFileSync(join(stateDir, 'nats', 'camera.creds'), 'utf8'),
      `_INBOX_${cameraId}`,
    );
  }

  /** Every key of the buckets with its revision and value, read as the admin: to show nothing changed. */
  async kvSnapshot(): Promise<Record<string, string>> {
    const { Kvm } = await import('@nats-io/kv');
    const out: Record<string, string> = {};
    for (const bucket of Object.values(Buckets)) {
      let kv;
      try {
        kv = await new Kvm(this.admin).open(bucket);
        await kv.status();
      } catch {
        continue; // not created (yet): nothing to compare
      }
      for await (const key of await kv.keys()) {
        const e = await kv.get(key);
        if (e) out[`${bucket}/${key}`] = `${e.revision}:${e.operation}:${e.string()}`;
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    await this.admin.close().catch(() => undefined);
    await Promise.all(this.registries.map((r) => r.stop()));
    await this.nats.dispose();
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}
