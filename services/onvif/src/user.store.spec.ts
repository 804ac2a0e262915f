import { randomBytes } from 'node:crypto';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import { encodeJson, userKey, type OnvifUserRecord } from '@desk-onvif/contracts';
import { PasswordSealer } from './password.sealer.js';
import { UserStore } from './user.store.js';

/** The in-memory side of the user store, fed the entries a watch would deliver (no KV needed). */

const CAMERA = '6f1c1a2e-0c55-5b8e-9a43-0d9f5b1e2a11';
const sealer = new PasswordSealer(randomBytes(32));

function put(
  username: string,
  password: string,
  level: OnvifUserRecord['level'],
  revision: number,
  s = sealer,
): KvWatchEntry {
  const key = userKey(CAMERA, username);
  const record: OnvifUserRecord = {
    schema: 1,
    cameraId: CAMERA,
    username,
    level,
    password: s.seal(password, key),
    generated: false,
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date(0).toISOString(),
  };
  return {
    key,
    operation: 'PUT',
    value: encodeJson(record),
    revision,
    delta: 0,
    isUpdate: true,
  } as unknown as KvWatchEntry;
}

function del(username: string): KvWatchEntry {
  return {
    key: userKey(CAMERA, username),
    operation: 'DEL',
    isUpdate: true,
    delta: 0,
  } as unknown as KvWatchEntry;
}

describe('UserStore mirror', () => {
  const sut = () => new UserStore({} as KV, sealer, () => new Date());

  test('verifies passwords per camera and level, as a MediaMTX read hook will ask', () => {
    const store = sut();
    store.apply(put('admin', 'admin-password', 'Administrator', 1));
    store.apply(put('nvr@site', 'nvr-password', 'User', 2));
    expect(store.verifyPassword(CAMERA, 'nvr@site', 'nvr-password')).toBe('User');
    expect(store.verifyPassword(CAMERA, 'nvr@site', 'wrong')).toBeUndefined();
    expect(store.verifyPassword('another-camera', 'admin', 'admin-password')).toBeUndefined();
    expect(store.usersOf(CAMERA).list).toEqual([
      { username: 'admin', level: 'Administrator' },
      { username: 'nvr@site', level: 'User' },
    ]);
  });

  test('a deleted user is gone; a value sealed under another key is never trusted', () => {
    const store = sut();
    store.apply(put('admin', 'admin-password', 'Administrator', 1));
    store.apply(put('intruder', 'x-password', 'Administrator', 2, new PasswordSealer(randomBytes(32))));
    store.apply(del('admin'));
    expect(store.usersOf(CAMERA).list).toEqual([]);
    expect(store.invalidEntries).toBe(1);
  });

  test('after a watch restart users stay usable until the replay shows them gone', () => {
    const store = sut();
    store.apply(put('admin', 'admin-password', 'Administrator', 1));
    store.apply(put('old', 'old-password', 'User', 2));
    store.reset();
    expect(store.usersOf(CAMERA).passwordOf('old')).toBe('old-password');
    store.apply({
      ...put('admin', 'admin-password', 'Administrator', 3),
      isUpdate: false,
      delta: 0,
    });
    expect(store.usersOf(CAMERA).list.map((u) => u.username)).toEqual(['admin']);
  });
});
