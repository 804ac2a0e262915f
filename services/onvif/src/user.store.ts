import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { KV, KvEntry, KvWatchEntry } from '@nats-io/kv';
import {
  NotFoundError,
  OnvifUserRecordSchema,
  OnvifUserSetSchema,
  encodeJson,
  userKey,
  type OnvifUserRecord,
  type OnvifUserSet,
} from '@desk-onvif/contracts';
import {
  checkUserChange,
  SoapFault,
  type CameraUsers,
  type OnvifUserInfo,
  type UserChange,
  type UserLevel,
} from '@desk-onvif/onvif-soap';
import { decodeEntry, isCasConflict } from '@desk-onvif/service-kit';
import type { PasswordSealer } from './password.sealer.js';
import { KvResync } from './kv.resync.js';

interface UserEntry {
  info: OnvifUserInfo;
  password: string;
}

interface CameraEntry {
  revision: number;
  users: Map<string, UserEntry>;
}

/** How long a write waits for its own change to come back through the watch. */
const SETTLE_MS = 3000;
/** Compare-and-set attempts of one change before it gives up (each loses only to another change). */
const MAX_ATTEMPTS = 25;

/**
 * ONVIF users per camera: one KV `users` value per camera (OnvifUserSet) with sealed passwords,
 * mirrored in memory by a watch (decrypted once, so that verifying a request costs one hash).
 *
 * A change reads the camera's current set from KV (not the mirror), checks the ONVIF rules against
 * it (`checkUserChange`: no clash, no missing user, always an Administrator) and writes it back with
 * a compare-and-set on the revision it read; a concurrent change makes the write fail, and it is
 * tried again on the new value. So no interleaving of CreateUsers, DeleteUsers and SetUser, on any
 * number of replicas, can leave a camera without an Administrator. Writes then wait until the
 * watch has seen them, so the next request reads its own change.
 */
