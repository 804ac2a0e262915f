import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { decodeEnrolmentToken } from '@desk-onvif/contracts';
import {
  ServiceProcess,
  freePort,
  spawnTracked,
  waitUntilReady,
  type Spawned,
} from '@desk-onvif/test-support';
import {
  composeServices,
  entrypointArgs,
  interpolate,
  mountsOf,
  runNode,
  runTrustInit,
  type ComposeService,
} from './compose.env.js';

/**
 * docker-compose.yml's trust, run for real without Docker: trust-init's command (the admin CLI, as
 * the image's entrypoint runs it), nats-server on the nats.conf it renders (Debian's 2.9.10 here,
 * 2.10 in compose), then the registry, the onvif service and the admin CLI with the environment and
 * the file mounts compose gives them. Only ports and the host side of each mount differ.
 */
const services = composeServices();
const vars = {
  PUBLIC_HOST: '127.0.0.1',
  ONVIF_USERS_KEY: randomBytes(32).toString('base64'),
  MEDIA_AUTH_SECRET: randomBytes(32).toString('hex'),
};
const isRoot = process.getuid?.() === 0;
let project: string;
let nats: Spawned;
let natsPort: number;
let httpPort: number;

/** A service's environment as compose gives it, its paths as this machine has them. */
function envOf(name: string, svc: ComposeService = services[name]!): Record<string, string> {
  const { hostPath } = mountsOf(svc, project);
  return Object.fromEntries(
    Object.entries(svc.environment ?? {}).map(([k, v]) => {
      const value = hostPath(interpolate(v, vars));
      // Where the service connects (not what it hands agents: REGISTRY_ENROL_NATS_URLS).
      return [k, k.endsWith('_NATS_URL') ? `nats://127.0.0.1:${natsPort}` : value];
    }),
  );
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'desk-onvif-compose-trust-'));
  // make up: `mkdir -p trust; chmod 700 trust`, then `docker compose run --rm trust-init`.
  const res = await runTrustInit(project, vars);
  expect({ code: res.code, stderr: res.stderr }).toMatchObject({ code: 0 });

  // nats.conf with the container's paths, mapped to this machine's; its ports made free ones.
  for (let attempt = 1; ; attempt++) {
    [natsPort, httpPort] = [await freePort(), await freePort()];
    const natsMounts = mountsOf(services.nats!, project);
    const rendered = readFileSync(natsMounts.hostPath('/etc/nats/nats.conf'), 'utf8');
    expect(rendered).toContain('listen: "0.0.0.0:4222"');
    expect(rendered).toContain('http: "127.0.0.1:8222"');
    const conf = rendered
      .replace('listen: "0.0.0.0:4222"', `listen: "127.0.0.1:${natsPort}"`)
      .replace('http: "127.0.0.1:8222"', `http: "127.0.0.1:${httpPort}"`)
      .replace(/"(\/(?:etc|data)\/[^"]*)"/g, (_m, path: string) => JSON.stringify(natsMounts.hostPath(path)));
    expect(conf).not.toMatch(/"\/(etc|data)\//);
    mkdirSync(join(project, 'volumes', 'nats-data'), { recursive: true });
    writeFileSync(join(project, 'nats.conf'), conf);
    const server = spawnTracked(process.env.NATS_SERVER_BIN ?? 'nats-server', [
      '-c',
      join(project, 'nats.conf'),
    ]);
    nats = server;
    try {
      // compose's healthcheck URL.
      await waitUntilReady(
        server,
        'nats healthz',
        async () => (await fetch(`http://127.0.0.1:${httpPort}/healthz?js-enabled-only=true`)).status === 200,
        30_000,
      );
      return;
    } catch (err) {
      await server.stop();
      if (attempt === 3) throw err;
    }
  }
}, 90_000);

afterAll(async () => {
  await nats?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
});

it('trust-init keeps every key private and hands the files to the services user', () => {
  const trust = join(project, 'trust');
  for (const secret of [
    'pki/ca.key',
    'pki/server.key',
    'nats/creds/registry.creds',
    'nats/creds/admin.creds',
  ])
    expect({ secret, mode: statSync(join(trust, secret)).mode & 0o777 }).toEqual({ secret, mode: 0o600 });
  if (isRoot) expect(statSync(join(trust, 'nats', 'creds', 'onvif.creds')).uid).toBe(1000);
  else console.warn('compose-trust: not root, so --owner 1000:1000 (a chown) is left out here');
});

