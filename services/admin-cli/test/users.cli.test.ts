import type { CameraRecord } from '@desk-onvif/contracts';
import { envelope, keep, op, OnvifRig, postSoap, type Credentials } from '../../onvif/test/onvif.rig.js';
import { runCli } from './cli.process.js';

/**
 * `desk-onvif users …` against the real onvif service (its `onvif.users.*` requests), registry and
 * nats-server: every change is seen by an ONVIF client at once; a password comes from stdin or is
 * generated and printed once, alone on stdout; exit codes scripts can rely on.
 */
const admin: Credentials = { username: 'admin', password: 'admin-password-1' };
let rig: OnvifRig;
let camera: CameraRecord;
let nvrPassword = '';

beforeAll(async () => {
  rig = await OnvifRig.start();
  camera = await rig.camera('users-cli-pc');
}, 60_000);

afterAll(async () => {
  await rig?.dispose();
});

const cli = (args: string[], stdin?: string) => runCli(rig.nats, args, stdin === undefined ? {} : { stdin });

/** GetDeviceInformation as `creds`: 200 signed in, 400 refused. */
async function signIn(creds: Credentials): Promise<number> {
  const r = await postSoap(camera.onvifPort, envelope(op('tds', 'GetDeviceInformation'), { creds }));
  if (r.status === 200) keep('users-cli GetDeviceInformation', r.body);
  return r.status;
}

test('add: a generated password alone on stdout, once; it signs in over ONVIF', async () => {
  // The camera by its name, as an administrator types it.
  const r = await cli(['users', 'add', camera.name, 'nvr', '--level', 'Operator']);
  expect(r).toMatchObject({ code: 0 });
  expect(r.stderr).toContain('ONVIF user nvr added as Operator');
  const password = r.stdout.trim();
  nvrPassword = password;
  expect(r.stdout).toMatch(/^[A-Za-z0-9_-]{24}\n$/);
  expect(await signIn({ username: 'nvr', password })).toBe(200);
  const listed = await cli(['--json', 'users', 'list', camera.id]);
  expect(JSON.parse(listed.stdout)).toEqual([
    { username: 'admin', level: 'Administrator' },
    { username: 'nvr', level: 'Operator' },
  ]);
  expect(listed.stdout).not.toContain(password);
});

test('--password-stdin: the password from standard input, never echoed back', async () => {
  const r = await cli(['users', 'add', camera.id, 'viewer', '--password-stdin'], 'viewer-password-1\n');
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('');
  expect(await signIn({ username: 'viewer', password: 'viewer-password-1' })).toBe(200);
  const reset = await cli(
    ['users', 'reset-password', camera.id, 'viewer', '--password-stdin'],
    'viewer-password-2',
  );
  expect(reset).toMatchObject({ code: 0, stdout: '' });
  expect(await signIn({ username: 'viewer', password: 'viewer-password-1' })).toBe(400);
  expect(await signIn({ username: 'viewer', password: 'viewer-password-2' })).toBe(200);
});

test('reset-password without stdin generates one; set-level changes the level and keeps it', async () => {
  const reset = await cli(['--json', 'users', 'reset-password', camera.id, 'viewer']);
  expect(reset.code).toBe(0);
  const { user, password } = JSON.parse(reset.stdout) as { user: unknown; password: string };
  expect(user).toEqual({ username: 'viewer', level: 'User' });
  expect(await signIn({ username: 'viewer', password: 'viewer-password-2' })).toBe(400);
  expect(await signIn({ username: 'viewer', password })).toBe(200);
  expect((await cli(['users', 'set-level', camera.id, 'viewer', 'Operator'])).code).toBe(0);
  const listed = await cli(['users', 'list', camera.id]);
  expect(listed.stdout).toMatch(/^viewer\s+Operator$/m);
  expect(await signIn({ username: 'viewer', password })).toBe(200);
});

test('exit codes: 2 usage, 3 refused (the last Administrator, a short password), 4 not found, 5 unavailable', async () => {
  expect((await cli(['users'])).code).toBe(2);
  expect((await cli(['users', 'add', camera.id])).code).toBe(2);
  expect((await cli(['users', 'set-level', camera.id, 'viewer', 'Root'])).code).toBe(2);
  expect((await cli(['users', 'add', camera.id, 'x1', '--password-stdin'], '')).code).toBe(2);
  const last = await cli(['--json', 'users', 'remove', camera.id, 'admin']);
  expect(last.code).toBe(3);
  expect(JSON.parse(last.stdout)).toMatchObject({ error: { code: 'CONFLICT' } });
  expect((await cli(['users', 'set-level', camera.id, 'admin', 'User'])).code).toBe(3);
  expect((await cli(['users', 'add', camera.id, 'shorty', '--password-stdin'], 'short\n')).code).toBe(3);
  expect((await cli(['users', 'add', camera.id, 'nvr'])).code).toBe(3);
  expect((await cli(['users', 'remove', camera.id, 'nobody'])).code).toBe(4);
  expect((await cli(['users', 'list', 'no such camera'])).code).toBe(4);
  expect(await signIn(admin)).toBe(200);
  expect(await signIn({ username: 'nvr', password: nvrPassword })).toBe(200);
  expect((await cli(['users', 'remove', camera.id, 'nvr'])).code).toBe(0);
  expect(await signIn({ username: 'nvr', password: nvrPassword })).toBe(400);
  // The onvif service down: nobody answers onvif.users.*.
  await rig.onvif.stop();
  expect((await cli(['users', 'list', camera.id])).code).toBe(5);
});
