import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsServer } from './nats-server.js';
import type { NetNamespace } from './netns.js';
import { freePort } from './ports.js';
import { spawnTracked, waitUntilReady, type Spawned } from './processes.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * A built desk-onvif service as a real process (node services/<name>/dist/main.js), ready when its
 * /healthz answers 200. Tests run `make build` first (make test does).
 */
export class ServiceProcess {
  private proc: Spawned | undefined;
  private constructor(
    readonly name: string,
    readonly httpPort: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly netns: NetNamespace | undefined,
  ) {}

  static entry(name: string): string {
    const entry = join(REPO_ROOT, 'services', name, 'dist', 'main.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run 'make build' first`);
    return entry;
  }

  /**
   * `env` holds the service's own variables; `httpPortVar` names the one for its HTTP port. With
   * `netns` it runs inside that namespace (its HTTP host variable must allow the veth address, as
   * the default 0.0.0.0 does) and is reached on the namespace's address. `port` fixes the HTTP
   * port, for a peer that must know it before the service starts (MediaMTX's auth hook).
   */
  static async start(
    name: string,
    env: Record<string, string>,
    httpPortVar: string,
    opts: { netns?: NetNamespace; port?: number } = {},
  ): Promise<ServiceProcess> {
    // A fresh namespace has no other listeners: a port free on the host is free in there too.
    const port = opts.port ?? (await freePort());
    const svc = new ServiceProcess(
      name,
      port,
      { PATH: process.env.PATH, ...env, [httpPortVar]: String(port) },
      opts.netns,
    );
    await svc.launch();
    return svc;
  }

  get baseUrl(): string {
    return `http://${this.netns?.address ?? '127.0.0.1'}:${this.httpPort}`;
  }

  output(): string {
    return this.proc?.output() ?? '';
  }

  /** The process id, e.g. to read its memory from /proc. */
  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  private async launch(): Promise<void> {
    const argv: [string, string[]] = [process.execPath, [ServiceProcess.entry(this.name)]];
    const [command, args] = this.netns ? this.netns.wrap(...argv) : argv;
    const proc = spawnTracked(command, args, this.env);
    this.proc = proc;
    await waitUntilReady(
      proc,
      `${this.name} /healthz`,
      async () => {
        const res = await fetch(`${this.baseUrl}/healthz`);
        return res.status === 200;
      },
      // Bounded, and ended at once when the process exits: a TLS connection to NATS and a few
      // KV buckets can take tens of seconds on a loaded 2-core machine.
      60_000,
    );
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    this.proc = undefined;
  }

  /** Stopped, then started again; `meanwhile` runs while it is down. */
  async restart(meanwhile?: () => Promise<void>): Promise<void> {
    await this.stop();
    await meanwhile?.();
    await this.launch();
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.baseUrl}/metrics`)).text();
  }
}

/**
 * The real port-registry on a nats-server with its own credential, its HTTP on loopback, ready
 * when /healthz answers. `env` adds or overrides REGISTRY_ variables (a port range of the test's
 * own, a log level…).
 */
export function startRegistry(nats: NatsServer, env: Record<string, string> = {}): Promise<ServiceProcess> {
  return ServiceProcess.start(
    'port-registry',
    {
      ...nats.serviceEnv('REGISTRY_', 'registry'),
      REGISTRY_HTTP_HOST: '127.0.0.1',
      REGISTRY_PORT_RANGE: '20000-20999',
      ...env,
    },
    'REGISTRY_HTTP_PORT',
  );
}

/**
 * The real onvif service on a nats-server with its own credential: a fresh users key, SOAP
 * listeners and the advertised host on loopback, warnings and errors logged. `env` adds or
 * overrides ONVIF_ variables (workers, a log level, timeouts…) and anything else the process
 * should see (NODE_OPTIONS for a profiler).
 */
export function startOnvif(nats: NatsServer, env: Record<string, string> = {}): Promise<ServiceProcess> {
  return ServiceProcess.start(
    'onvif',
    {
      ...nats.serviceEnv('ONVIF_', 'onvif'),
      ONVIF_USERS_KEY: randomBytes(32).toString('base64'),
      ONVIF_LISTEN_HOST: '127.0.0.1',
      ONVIF_PUBLIC_HOST: '127.0.0.1',
      ONVIF_LOG_LEVEL: 'warn',
      ...env,
    },
    'ONVIF_HTTP_PORT',
  );
}

/** Runs a service's entry with the given env to completion: for config-error tests. */
export async function runToExit(
  name: string,
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<{ code: number | null; output: string }> {
  const proc = spawnTracked(process.execPath, [ServiceProcess.entry(name)], {
    PATH: process.env.PATH,
    ...env,
  });
  const timer = setTimeout(() => void proc.stop(), timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, output: proc.output() };
}
