import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import {
  NotFoundError,
  OnvifUserRecordSchema,
  cameraIdOfUserKey,
  encodeJson,
  userKey,
  type OnvifUserRecord,
} from '@desk-onvif/contracts';
import {
  Faults,
  type CameraUsers,
  type NewUser,
  type OnvifUserInfo,
  type UserLevel,
} from '@desk-onvif/onvif-soap';
import { decodeEntry, isCasConflict } from '@desk-onvif/service-kit';
import type { PasswordSealer } from './password.sealer.js';
import { KvResync } from './kv.resync.js';

interface UserEntry {
  info: OnvifUserInfo;
  password: string;
  generated: boolean;
  revision: number;
  record: OnvifUserRecord;
}

/** How long a write waits for its own change to come back through the watch. */
const SETTLE_MS = 3000;

/**
 * ONVIF users per camera, kept in KV `users` with sealed passwords and mirrored in memory by a
 * watch (decrypted once, so that verifying a request costs one hash). Writes go to KV and wait
 * until the watch has seen them, so the next request reads its own change.
 * `verifyPassword` is the question a MediaMTX auth hook asks: may this user read this camera?
 */
export class UserStore {
  private readonly byCamera = new Map<string, Map<string, UserEntry>>();
  private readonly views = new Map<string, CameraUsers>();
  private readonly waiters = new Set<{
    key: string;
    test: (e: KvWatchEntry) => boolean;
    resolve: () => void;
  }>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly resync = new KvResync();
  invalidEntries = 0;

  constructor(
    readonly kv: KV,
    private readonly sealer: PasswordSealer,
    private readonly now: () => Date,
  ) {}

  /** The watch restarted: keep verifying with what is known until the replay shows what changed. */
  reset(): void {
    this.resync.start();
  }

  apply(e: KvWatchEntry): void {
    this.applyOne(e);
    for (const key of this.resync.note(e, () => this.keys())) {
      this.applyOne({ ...e, key, operation: 'DEL', isUpdate: true });
    }
  }

  private *keys(): Generator<string> {
    for (const [cameraId, users] of this.byCamera)
      for (const name of users.keys()) yield userKey(cameraId, name);
  }

  private applyOne(e: KvWatchEntry): void {
    const cameraId = cameraIdOfUserKey(e.key);
    if (cameraId) {
      const users = this.byCamera.get(cameraId) ?? new Map<string, UserEntry>();
      if (e.operation !== 'PUT') {
        for (const [name] of users) if (userKey(cameraId, name) === e.key) users.delete(name);
      } else {
        try {
          const record = decodeEntry(OnvifUserRecordSchema, e.value);
          const password = this.sealer.open(record.password, e.key);
          users.set(record.username, {
            info: { username: record.username, level: record.level },
            password,
            generated: record.generated,
            revision: e.revision,
            record,
          });
        } catch {
          // A value that fails its schema or its seal (wrong key, tampering) is never trusted.
          this.invalidEntries++;
        }
      }
      if (users.size > 0) this.byCamera.set(cameraId, users);
      else this.byCamera.delete(cameraId);
      this.views.delete(cameraId);
    }
    for (const w of this.waiters) if (w.key === e.key && w.test(e)) w.resolve();
  }

  usersOf(cameraId: string): CameraUsers {
    let view = this.views.get(cameraId);
    if (!view) {
      const users = this.byCamera.get(cameraId);
      view = {
        list: users
          ? [...users.values()].map((u) => u.info).sort((a, b) => a.username.localeCompare(b.username))
          : [],
        passwordOf: (username) => users?.get(username)?.password,
      };
      this.views.set(cameraId, view);
    }
    return view;
  }

  /** The level of a user whose password matches, or undefined: for a stream-read auth hook. */
  verifyPassword(cameraId: string, username: string, password: string): UserLevel | undefined {
    const user = this.byCamera.get(cameraId)?.get(username);
    if (!user) return undefined;
    const a = Buffer.from(user.password);
    const b = Buffer.from(password);
    return a.length === b.length && timingSafeEqual(a, b) ? user.info.level : undefined;
  }

