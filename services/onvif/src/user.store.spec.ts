import { randomBytes } from 'node:crypto';
import type { KV, KvEntry, KvWatchEntry } from '@nats-io/kv';
import { JetStreamApiError } from '@nats-io/jetstream';
import { encodeJson, userKey, type OnvifUserRecord, type OnvifUserSet } from '@desk-onvif/contracts';
import { SoapFault } from '@desk-onvif/onvif-soap';
import { PasswordSealer } from './password.sealer.js';
import { UserStore } from './user.store.js';

/** The user store against an in-memory bucket with JetStream's compare-and-set rules. */

const CAMERA = '6f1c1a2e-0c55-5b8e-9a43-0d9f5b1e2a11';
const sealer = new PasswordSealer(randomBytes(32));

function record(
  username: string,
  password: string,
  level: OnvifUserRecord['level'],
  s = sealer,
): OnvifUserRecord {
  return {
    schema: 1,
    cameraId: CAMERA,
    username,
    level,
    password: s.seal(password, userKey(CAMERA, username)),
    generated: false,
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date(0).toISOString(),
  };
}

function conflict(): Error {
  return new JetStreamApiError({ err_code: 10071, code: 400, description: 'wrong last sequence' });
}

/** Enough of a KV bucket: revisions, create/update with compare-and-set, delete, keys; each write fed to `watch`. */
class MemoryKv {
  seq = 0;
  readonly entries = new Map<string, { value: Uint8Array; revision: number; operation: 'PUT' | 'DEL' }>();
  watch: ((e: KvWatchEntry) => void) | undefined;
  /** Runs before each write's check: a test interleaves another change there. */
  beforeWrite: (() => Promise<void>) | undefined;

  get = (key: string): Promise<KvEntry | null> => {
    const e = this.entries.get(key);
    return Promise.resolve(e ? ({ key, ...e } as unknown as KvEntry) : null);
  };
  create = async (key: string, value: Uint8Array): Promise<number> => {
    await this.hook();
    if (this.entries.get(key)?.operation === 'PUT') throw conflict();
    return this.write(key, value, 'PUT');
  };
  update = async (key: string, value: Uint8Array, revision: number): Promise<number> => {
    await this.hook();
    if (this.entries.get(key)?.revision !== revision) throw conflict();
    return this.write(key, value, 'PUT');
  };
  delete = (key: string): Promise<void> => {
    this.write(key, new Uint8Array(), 'DEL');
    return Promise.resolve();
  };
  keys = (): Promise<AsyncIterable<string>> => {
    const live = [...this.entries].filter(([, e]) => e.operation === 'PUT').map(([k]) => k);
    return Promise.resolve(
      (async function* () {
        for (const key of live) yield await Promise.resolve(key);
      })(),
    );
  };
  private async hook(): Promise<void> {
    const h = this.beforeWrite;
    this.beforeWrite = undefined;
    await h?.();
  }
  private write(key: string, value: Uint8Array, operation: 'PUT' | 'DEL'): number {
    const revision = ++this.seq;
    this.entries.set(key, { value, revision, operation });
    this.watch?.({ key, value, revision, operation, isUpdate: true, delta: 0 } as unknown as KvWatchEntry);
    return revision;
  }
}

function setup() {
  const kv = new MemoryKv();
  const sut = new UserStore(kv as unknown as KV, sealer, () => new Date());
  kv.watch = (e) => sut.apply(e);
  return { kv, sut };
}

function setOf(kv: MemoryKv): OnvifUserSet {
  return JSON.parse(Buffer.from(kv.entries.get(CAMERA)!.value).toString()) as OnvifUserSet;
}

