import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, run } from '@desk-onvif/test-support';

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
  const docker = join(dir, 'bin', 'docker');
  writeFileSync(docker, `#!/bin/sh\necho "$@" >> "${join(dir, 'docker-calls')}"\n`);
  chmodSync(docker, 0o755);
});

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
  expect(env.NATS_TOKEN).toMatch(/^[0-9a-f]{64}$/);
  expect(env.ONVIF_USERS_KEY).toMatch(/^[0-9a-f]{64}$/);
  expect(env.NATS_TOKEN).not.toBe(env.ONVIF_USERS_KEY);
  expect(env.PUBLIC_HOST).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(readFileSync(join(dir, 'docker-calls'), 'utf8')).toBe('compose --env-file .env up -d --build\n');
  const out = res.stdout.toString();
  expect(out).toContain(`http://${env.PUBLIC_HOST}:<port>/onvif/device_service`);
  expect(out).toContain(`rtsp://${env.PUBLIC_HOST}:8554/desk/<camera id>/main`);
  expect(out).toContain('8090-8110');
  expect(out + res.stderr).not.toContain(env.NATS_TOKEN);
  expect(out + res.stderr).not.toContain(env.ONVIF_USERS_KEY);
});

it('keeps an existing .env as it is, and prints from it', async () => {
  writeFileSync(join(dir, '.env'), 'PUBLIC_HOST=10.9.8.7\nRTSP_PORT=554\nNATS_TOKEN=mine\n');
  const res = await up();
  expect(res.code).toBe(0);
  expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(
    'PUBLIC_HOST=10.9.8.7\nRTSP_PORT=554\nNATS_TOKEN=mine\n',
  );
  expect(res.stdout.toString()).toContain('rtsp://10.9.8.7:554/desk/');
});

it('says what is missing when there is no docker', async () => {
  const res = await up('/usr/bin:/bin');
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/needs Docker/);
});

it('makes different secrets each time', async () => {
  await up();
  const first = envOf(readFileSync(join(dir, '.env'), 'utf8'));
  rmSync(join(dir, '.env'));
  await up();
  expect(envOf(readFileSync(join(dir, '.env'), 'utf8')).NATS_TOKEN).not.toBe(first.NATS_TOKEN);
});
