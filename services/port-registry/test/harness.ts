import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import {
  Buckets,
  CameraRecordSchema,
  Registry,
  call,
  type CameraRecord,
  type Identity,
} from '@desk-onvif/contracts';
import { NatsServer, ServiceProcess } from '@desk-onvif/test-support';

/** A real nats-server, N real registry processes and a client connection, for one test file. */
export class RegistryHarness {
  private constructor(
    readonly nats: NatsServer,
    readonly replicas: ServiceProcess[],
    readonly nc: NatsConnection,
  ) {}

  static async start(opts: {
    replicas: number;
    range: string;
    env?: Record<string, string>;
  }): Promise<RegistryHarness> {
    const nats = await NatsServer.start();
    const env = {
      ...nats.serviceEnv('REGISTRY_', 'registry'),
      REGISTRY_PORT_RANGE: opts.range,
      REGISTRY_HTTP_HOST: '127.0.0.1',
      REGISTRY_LOG_LEVEL: 'warn',
      ...opts.env,
    };
    const replicas = await Promise.all(
      Array.from({ length: opts.replicas }, () =>
        ServiceProcess.start('port-registry', env, 'REGISTRY_HTTP_PORT'),
      ),
    );
    const nc = await nats.connect('admin', { maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    return new RegistryHarness(nats, replicas, nc);
  }

  register(identity: Identity, timeoutMs = 10_000) {
    return call(
      this.nc,
      Registry.register,
      { identity, agent: { version: 'test', platform: 'linux' } },
      timeoutMs,
    );
  }

  /** Every record in KV `cameras`, read directly, not through the registry. */
  async records(): Promise<CameraRecord[]> {
    const kv = await new Kvm(this.nc).open(Buckets.cameras);
    const out: CameraRecord[] = [];
    for await (const key of await kv.keys()) {
      const e = await kv.get(key);
      if (e?.operation === 'PUT') out.push(CameraRecordSchema.parse(e.json()));
    }
    return out;
  }

  /** Counts the writes to one camera's record from now on. */
  async countWrites(id: string): Promise<{ count(): number; stop(): void }> {
    const kv = await new Kvm(this.nc).open(Buckets.cameras);
    const iter = await kv.watch({ key: id, include: 'updates' });
    let n = 0;
    void (async () => {
      for await (const _ of iter) n++;
    })();
    return { count: () => n, stop: () => iter.stop() };
  }

  /** Raw bytes to a subject, for the bad-input tests. */
  async raw(
    subject: string,
    payload: Uint8Array,
  ): Promise<{ ok: boolean; error?: { code: string; message: string } }> {
    const reply = await this.nc.request(subject, payload, { timeout: 5000 });
    return reply.json();
  }

  async dispose(): Promise<void> {
    await this.nc.close().catch(() => undefined);
    await Promise.all(this.replicas.map((r) => r.stop()));
    await this.nats.dispose();
  }
}

export function identities(n: number, prefix = 'host'): Identity[] {
  return Array.from({ length: n }, (_, i) =>
    i % 2 === 0
      ? { hostId: `${prefix}-${i}`, hostName: `PC-${i}`, mode: 'shared' as const }
      : {
          hostId: `${prefix}-${i}`,
          hostName: `PC-${i}`,
          mode: 'per-user' as const,
          userId: `S-1-5-21-${i}`,
          userName: `user${i}`,
        },
  );
}