it('speaks TLS only, with the site certificate; refuses a client without a credential', async () => {
  // What any client reads first: the server requires TLS before anything else.
  const info = await new Promise<string>((resolve, reject) => {
    const socket = createConnection(natsPort, '127.0.0.1');
    socket.once('data', (b) => (socket.destroy(), resolve(b.toString())));
    socket.once('error', reject);
  });
  expect(JSON.parse(info.replace(/^INFO /, ''))).toMatchObject({ tls_required: true });
  const ca = mountsOf(services['port-registry']!, project).hostPath('/run/desk-onvif/ca.crt');
  await expect(
    connect({ servers: `127.0.0.1:${natsPort}`, reconnect: false, tls: { caFile: ca } }),
  ).rejects.toThrow(/Authorization|authentication/i);
  // A client that does not hold the site CA does not trust the server (nor would an agent an impostor).
  const creds = readFileSync(join(project, 'trust', 'nats', 'creds', 'admin.creds'));
  await expect(
    connect({ servers: `127.0.0.1:${natsPort}`, reconnect: false, authenticator: credsAuthenticator(creds) }),
  ).rejects.toThrow(/certificate/);
  const admin = await connect({
    servers: `127.0.0.1:${natsPort}`,
    reconnect: false,
    authenticator: credsAuthenticator(creds),
    tls: { caFile: ca },
  });
  await admin.close();
});

it('runs the registry, onvif and the console with what compose gives them; the admin CLI issues a token for the agents', async () => {
  const registryEnv = envOf('port-registry');
  expect(registryEnv).toMatchObject({ REGISTRY_PORT_RANGE: '8090-8110' });
  delete registryEnv.REGISTRY_HTTP_PORT;
  const registry = await ServiceProcess.start('port-registry', registryEnv, 'REGISTRY_HTTP_PORT');
  const onvifEnv = envOf('onvif');
  delete onvifEnv.ONVIF_HTTP_PORT;
  const onvif = await ServiceProcess.start(
    'onvif',
    { ...onvifEnv, ONVIF_LISTEN_HOST: '127.0.0.1', ONVIF_WORKERS: '1' },
    'ONVIF_HTTP_PORT',
  );
  try {
    expect(await registry.metrics()).toMatch(/^# HELP/m);
    expect(await onvif.metrics()).toMatch(/^# HELP/m);

    // `docker compose run --rm cli enrolment issue --host-id lab-pc-1`.
    const cli = services.cli!;
    const issued = await runNode(
      entrypointArgs(cli, ['enrolment', 'issue', '--host-id', 'lab-pc-1']),
      envOf('cli'),
    );
    expect({ code: issued.code, stderr: issued.stderr }).toMatchObject({ code: 0 });
    const token = decodeEnrolmentToken(issued.stdout);
    // Agents connect to the published port on PUBLIC_HOST, and pin the site CA.
    expect(token.natsUrls).toEqual(['nats://127.0.0.1:4222']);
    const ca = readFileSync(join(project, 'trust', 'pki', 'ca.crt'), 'utf8');
    expect(token.caPem.trim()).toBe(ca.trim());
    // The CA's fingerprint (SHA-256 of its DER), which the agent checks before trusting it.
    expect(token.caSha256).toBe(new X509Certificate(ca).fingerprint256.replaceAll(':', '').toLowerCase());

    // The console as compose runs it: HTTPS with the site certificate, its own credential; then
    // make up's `docker compose run --rm --no-deps console console create-admin admin --if-no-admin`.
    const consoleEnv = {
      ...envOf('console'),
      CONSOLE_PORT: String(await freePort()),
      CONSOLE_HOST: '127.0.0.1',
    };
    const konsole = spawnTracked(process.execPath, entrypointArgs(services.console!), {
      PATH: process.env.PATH ?? '',
      ...consoleEnv,
    });
    try {
      await waitUntilReady(
        konsole,
        'console /healthz over HTTPS, checked against the site CA',
        () =>
          new Promise<boolean>((resolve) =>
            httpsGet(
              { host: 'localhost', port: Number(consoleEnv.CONSOLE_PORT), path: '/healthz', ca },
              (r) => (r.resume(), resolve(r.statusCode === 200)),
            ).on('error', () => resolve(false)),
          ),
        60_000,
      );
      const admin = await runNode(
        entrypointArgs(services.console!, ['console', 'create-admin', 'admin', '--if-no-admin']),
        consoleEnv,
      );
      expect(admin).toMatchObject({ code: 0 });
      expect(admin.stdout).toMatch(/password\s+\S{12,}/);
      const again = await runNode(
        entrypointArgs(services.console!, ['console', 'create-admin', 'admin', '--if-no-admin']),
        consoleEnv,
      );
      expect(again.stdout).toContain('an administrator exists already');
    } finally {
      await konsole.stop();
    }

    for (const svc of [registry, onvif]) {
      expect(svc.output()).not.toContain(token.secret);
      expect(svc.output()).not.toContain(vars.ONVIF_USERS_KEY);
    }
  } finally {
    await onvif.stop();
    await registry.stop();
  }
});
