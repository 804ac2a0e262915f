import type { KV } from '@nats-io/kv';
import {
  ConsoleAccountSchema,
  ConsoleUsernameSchema,
  encodeJson,
  type ConsoleAccount,
  type ConsoleRole,
} from '@desk-onvif/contracts';
import { decodeEntry, isCasConflict } from '@desk-onvif/service-kit';
import { ConsoleConflictError, ConsoleInvalidError, ConsoleNotFoundError } from './errors.js';
import { decoyHash, generatePassword, hashPassword, verifyPassword } from './password.hasher.js';

export interface AccountView {
  username: string;
  role: ConsoleRole;
  createdAt: string;
  createdBy: string;
}

const MIN_PASSWORD = 12;

/** Console accounts in KV `console-accounts`: Argon2id hashes only, written with compare-and-set. */
export class AccountStore {
  constructor(
    readonly kv: KV,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(username: string): Promise<ConsoleAccount | undefined> {
    if (!ConsoleUsernameSchema.safeParse(username).success) return undefined;
    const e = await this.kv.get(username);
    return e && e.operation === 'PUT' ? decodeEntry(ConsoleAccountSchema, e.value) : undefined;
  }

  async list(): Promise<AccountView[]> {
    const out: AccountView[] = [];
    for await (const key of await this.kv.keys()) {
      const a = await this.get(key);
      if (a) out.push(view(a));
    }
    return out.sort((a, b) => a.username.localeCompare(b.username));
  }

  async hasAdmin(): Promise<boolean> {
    return (await this.list()).some((a) => a.role === 'admin');
  }

  /** The account when the password is right; the same work is done for an unknown username. */
  async authenticate(username: string, password: string): Promise<ConsoleAccount | undefined> {
    const account = await this.get(username);
    const ok = await verifyPassword(account?.passwordHash ?? (await decoyHash()), password);
    return account && ok ? account : undefined;
  }

  /** Creates an account; without a password one is generated and returned (shown once). */
  async create(
    username: string,
    role: ConsoleRole,
    by: string,
    password?: string,
  ): Promise<{ account: AccountView; password?: string }> {
    const name = ConsoleUsernameSchema.safeParse(username);
    if (!name.success)
      throw new ConsoleInvalidError(`username: ${name.error.issues[0]?.message ?? 'invalid'}`);
    const chosen = password ?? generatePassword();
    checkPassword(chosen);
    const at = this.now().toISOString();
    const account: ConsoleAccount = {
      schema: 1,
      username: name.data,
      role,
      passwordHash: await hashPassword(chosen),
      createdAt: at,
      updatedAt: at,
      createdBy: by,
    };
    try {
      await this.kv.create(account.username, encodeJson(ConsoleAccountSchema.parse(account)));
    } catch (err) {
      if (isCasConflict(err)) throw new ConsoleConflictError(`account "${username}" exists`);
      throw err;
    }
    return { account: view(account), ...(password === undefined ? { password: chosen } : {}) };
  }

  /** Sets a new password (generated when none is given, and returned once). */
  async setPassword(username: string, password?: string): Promise<{ password?: string }> {
    const chosen = password ?? generatePassword();
    checkPassword(chosen);
    const passwordHash = await hashPassword(chosen);
    await this.modify(username, (a) => ({ ...a, passwordHash }));
    return password === undefined ? { password: chosen } : {};
  }

  async setRole(username: string, role: ConsoleRole): Promise<void> {
    await this.modify(username, (a) => ({ ...a, role }));
  }

  async remove(username: string): Promise<void> {
    if (!(await this.get(username))) throw new ConsoleNotFoundError(`no account "${username}"`);
    await this.kv.delete(username);
  }

  private async modify(username: string, change: (a: ConsoleAccount) => ConsoleAccount): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const e = ConsoleUsernameSchema.safeParse(username).success ? await this.kv.get(username) : null;
      if (!e || e.operation !== 'PUT') throw new ConsoleNotFoundError(`no account "${username}"`);
      const next = {
        ...change(decodeEntry(ConsoleAccountSchema, e.value)),
        updatedAt: this.now().toISOString(),
      };
      try {
        await this.kv.update(username, encodeJson(ConsoleAccountSchema.parse(next)), e.revision);
        return;
      } catch (err) {
        if (!isCasConflict(err)) throw err;
      }
    }
    throw new ConsoleConflictError(`account "${username}" is being changed by someone else`);
  }
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD || password.length > 256)
    throw new ConsoleInvalidError(`password: ${MIN_PASSWORD} to 256 characters`);
}

function view(a: ConsoleAccount): AccountView {
  return { username: a.username, role: a.role, createdAt: a.createdAt, createdBy: a.createdBy };
}