export class UserStore {
  private readonly byCamera = new Map<string, CameraEntry>();
  private readonly views = new Map<string, CameraUsers>();
  private readonly waiters = new Set<{ key: string; revision: number; resolve: () => void }>();
  private readonly resync = new KvResync();
  invalidEntries = 0;
  casRetries = 0;

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
    for (const key of this.resync.note(e, () => this.byCamera.keys())) {
      this.applyOne({ ...e, key, operation: 'DEL', isUpdate: true });
    }
  }

  private applyOne(e: KvWatchEntry): void {
    // Keys with a dot are users of the former layout, folded into sets by `migrateLegacy`.
    if (e.key.includes('.')) return;
    const cameraId = e.key;
    if (e.operation !== 'PUT') this.byCamera.delete(cameraId);
    else {
      try {
        const set = decodeEntry(OnvifUserSetSchema, e.value);
        if (set.cameraId !== cameraId) throw new Error('a set under another camera id');
        const users = new Map<string, UserEntry>();
        for (const record of set.users) {
          try {
            users.set(record.username, {
              info: { username: record.username, level: record.level },
              password: this.sealer.open(record.password, userKey(cameraId, record.username)),
            });
          } catch {
            // A password that fails its seal (wrong key, tampering, moved) is never trusted.
            this.invalidEntries++;
          }
        }
        this.byCamera.set(cameraId, { revision: e.revision, users });
      } catch {
        this.invalidEntries++;
        this.byCamera.delete(cameraId);
      }
    }
    this.views.delete(cameraId);
    for (const w of this.waiters) if (w.key === e.key && e.revision >= w.revision) w.resolve();
  }

  usersOf(cameraId: string): CameraUsers {
    let view = this.views.get(cameraId);
    if (!view) {
      const users = this.byCamera.get(cameraId)?.users;
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
    const user = this.byCamera.get(cameraId)?.users.get(username);
    if (!user) return undefined;
    const a = Buffer.from(user.password);
    const b = Buffer.from(password);
    return a.length === b.length && timingSafeEqual(a, b) ? user.info.level : undefined;
  }

  /** Carries out CreateUsers, DeleteUsers or SetUser atomically (see the class comment). */
  async change(cameraId: string, change: UserChange, generated = false): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.read(cameraId);
      const records = current?.set.users ?? [];
      checkUserChange(records, change); // the ONVIF fault, against the value about to be replaced
      const next: OnvifUserSet = {
        schema: 2,
        cameraId,
        users: this.applied(cameraId, records, change, generated),
      };
      let revision: number;
      try {
        const value = encodeJson(OnvifUserSetSchema.parse(next));
        revision = current
          ? await this.kv.update(cameraId, value, current.revision)
          : await this.kv.create(cameraId, value);
      } catch (err) {
        if (!isCasConflict(err)) throw err;
        this.casRetries++;
        // Another change won: read its result and check again, after a short random pause.
        await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)));
        continue;
      }
      await this.settled(cameraId, revision);
      return;
    }
    throw new SoapFault('Receiver', ['Action'], 'too many concurrent changes of the users; try again');
  }

  private applied(
    cameraId: string,
    records: readonly OnvifUserRecord[],
    change: UserChange,
    generated: boolean,
  ): OnvifUserRecord[] {
    const at = this.now().toISOString();
    switch (change.kind) {
      case 'createUsers':
        return [
          ...records,
          ...change.users.map((u): OnvifUserRecord => ({
            schema: 1,
            cameraId,
            username: u.username,
            level: u.level,
            password: this.sealer.seal(u.password, userKey(cameraId, u.username)),
            generated,
            createdAt: at,
            updatedAt: at,
          })),
        ];
      case 'deleteUsers':
        return records.filter((r) => !change.usernames.includes(r.username));
      case 'setUsers':
        return records.map((r) => {
          const c = change.users.find((u) => u.username === r.username);
          if (!c) return r;
          return {
            ...r,
            level: c.level,
            ...(c.password !== undefined
              ? { password: this.sealer.seal(c.password, userKey(cameraId, r.username)), generated: false }
              : {}),
            updatedAt: at,
          };
        });
    }
  }

  /** The camera's set as KV holds it now (the mirror may lag behind another replica's write). */
  private async read(cameraId: string): Promise<{ set: OnvifUserSet; revision: number } | undefined> {
    const entry: KvEntry | null = await this.kv.get(cameraId);
    if (!entry || entry.operation !== 'PUT') return undefined;
    return { set: decodeEntry(OnvifUserSetSchema, entry.value), revision: entry.revision };
  }

  /**
   * A camera's first Administrator: the agent's credentials, or a generated password when it has
   * none. Once the camera has users nothing changes (contracts: CredentialsBootstrap): the set is
   * created with a compare-and-set, so an agent's request and the grace-period generation, on any
   * replica, never both create one.
   */
  async bootstrap(
    cameraId: string,
    wanted: { username?: string | undefined; password?: string | undefined },
  ): Promise<{ username: string; created: boolean; password?: string }> {
    const existing = await this.read(cameraId);
    if (!existing || existing.set.users.length === 0) {
      const generated = wanted.password === undefined;
      const username = wanted.username ?? 'admin';
      const password = wanted.password ?? randomBytes(18).toString('base64url');
      try {
        const change: UserChange = {
          kind: 'createUsers',
          users: [{ username, password, level: 'Administrator' }],
        };
        if (existing) await this.change(cameraId, change, generated);
        else await this.createFirst(cameraId, change, generated);
        return generated ? { username, created: true, password } : { username, created: true };
      } catch (err) {
        if (!(err instanceof FirstLost)) throw err;
      }
    }
    const set = existing?.set.users.length ? existing.set : (await this.read(cameraId))?.set;
    const admin = set?.users.find((u) => u.level === 'Administrator') ?? set?.users[0];
    if (!admin) throw new NotFoundError(`camera ${cameraId}: its users are not readable`);
    return { username: admin.username, created: false };
  }

  /** Creates the set only if the camera has none; another creator winning is `FirstLost`. */
  private async createFirst(cameraId: string, change: UserChange, generated: boolean): Promise<void> {
    const next: OnvifUserSet = { schema: 2, cameraId, users: this.applied(cameraId, [], change, generated) };
    let revision: number;
    try {
      revision = await this.kv.create(cameraId, encodeJson(OnvifUserSetSchema.parse(next)));
    } catch (err) {
      if (isCasConflict(err)) throw new FirstLost();
      throw err;
    }
    await this.settled(cameraId, revision);
  }

  /**
   * Folds users of the former layout (one key per user, `<camera id>.<username in hex>`) into their
   * camera's set, then deletes them. Sealed passwords move unchanged (their additional data is the
   * same). Safe on several replicas at once: the set is created or updated with compare-and-set.
   */
  async migrateLegacy(): Promise<number> {
    const legacy = new Map<string, { key: string; record: OnvifUserRecord }[]>();
    for await (const key of await this.kv.keys()) {
      const dot = key.indexOf('.');
      if (dot <= 0) continue;
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      try {
        const record = decodeEntry(OnvifUserRecordSchema, entry.value);
        const cameraId = key.slice(0, dot);
        if (record.cameraId !== cameraId || userKey(cameraId, record.username) !== key) continue;
        legacy.set(cameraId, [...(legacy.get(cameraId) ?? []), { key, record }]);
      } catch {
        this.invalidEntries++;
      }
    }
    let moved = 0;
    for (const [cameraId, olds] of legacy) {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = await this.read(cameraId);
        const have = new Set(current?.set.users.map((u) => u.username));
        const users = [
          ...(current?.set.users ?? []),
          ...olds.map((o) => o.record).filter((r) => !have.has(r.username)),
        ];
        const value = encodeJson(OnvifUserSetSchema.parse({ schema: 2, cameraId, users }));
        try {
          if (current) await this.kv.update(cameraId, value, current.revision);
          else await this.kv.create(cameraId, value);
          break;
        } catch (err) {
          if (!isCasConflict(err)) throw err;
        }
      }
      for (const o of olds) await this.kv.delete(o.key);
      moved += olds.length;
    }
    return moved;
  }

  /** Resolves once the watch has delivered the change (a lagging watch: after SETTLE_MS anyway). */
  private settled(key: string, revision: number): Promise<void> {
    if ((this.byCamera.get(key)?.revision ?? 0) >= revision) return Promise.resolve();
    return new Promise((resolve) => {
      const w = {
        key,
        revision,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(w);
          resolve();
        },
      };
      // The write itself is done, so waiting is only for read-your-writes.
      const timer = setTimeout(w.resolve, SETTLE_MS);
      this.waiters.add(w);
    });
  }
}

class FirstLost extends Error {}
