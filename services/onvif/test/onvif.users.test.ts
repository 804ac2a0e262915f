import { randomUUID } from 'node:crypto';
import { OnvifUsers, call, type CameraRecord } from '@desk-onvif/contracts';
import { envelope, keep, op, OnvifRig, postSoap, subcodes, type Credentials } from './onvif.rig.js';

/**
 * The onvif service's `onvif.users.*` requests (what the console and `desk-onvif users` send) against
 * the real service and its users store: each change is what CreateUsers/SetUser/DeleteUsers would
 * do, seen by an ONVIF client at once; the ONVIF rules hold, also under concurrent changes
 * (compare-and-set): a camera is never left without an Administrator.
 */
const admin: Credentials = { username: 'admin', password: 'admin-password-1' };
let rig: OnvifRig;
let camera: CameraRecord;

beforeAll(async () => {
  rig = await OnvifRig.start();
  camera = await rig.camera('users-host-1');
});

afterAll(async () => {
  await rig?.dispose();
});

const users = async (id = camera.id) => (await call(rig.nc, OnvifUsers.list, { id })).users;

/** GetDeviceInformation as `creds` (any level may): 200, or 400 NotAuthorized. */
async function signIn(creds: Credentials, port = camera.onvifPort): Promise<number> {
  const r = await postSoap(port, envelope(op('tds', 'GetDeviceInformation'), { creds }));
  if (r.status === 200) keep('users GetDeviceInformation', r.body);
  else expect(subcodes(r.body)).toContain('NotAuthorized');
  return r.status;
}

test('add with a generated password: answered once, never listed, and it signs in over ONVIF', async () => {
  const added = await call(rig.nc, OnvifUsers.add, { id: camera.id, username: 'nvr', level: 'Operator' });
  expect(added.user).toEqual({ username: 'nvr', level: 'Operator' });
  expect(added.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
  expect(await users()).toEqual([
    { username: 'admin', level: 'Administrator' },
    { username: 'nvr', level: 'Operator' },
  ]);
  expect(await signIn({ username: 'nvr', password: added.password! })).toBe(200);
  // A password given by the caller is not answered back.
  const given = await call(rig.nc, OnvifUsers.add, {
    id: camera.id,
    username: 'viewer',
    level: 'User',
    password: 'viewer-password-1',
  });
  expect(given.password).toBeUndefined();
  expect(await signIn({ username: 'viewer', password: 'viewer-password-1' })).toBe(200);
});

test('reset a password: the old one stops working at once; a level change keeps the password', async () => {
  const reset = await call(rig.nc, OnvifUsers.set, {
    id: camera.id,
    username: 'viewer',
    generatePassword: true,
  });
  expect(reset.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
  expect(await signIn({ username: 'viewer', password: 'viewer-password-1' })).toBe(400);
  expect(await signIn({ username: 'viewer', password: reset.password! })).toBe(200);
  const promoted = await call(rig.nc, OnvifUsers.set, {
    id: camera.id,
    username: 'viewer',
    level: 'Operator',
  });
  expect(promoted).toMatchObject({ user: { username: 'viewer', level: 'Operator' } });
  expect(promoted.password).toBeUndefined();
  expect(await signIn({ username: 'viewer', password: reset.password! })).toBe(200);
});

test('refused: a clash, the last Administrator demoted or removed, unknown users and cameras', async () => {
  const before = await users();
  await expect(
    call(rig.nc, OnvifUsers.add, { id: camera.id, username: 'nvr', level: 'User' }),
  ).rejects.toMatchObject({ code: 'CONFLICT' });
  await expect(
    call(rig.nc, OnvifUsers.set, { id: camera.id, username: 'admin', level: 'User' }),
  ).rejects.toMatchObject({ code: 'CONFLICT' });
  await expect(call(rig.nc, OnvifUsers.remove, { id: camera.id, username: 'admin' })).rejects.toMatchObject({
    code: 'CONFLICT',
  });
  await expect(call(rig.nc, OnvifUsers.remove, { id: camera.id, username: 'nobody' })).rejects.toMatchObject({
    code: 'NOT_FOUND',
  });
  await expect(
    call(rig.nc, OnvifUsers.set, { id: camera.id, username: 'nobody', generatePassword: true }),
  ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  await expect(call(rig.nc, OnvifUsers.list, { id: randomUUID() })).rejects.toMatchObject({
    code: 'NOT_FOUND',
  });
  // Bad input is refused by the contract before anything is touched.
  await expect(
    call(rig.nc, OnvifUsers.add, { id: camera.id, username: 'short', level: 'User', password: 'x' }),
  ).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  expect(await users()).toEqual(before);
  expect(await signIn(admin)).toBe(200);
});

test('concurrent changes (compare-and-set): two Administrators demoted at once leave exactly one', async () => {
  const retries = async () =>
    Number(/^desk_onvif_user_change_retries_total\S* (\d+)/m.exec(await rig.onvif.metrics())?.[1] ?? NaN);
  const retriesBefore = await retries();
  for (let round = 0; round < 5; round++) {
    const second = `admin${round}`;
    await call(rig.nc, OnvifUsers.add, {
      id: camera.id,
      username: second,
      level: 'Administrator',
      password: 'second-admin-password',
    });
    // Each change alone is allowed (another Administrator remains); both together are not.
    const outcomes = await Promise.allSettled(
      round % 2 === 0
        ? [
            call(rig.nc, OnvifUsers.set, { id: camera.id, username: 'admin', level: 'User' }),
            call(rig.nc, OnvifUsers.set, { id: camera.id, username: second, level: 'User' }),
          ]
        : [
            call(rig.nc, OnvifUsers.remove, { id: camera.id, username: 'admin' }),
            call(rig.nc, OnvifUsers.remove, { id: camera.id, username: second }),
          ],
    );
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({
      code: 'CONFLICT',
    });
    const admins = (await users()).filter((u) => u.level === 'Administrator');
    expect(admins).toHaveLength(1);
    // Back to one Administrator named admin, for the next round.
    if (admins[0]!.username !== 'admin') {
      if ((await users()).some((u) => u.username === 'admin'))
        await call(rig.nc, OnvifUsers.set, { id: camera.id, username: 'admin', level: 'Administrator' });
      else await call(rig.nc, OnvifUsers.add, { id: camera.id, ...admin, level: 'Administrator' });
    }
    if ((await users()).some((u) => u.username === second))
      await call(rig.nc, OnvifUsers.remove, { id: camera.id, username: second });
  }
  // The loser of each race lost the compare-and-set and was checked again against the winner's result.
  expect(await retries()).toBeGreaterThan(retriesBefore);
  expect((await users()).filter((u) => u.level === 'Administrator')).toEqual([
    { username: 'admin', level: 'Administrator' },
  ]);
}, 60_000);
