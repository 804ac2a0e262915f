import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { parse } from 'yaml';
import {
  REPO_ROOT,
  ServiceProcess,
  freePort,
  spawnTracked,
  waitUntilReady,
  type Spawned,
} from '@desk-onvif/test-support';

/**
 * docker/nats.conf as compose runs it, on a real nats-server: the token from the environment is
 * required, JetStream is on, the monitoring healthcheck compose uses answers, and the registry
 * connects with the variables compose gives it. Only the ports and the store directory differ.
 */
// The form scripts/up.sh writes to .env ('nt' + hex): nats-server reads $NATS_TOKEN as a config
// value, so a bare hex token starting with a digit was refused on about 10 runs in 16.
const token = `nt${randomBytes(32).toString('hex')}`;
let dir: string;
let nats: Spawned;
let port: number;
let httpPort: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'desk-onvif-nats-conf-'));
  // Free ports are only free when asked: a server that lost a race for one is started again.
  for (let attempt = 1; ; attempt++) {
    [port, httpPort] = [await freePort(), await freePort()];
    const conf = readFileSync(join(REPO_ROOT, 'docker', 'nats.conf'), 'utf8')
      .replace(/^port: 4222$/m, `port: ${port}\nhost: 127.0.0.1`)
      .replace(/^http_port: 8222$/m, `http: 127.0.0.1:${httpPort}`)
      .replace('store_dir: /data', `store_dir: ${join(dir, 'js')}`);
    expect(conf).not.toContain('4222');
    writeFileSync(join(dir, 'nats.conf'), conf);
    const server = spawnTracked(
      process.env.NATS_SERVER_BIN ?? 'nats-server',
      ['--config', join(dir, 'nats.conf')],
      { ...process.env, NATS_TOKEN: token },
    );
    nats = server;
    try {
      // compose's healthcheck URL.
      await waitUntilReady(
        server,
        'nats healthz',
        async () => {
          const res = await fetch(`http://127.0.0.1:${httpPort}/healthz?js-enabled-only=true`);
          return res.status === 200;
        },
        30_000,
      );
      return;
    } catch (err) {
      await server.stop();
      if (attempt === 3) throw err;
    }
  }
});

afterAll(async () => {
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('refuses a client without the token and takes one with it', async () => {
  await expect(connect({ servers: `127.0.0.1:${port}`, reconnect: false })).rejects.toThrow(/Authorization/i);
  const nc = await connect({ servers: `127.0.0.1:${port}`, token, reconnect: false });
  await nc.close();
});

/** The registry's environment from docker-compose.yml, with .env's values and this test's server. */
function registryEnv(): Record<string, string> {
  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment: Record<string, string> }>;
  };
  const dotenv: Record<string, string> = { NATS_TOKEN: token };
  const env = Object.entries(compose.services['port-registry']!.environment).map(
    ([k, v]): [string, string] => [
      k,
      v
        .replace(
          /\$\{(\w+)(?::[-?]([^}]*))?\}/g,
          (_m, name: string, fallback?: string) => dotenv[name] ?? fallback ?? '',
        )
        .replace('nats://nats:4222', `nats://127.0.0.1:${port}`),
    ],
  );
  // Its HTTP port becomes a free one.
  return Object.fromEntries(env.filter(([k]) => k !== 'REGISTRY_HTTP_PORT'));
}

it('runs the registry with the environment docker-compose.yml gives it', async () => {
  const env = registryEnv();
  expect(env).toMatchObject({ REGISTRY_NATS_TOKEN: token, REGISTRY_PORT_RANGE: '8090-8110' });
  const registry = await ServiceProcess.start('port-registry', env, 'REGISTRY_HTTP_PORT');
  try {
    expect(await registry.metrics()).toMatch(/^# HELP/m);
    expect(registry.output()).not.toContain(token);
  } finally {
    await registry.stop();
  }
});
