import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { CONSOLE_ENTRY, CONSOLE_NODE_FLAGS } from '@desk-onvif/system';
import {
  freePort,
  REPO_ROOT,
  spawnTracked,
  testSitePki,
  waitUntilReady,
  type Spawned,
} from '@desk-onvif/test-support';

const ENTRY = join(REPO_ROOT, CONSOLE_ENTRY);

export interface HttpsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

/**
 * The real console (services/console/dist/main.js) over HTTPS on a free loopback port, with the
 * site PKI's server certificate (requests verify it against the site CA); ready when /healthz
 * answers. `createAdmin(name)` runs its create-admin command and returns the password it printed once.
 */
export class ConsoleProcess {
  private proc: Spawned | undefined;
  private constructor(
    readonly port: number,
    readonly ca: Buffer,
    private readonly env: Record<string, string>,
    private readonly dir: string,
  ) {}

  /** `nats`: a NatsServer or a DeskSystem: what gives the console its NATS variables and credential. */
  static async start(
    nats: { serviceEnv(prefix: string, role: 'console'): Record<string, string> },
    env: Record<string, string> = {},
  ): Promise<ConsoleProcess> {
    // The site CA and server certificate, as make dev and make up generate them.
    const pki = await testSitePki();
    const port = await freePort();
    const c = new ConsoleProcess(
      port,
      readFileSync(pki.caCert),
      {
        PATH: process.env.PATH ?? '',
        ...nats.serviceEnv('CONSOLE_', 'console'),
        CONSOLE_HOST: '127.0.0.1',
        CONSOLE_PORT: String(port),
        CONSOLE_TLS_CERT: pki.serverCert,
        CONSOLE_TLS_KEY: pki.serverKey,
        CONSOLE_LOG_LEVEL: 'warn',
        ...env,
      },
      pki.dir,
    );
    // Started as make dev and the e2e harness start it: with the console's Node flags.
    const proc = spawnTracked(process.execPath, [...CONSOLE_NODE_FLAGS, ENTRY], c.env);
    c.proc = proc;
    await waitUntilReady(
      proc,
      'console /healthz',
      async () => (await c.request('GET', '/healthz')).status === 200,
      // Readiness, not speed: a loaded 2-core machine has taken over 20 s to start a Nest service.
      60_000,
    );
    return c;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  output(): string {
    return this.proc?.output() ?? '';
  }

  /** Runs `main.js <args>` (create-admin, reset-password) to completion. */
  async command(args: string[]): Promise<{ code: number | null; output: string }> {
    const p = spawnTracked(process.execPath, [ENTRY, ...args], this.env);
    const code = await p.exited;
    return { code, output: p.output() };
  }

  async createAdmin(username: string): Promise<string> {
    const r = await this.command(['create-admin', username]);
    const m = /password\s+(\S+)/.exec(r.output);
    if (r.code !== 0 || !m) throw new Error(`create-admin exited ${r.code}: ${r.output}`);
    return m[1]!;
  }

  request(
    method: string,
    path: string,
    opts: { cookie?: string; headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<HttpsReply> {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.url}${path}`,
        {
          method,
          ca: this.ca,
          headers: {
            ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...(opts.cookie ? { Cookie: opts.cookie } : {}),
            ...opts.headers,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: text,
              json: <T>() => JSON.parse(text) as T,
            }),
          );
        },
      );
      req.on('error', reject);
      req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
      req.end(body);
    });
  }

  /** Signs in through the API: the session cookie and the CSRF token. */
  async signIn(username: string, password: string): Promise<{ cookie: string; csrf: string }> {
    const r = await this.request('POST', '/api/login', { body: { username, password } });
    if (r.status !== 200) throw new Error(`login as ${username}: ${r.status} ${r.body}`);
    const set = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
    const cookie = set[0]?.split(';')[0] ?? '';
    return { cookie, csrf: r.json<{ csrf: string }>().csrf };
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    this.proc = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
