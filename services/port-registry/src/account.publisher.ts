import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { accountJwt, accountSpecOf } from '@desk-onvif/nats-auth';
import { DeskOnvifError } from '@desk-onvif/contracts';
import type { TrustMaterial } from './trust.material.js';

/**
 * Pushes the application account's JWT, re-signed with the current revocations, to nats-server
 * as a claims update through the system account (`$SYS.REQ.ACCOUNT.<id>.CLAIMS.UPDATE`): the
 * server closes the revoked users' connections at once and refuses them from then on, and its
 * `full` resolver keeps the new JWT across restarts. Updates are serialised, each carrying the
 * whole list, so the last one pushed is always complete.
 */
export class AccountPublisher {
  private nc: Promise<NatsConnection> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly trust: TrustMaterial,
    private readonly servers: string[],
    private readonly caFile: string | undefined,
  ) {}

  push(revocations: Record<string, number>): Promise<void> {
    const run = this.queue.then(() => this.pushNow(revocations));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async pushNow(revocations: Record<string, number>): Promise<void> {
    const base = accountSpecOf(this.trust.accountJwt);
    const jwt = await accountJwt({ ...base, revocations }, this.trust.operatorSigning);
    const nc = await this.connection();
    const reply = await nc.request(`$SYS.REQ.ACCOUNT.${base.account}.CLAIMS.UPDATE`, jwt, { timeout: 5000 });
    const body = reply.json<{
      data?: { code?: number; message?: string };
      error?: { code?: number; description?: string };
    }>();
    if (body.error || (body.data?.code ?? 200) >= 300)
      throw new DeskOnvifError(
        'UNAVAILABLE',
        `nats-server refused the account update: ${body.error?.description ?? body.data?.message ?? 'unknown'}`,
      );
  }

  private connection(): Promise<NatsConnection> {
    this.nc ??= connect({
      servers: this.servers,
      name: 'port-registry-claims',
      authenticator: credsAuthenticator(new TextEncoder().encode(this.trust.systemCreds)),
      ...(this.caFile ? { tls: { caFile: this.caFile } } : {}),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: true,
    });
    return this.nc;
  }

  async close(): Promise<void> {
    const nc = await this.nc?.catch(() => undefined);
    await nc?.close();
  }
}
