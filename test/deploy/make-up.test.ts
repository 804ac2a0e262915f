import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@desk-onvif/service-kit';
import { REPO_ROOT, run } from '@desk-onvif/test-support';
import { composeServices, interpolate, mountsOf, runTrustInit } from './compose.env.js';

/**
 * `make up` (scripts/up.sh) run for real in a scratch copy, with a stand-in `docker` on PATH that
 * records how it was called: no Docker engine answers on the build machines.
 */
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'desk-onvif-up-'));
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(REPO_ROOT, 'scripts', 'up.sh'), join(dir, 'scripts', 'up.sh'));
  chmodSync(join(dir, 'scripts', 'up.sh'), 0o755);
  fakeDocker('');
});

/**
 * The stand-in docker: records every call but the checks (`info`, `compose version`), which
 * answer unless `failing` names them.
 */
function fakeDocker(failing: string): void {
  const docker = join(dir, 'bin', 'docker');
  writeFileSync(
    docker,
    [
      '#!/bin/sh',
      `case "$*" in`,
      `  info*) [ "${failing}" = info ] && { echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2; exit 1; }; echo 27.1; exit 0 ;;`,
      `  "compose version") [ "${failing}" = compose ] && { echo "unknown command: docker compose" >&2; exit 1; }; exit 0 ;;`,
      'esac',
      `echo "$@" >> "${join(dir, 'docker-calls')}"`,
      '',
    ].join('\n'),
  );
  chmodSync(docker, 0o755);
}

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function up(path = `${join(dir, 'bin')}:/usr/bin:/bin`) {
  return run('/usr/bin/env', [`PATH=${path}`, 'bash', join(dir, 'scripts', 'up.sh')]);
}

function envOf(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

it('writes a private .env with fresh random secrets, starts compose, prints where cameras appear', async () => {
  const res = await up();
  expect(res.code).toBe(0);
  const envFile = join(dir, '.env');
  expect(statSync(envFile).mode & 0o777).toBe(0o600);
  const env = envOf(readFileSync(envFile, 'utf8'));
  // No shared NATS token any more: every client has its own credential from ./trust.
  expect(env.NATS_TOKEN).toBeUndefined();
  expect(Buffer.from(env.ONVIF_USERS_KEY!, 'base64').length).toBe(32);
  expect(env.ONVIF_USERS_KEY).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  expect(env.MEDIA_AUTH_SECRET).toMatch(/^[0-9a-f]{64}$/);
  expect(env.PUBLIC_HOST).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  // The trust files exist before any container that mounts one is created: build, trust-init, up.
  expect(readFileSync(join(dir, 'docker-calls'), 'utf8')).toBe(
    [
      'compose --env-file .env build',
      'compose --env-file .env run --rm trust-init',
      'compose --env-file .env up -d',
      'compose --env-file .env run --rm --no-deps console console create-admin admin --if-no-admin',
      '',
    ].join('\n'),
  );
  expect(statSync(join(dir, 'trust')).mode & 0o777).toBe(0o700);
  const out = res.stdout.toString();
  expect(out).toContain(`http://${env.PUBLIC_HOST}:<port>/onvif/device_service`);
  expect(out).toContain(`rtsp://${env.PUBLIC_HOST}:8554/desk/<camera id>/main`);
  expect(out).toContain('8090-8110');
  expect(out).toContain('docker compose run --rm cli enrolment issue');
  expect(out + res.stderr).not.toContain(env.ONVIF_USERS_KEY);
  expect(out + res.stderr).not.toContain(env.MEDIA_AUTH_SECRET);
});

it('keeps an existing .env as it is (adding only a missing auth-hook secret), and prints from it', async () => {
  writeFileSync(join(dir, '.env'), 'PUBLIC_HOST=10.9.8.7\nRTSP_PORT=554\nNATS_TOKEN=mine\n');
  const res = await up();
  expect(res.code).toBe(0);
  const text = readFileSync(join(dir, '.env'), 'utf8');
  expect(text.startsWith('PUBLIC_HOST=10.9.8.7\nRTSP_PORT=554\nNATS_TOKEN=mine\n')).toBe(true);
  const secret = envOf(text).MEDIA_AUTH_SECRET ?? '';
  expect(secret).toMatch(/^[0-9a-f]{64}$/);
  expect(res.stdout.toString() + res.stderr.toString()).not.toContain(secret);
  expect(res.stdout.toString()).toContain('rtsp://10.9.8.7:554/desk/');

  // A second run changes nothing more.
  await up();
  expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(text);
});

it('says what is missing when there is no docker', async () => {
  const res = await up('/usr/bin:/bin');
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/needs Docker with the compose plugin: no docker command here/);
  expect(res.stderr).toContain('apt-get install docker.io docker-compose-plugin');
  expect(existsSync(join(dir, '.env'))).toBe(false);
});

