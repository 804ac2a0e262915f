import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Registry, call, type CameraRecord } from '@desk-onvif/contracts';
import {
  NatsServer,
  NetNamespace,
  publishHeartbeat,
  captureXml,
  ServiceProcess,
  spawnTracked,
  waitFor,
  type Spawned,
  startRegistry,
} from '@desk-onvif/test-support';
import type { NatsConnection } from '@nats-io/transport-node';

const exec = promisify(execFile);
const CLIENT = join(dirname(fileURLToPath(import.meta.url)), 'clients', 'ws-client.mjs');

export interface LabOptions {
  discoveryEnv?: Record<string, string>;
  heartbeatTimeoutMs?: number;
  portRange?: string;
}

/**
 * Everything the discovery tests need, real: a network namespace of their own (multicast stays in
 * it), nats-server and the port registry outside on the veth's host address, the discovery
 * service inside listening on 127.0.0.1, and WS-Discovery clients run inside as processes.
 */
export class DiscoveryLab {
  private constructor(
    readonly ns: NetNamespace,
    readonly nats: NatsServer,
    readonly registry: ServiceProcess,
    readonly discovery: ServiceProcess,
    readonly nc: NatsConnection,
  ) {}

  /** undefined (with the reason printed) when no network namespace can be made here. */
  static async start(purpose: string, opts: LabOptions = {}): Promise<DiscoveryLab | undefined> {
    const ns = await NetNamespace.tryCreate(purpose);
    if (!ns) return undefined;
    const started: Array<{ stop(): Promise<void> }> = [];
    try {
      const nats = await NatsServer.start({ host: ns.hostAddress });
      started.push({ stop: () => nats.dispose() });
      const registry = await startRegistry(nats, {
        REGISTRY_PORT_RANGE: opts.portRange ?? '20000-20999',
        REGISTRY_HEARTBEAT_TIMEOUT_MS: String(opts.heartbeatTimeoutMs ?? 3_600_000),
      });
      started.push(registry);
      const discovery = await ServiceProcess.start(
        'discovery',
        {
          ...nats.serviceEnv('DISCOVERY_', 'discovery'),
          DISCOVERY_INTERFACES: '127.0.0.1',
          DISCOVERY_LOG_LEVEL: 'warn',
          ...opts.discoveryEnv,
        },
        'DISCOVERY_HTTP_PORT',
        { netns: ns },
      );
      started.push(discovery);
      const nc = await nats.connect();
      return new DiscoveryLab(ns, nats, registry, discovery, nc);
    } catch (err) {
      // Nothing left behind: processes stopped, the namespace deleted.
      for (const s of started.reverse()) await s.stop().catch(() => undefined);
      await ns.dispose();
      throw err;
    }
  }

  async register(hostName: string): Promise<CameraRecord> {
    const reply = await call(this.nc, Registry.register, {
      identity: { hostId: randomUUID(), hostName, mode: 'shared' },
    });
    return reply.camera;
  }

  heartbeat(id: string): void {
    publishHeartbeat(this.nc, id, { bitrateKbps: 4000, uptimeS: 1 });
  }

  /** Heartbeats until the returned function is called. */
  keepAlive(ids: () => string[], everyMs = 300): () => void {
    const timer = setInterval(() => ids().forEach((id) => this.heartbeat(id)), everyMs);
    return () => clearInterval(timer);
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await this.discovery.metrics();
    let sum = 0;
    for (const line of text.split('\n')) {
      const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const ok = Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`));
      if (ok) sum += Number(m[3]);
    }
    return sum;
  }

  waitMetric(name: string, labels: Record<string, string>, ok: (v: number) => boolean, timeoutMs = 15_000) {
    return waitFor(
      `${name}${JSON.stringify(labels)}`,
      async () => ok(await this.metric(name, labels)),
      timeoutMs,
    );
  }

  /** Runs the WS-Discovery client inside the namespace to completion; its stdout. */
  async client(args: string[]): Promise<string> {
    const [cmd, argv] = this.ns.wrap(process.execPath, [CLIENT, ...args]);
    return (await exec(cmd, argv, { maxBuffer: 64 * 1024 * 1024 })).stdout;
  }

  /** A long-running client (listen, fuzz) inside the namespace. */
  spawnClient(args: string[], stdin: 'pipe' | 'ignore' = 'ignore'): Spawned {
    const [cmd, argv] = this.ns.wrap(process.execPath, [CLIENT, ...args]);
    return spawnTracked(cmd, argv, process.env, undefined, { stdin });
  }

  async stop(): Promise<void> {
    await this.nc.close().catch(() => undefined);
    await this.discovery.stop();
    await this.registry.stop();
    await this.nats.dispose();
    await this.ns.dispose();
  }
}

export interface Reply {
  from: string;
  soap: '1.1' | '1.2';
  action?: string;
  relatesTo?: string;
  urn?: string;
  xaddrs?: string[];
  scopes?: string[];
  types?: string[];
  metadataVersion?: number;
  at?: number;
  error?: string;
  /** The datagram as received. */
  xml?: string;
}

/** How many replies of each call are kept for the end-of-run schema validation. */
const CAPTURED_PER_CALL = 3;

/** Sends datagrams to the group from inside the namespace and collects every reply for `timeoutMs`. */
export async function sendAndCollect(
  lab: DiscoveryLab,
  datagrams: Array<string | Buffer>,
  opts: { timeoutMs?: number; bind?: string } = {},
): Promise<Reply[]> {
  const encoded = datagrams.map((d) => Buffer.from(d).toString('base64'));
  const out = await lab.client([
    'send',
    String(opts.timeoutMs ?? 1200),
    opts.bind ?? '127.0.0.1',
    ...encoded,
  ]);
  const replies = (JSON.parse(out) as { replies: Reply[] }).replies;
  // What the running service really sent, validated once at the end of the run (SOAP 1.2 only:
  // the validator knows no SOAP 1.1 envelope).
  replies
    .filter((r) => r.soap === '1.2' && r.xml)
    .slice(0, CAPTURED_PER_CALL)
    .forEach((r) => captureXml(`discovery-${r.action?.split('/').pop() ?? 'reply'}`, r.xml!));
  return replies;
}