describe('UserStore', () => {
  test('verifies passwords per camera and level, as a MediaMTX read hook will ask', async () => {
    const { sut } = setup();
    await sut.bootstrap(CAMERA, { username: 'admin', password: 'admin-password' });
    await sut.change(CAMERA, {
      kind: 'createUsers',
      users: [{ username: 'nvr@site', password: 'nvr-password', level: 'User' }],
    });
    expect(sut.verifyPassword(CAMERA, 'nvr@site', 'nvr-password')).toBe('User');
    expect(sut.verifyPassword(CAMERA, 'nvr@site', 'wrong')).toBeUndefined();
    expect(sut.verifyPassword('another-camera', 'admin', 'admin-password')).toBeUndefined();
    expect(sut.usersOf(CAMERA).list).toEqual([
      { username: 'admin', level: 'Administrator' },
      { username: 'nvr@site', level: 'User' },
    ]);
  });

  test('two Administrators deleting each other: the second change is checked against the first and refused', async () => {
    const { kv, sut } = setup();
    await sut.bootstrap(CAMERA, { username: 'a', password: 'a-password' });
    await sut.change(CAMERA, {
      kind: 'createUsers',
      users: [{ username: 'b', password: 'b-password', level: 'Administrator' }],
    });
    let second: Promise<void> | undefined;
    // Both read the same set; the other change lands between this one's read and its write.
    kv.beforeWrite = () => {
      second = sut.change(CAMERA, { kind: 'deleteUsers', usernames: ['b'] });
      return second;
    };
    const first = sut.change(CAMERA, { kind: 'deleteUsers', usernames: ['a'] });
    const refused = await first.catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(SoapFault);
    expect((refused as SoapFault).reason).toContain('last Administrator');
    await second;
    expect(setOf(kv).users.map((u) => [u.username, u.level])).toEqual([['a', 'Administrator']]);
    expect(sut.casRetries).toBe(1);
  });

  test('a demotion racing a deletion keeps an Administrator', async () => {
    const { kv, sut } = setup();
    await sut.bootstrap(CAMERA, { username: 'a', password: 'a-password' });
    await sut.change(CAMERA, {
      kind: 'createUsers',
      users: [{ username: 'b', password: 'b-password', level: 'Administrator' }],
    });
    kv.beforeWrite = () =>
      sut.change(CAMERA, {
        kind: 'setUsers',
        users: [{ username: 'b', password: undefined, level: 'User' }],
      });
    await expect(sut.change(CAMERA, { kind: 'deleteUsers', usernames: ['a'] })).rejects.toBeInstanceOf(
      SoapFault,
    );
    expect(setOf(kv).users.map((u) => [u.username, u.level])).toEqual([
      ['a', 'Administrator'],
      ['b', 'User'],
    ]);
  });

  test('bootstrap creates once; a later bootstrap changes nothing', async () => {
    const { kv, sut } = setup();
    const generated = await sut.bootstrap(CAMERA, {});
    expect(generated).toMatchObject({ username: 'admin', created: true });
    expect(generated.password).toHaveLength(24);
    expect(await sut.bootstrap(CAMERA, { username: 'other', password: 'other-password' })).toEqual({
      username: 'admin',
      created: false,
    });
    expect(setOf(kv).users).toHaveLength(1);
  });

  test('a password sealed under another key is never trusted', () => {
    const { sut } = setup();
    const set: OnvifUserSet = {
      schema: 2,
      cameraId: CAMERA,
      users: [
        record('admin', 'admin-password', 'Administrator'),
        record('intruder', 'x-password', 'Administrator', new PasswordSealer(randomBytes(32))),
      ],
    };
    sut.apply({
      key: CAMERA,
      operation: 'PUT',
      value: encodeJson(set),
      revision: 1,
      isUpdate: true,
      delta: 0,
    } as unknown as KvWatchEntry);
    expect(sut.usersOf(CAMERA).list.map((u) => u.username)).toEqual(['admin']);
    expect(sut.invalidEntries).toBe(1);
  });

  test('users of the former layout (one key each) are folded into the set, passwords intact', async () => {
    const { kv, sut } = setup();
    await kv.create(userKey(CAMERA, 'admin'), encodeJson(record('admin', 'admin-password', 'Administrator')));
    await kv.create(userKey(CAMERA, 'viewer@x'), encodeJson(record('viewer@x', 'viewer-password', 'User')));
    expect(await sut.migrateLegacy()).toBe(2);
    const live = [...kv.entries].filter(([, e]) => e.operation === 'PUT').map(([k]) => k);
    expect(live).toEqual([CAMERA]);
    expect(sut.verifyPassword(CAMERA, 'viewer@x', 'viewer-password')).toBe('User');
    expect(sut.verifyPassword(CAMERA, 'admin', 'admin-password')).toBe('Administrator');
  });

  test('after a watch restart users stay usable until the replay shows them gone', async () => {
    const { kv, sut } = setup();
    await sut.bootstrap(CAMERA, { username: 'admin', password: 'admin-password' });
    sut.reset();
    expect(sut.usersOf(CAMERA).passwordOf('admin')).toBe('admin-password');
    // The replay ends (an empty bucket): the camera's users were deleted meanwhile.
    sut.apply({
      key: 'other',
      operation: 'DEL',
      revision: kv.seq + 1,
      isUpdate: true,
      delta: 0,
    } as unknown as KvWatchEntry);
    expect(sut.usersOf(CAMERA).list).toEqual([]);
  });
});