it('says so when no Docker engine answers, before writing anything', async () => {
  fakeDocker('info');
  const res = await up();
  expect(res.code).toBe(1);
  expect(res.stderr).toContain('no Docker engine answers: Cannot connect to the Docker daemon');
  expect(existsSync(join(dir, '.env'))).toBe(false);
  expect(existsSync(join(dir, 'docker-calls'))).toBe(false);
});

it('says so when the compose plugin is missing (instead of failing on --env-file), before writing anything', async () => {
  fakeDocker('compose');
  const res = await up();
  expect(res.code).toBe(1);
  expect(res.stderr).toContain('its compose plugin is missing');
  expect(res.stderr).toContain('apt-get install docker-compose-plugin');
  expect(existsSync(join(dir, '.env'))).toBe(false);
});

it('--check: only the checks', async () => {
  const res = await run('/usr/bin/env', [
    `PATH=${join(dir, 'bin')}:/usr/bin:/bin`,
    'bash',
    join(dir, 'scripts', 'up.sh'),
    '--check',
  ]);
  expect(res.code).toBe(0);
  expect(existsSync(join(dir, '.env'))).toBe(false);
});

it('UP_ENV_FILE: the settings go to that file, .env is not touched (make test-compose)', async () => {
  const other = join(dir, 'elsewhere.env');
  const res = await run('/usr/bin/env', [
    `PATH=${join(dir, 'bin')}:/usr/bin:/bin`,
    `UP_ENV_FILE=${other}`,
    'bash',
    join(dir, 'scripts', 'up.sh'),
  ]);
  expect(res.code).toBe(0);
  expect(existsSync(join(dir, '.env'))).toBe(false);
  expect(statSync(other).mode & 0o777).toBe(0o600);
  expect(envOf(readFileSync(other, 'utf8')).MEDIA_AUTH_SECRET).toMatch(/^[0-9a-f]{64}$/);
  expect(readFileSync(join(dir, 'docker-calls'), 'utf8').split('\n').filter(Boolean)).toEqual([
    `compose --env-file ${other} build`,
    `compose --env-file ${other} run --rm trust-init`,
    `compose --env-file ${other} up -d`,
    `compose --env-file ${other} run --rm --no-deps console console create-admin admin --if-no-admin`,
  ]);
});

it('makes different secrets each time', async () => {
  await up();
  const first = envOf(readFileSync(join(dir, '.env'), 'utf8'));
  rmSync(join(dir, '.env'));
  await up();
  const second = envOf(readFileSync(join(dir, '.env'), 'utf8'));
  expect(second.ONVIF_USERS_KEY).not.toBe(first.ONVIF_USERS_KEY);
  expect(second.MEDIA_AUTH_SECRET).not.toBe(first.MEDIA_AUTH_SECRET);
});

it('writes a .env that gives every Node service a configuration it accepts', async () => {
  expect((await up()).code).toBe(0);
  const vars = envOf(readFileSync(join(dir, '.env'), 'utf8'));
  expect((await runTrustInit(dir, vars)).code).toBe(0);
  const checked: string[] = [];
  for (const svc of Object.values(composeServices())) {
    const name = svc.command?.[0];
    const configFile = join(REPO_ROOT, 'services', name ?? '-', 'src', 'config.ts');
    if (!name || !existsSync(configFile)) continue;
    const mod = (await import(`../../services/${name}/src/config.js`)) as Record<string, unknown>;
    const shape = Object.entries(mod).find(([k]) => k.endsWith('ConfigShape'))?.[1] as Parameters<
      typeof loadConfig
    >[1];
    // Its files (credentials, the CA) as compose mounts them from ./trust.
    const { hostPath } = mountsOf(svc, dir);
    const env = Object.fromEntries(
      Object.entries(svc.environment ?? {}).map(([k, v]) => [k, hostPath(interpolate(v, vars))]),
    );
    const prefix = `${Object.keys(env)[0]!.split('_')[0]!}_`;
    expect(() => loadConfig(prefix, shape, env)).not.toThrow();
    checked.push(name);
  }
  expect(checked.sort()).toEqual(['console', 'discovery', 'onvif', 'port-registry']);
});