  async create(cameraId: string, users: NewUser[], generated = false): Promise<void> {
    for (const u of users) {
      const key = userKey(cameraId, u.username);
      const at = this.now().toISOString();
      const record: OnvifUserRecord = {
        schema: 1,
        cameraId,
        username: u.username,
        level: u.level,
        password: this.sealer.seal(u.password, key),
        generated,
        createdAt: at,
        updatedAt: at,
      };
      let revision: number;
      try {
        revision = await this.kv.create(key, encodeJson(OnvifUserRecordSchema.parse(record)));
      } catch (err) {
        if (isCasConflict(err))
          throw Faults.operationProhibited('UsernameClash', `user "${u.username}" exists`);
        throw err;
      }
      await this.settled(
        key,
        (e) => e.operation === 'PUT' && e.revision >= revision,
        () => (this.byCamera.get(cameraId)?.get(u.username)?.revision ?? 0) >= revision,
      );
    }
  }

  async remove(cameraId: string, usernames: string[]): Promise<void> {
    for (const name of usernames) {
      const key = userKey(cameraId, name);
      await this.kv.delete(key);
      await this.settled(
        key,
        (e) => e.operation !== 'PUT',
        () => !this.byCamera.get(cameraId)?.has(name),
      );
    }
  }

  async set(
    cameraId: string,
    changes: { username: string; password: string | undefined; level: UserLevel }[],
  ): Promise<void> {
    for (const c of changes) {
      const key = userKey(cameraId, c.username);
      const current = this.byCamera.get(cameraId)?.get(c.username);
      if (!current) throw Faults.invalidArgVal('UsernameMissing', `no user "${c.username}"`);
      const record: OnvifUserRecord = {
        ...current.record,
        level: c.level,
        ...(c.password !== undefined
          ? { password: this.sealer.seal(c.password, key), generated: false }
          : {}),
        updatedAt: this.now().toISOString(),
      };
      const revision = await this.kv.update(key, encodeJson(record), current.revision);
      await this.settled(
        key,
        (e) => e.operation === 'PUT' && e.revision >= revision,
        () => (this.byCamera.get(cameraId)?.get(c.username)?.revision ?? 0) >= revision,
      );
    }
  }

  /** Whether KV (not this mirror, which may lag at start-up) holds any user of the camera. */
  async hasUsers(cameraId: string): Promise<boolean> {
    const keys = await this.kv.keys(`${cameraId}.*`);
    for await (const _ of keys) return true;
    return false;
  }

  /**
   * A camera's first Administrator: the agent's credentials, or a generated password when it has
   * none. Once the camera has users nothing changes (contracts: CredentialsBootstrap). Serialised
   * per camera, so an agent's request and the grace-period generation never both create one.
   */
  bootstrap(
    cameraId: string,
    wanted: { username?: string | undefined; password?: string | undefined },
  ): Promise<{ username: string; created: boolean; password?: string }> {
    return this.exclusive(cameraId, async () => {
      if (await this.hasUsers(cameraId)) {
        await this.settledCamera(cameraId);
        const admin =
          this.usersOf(cameraId).list.find((u) => u.level === 'Administrator') ??
          this.usersOf(cameraId).list[0];
        if (!admin) throw new NotFoundError(`camera ${cameraId}: its users are not readable with this key`);
        return { username: admin.username, created: false };
      }
      const generated = wanted.password === undefined;
      const username = wanted.username ?? 'admin';
      const password = wanted.password ?? randomBytes(18).toString('base64url');
      await this.create(cameraId, [{ username, password, level: 'Administrator' }], generated);
      return generated ? { username, created: true, password } : { username, created: true };
    });
  }

  private async settledCamera(cameraId: string): Promise<void> {
    const deadline = Date.now() + SETTLE_MS;
    while (!this.byCamera.has(cameraId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /** Resolves once the watch has delivered the change (`done` says whether it has already). */
  private settled(key: string, test: (e: KvWatchEntry) => boolean, done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const w = {
        key,
        test,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(w);
          resolve();
        },
      };
      // The watch may lag; the write itself is done, so waiting is only for read-your-writes.
      const timer = setTimeout(w.resolve, SETTLE_MS);
      this.waiters.add(w);
    });
  }

  private exclusive<T>(cameraId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(cameraId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.locks.set(cameraId, tail);
    void tail.then(() => {
      if (this.locks.get(cameraId) === tail) this.locks.delete(cameraId);
    });
    return next;
  }
}
