import { createHash, randomBytes } from 'node:crypto';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import {
  ConsoleSessionSchema,
  encodeJson,
  type ConsoleAccount,
  type ConsoleSession,
} from '@desk-onvif/contracts';
import { decodeEntry } from '@desk-onvif/service-kit';

export interface ActiveSession extends ConsoleSession {
  /** The KV key (SHA-256 of the id): what an administrator revokes. */
  key: string;
}

const REPLAY_GRACE_MS = 3000;

/** The session id travels only in the cookie; KV holds its SHA-256, so a KV reader cannot sign in. */
export function sessionKey(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/**
 * Sessions in KV `console-sessions` (the bucket's max age ends every session), mirrored in memory by
 * a watch, so that a revocation made through any replica ends the session everywhere at once.
 */
export class SessionStore {
  private readonly byKey = new Map<string, ConsoleSession>();
  private readonly lastSeen = new Map<string, number>();
  private unconfirmed: Set<string> | undefined;

  constructor(
    readonly kv: KV,
    private readonly limits: { idleS: number; maxS: number },
    private readonly now: () => number = Date.now,
  ) {}

  apply(e: KvWatchEntry): void {
    this.unconfirmed?.delete(e.key);
    if (e.operation !== 'PUT') {
      this.byKey.delete(e.key);
      this.lastSeen.delete(e.key);
      return;
    }
    try {
      this.byKey.set(e.key, decodeEntry(ConsoleSessionSchema, e.value));
    } catch {
      this.byKey.delete(e.key);
    }
  }

  /**
   * The watch restarted (e.g. NATS came back): sessions stay usable while the replay runs; those
   * the replay does not bring back within a few seconds were revoked meanwhile and are forgotten.
   */
  reset(): void {
    const stale = new Set(this.byKey.keys());
    this.unconfirmed = stale;
    setTimeout(() => {
      if (this.unconfirmed !== stale) return;
      for (const key of stale) this.byKey.delete(key);
      this.unconfirmed = undefined;
    }, REPLAY_GRACE_MS).unref();
  }

  async create(
    account: Pick<ConsoleAccount, 'username' | 'role'>,
    address: string,
  ): Promise<{ id: string; session: ConsoleSession }> {
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    const session: ConsoleSession = {
      schema: 1,
      username: account.username,
      role: account.role,
      csrf: randomBytes(32).toString('base64url'),
      address: address.slice(0, 64),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.limits.maxS * 1000).toISOString(),
    };
    const key = sessionKey(id);
    await this.kv.put(key, encodeJson(ConsoleSessionSchema.parse(session)));
    this.byKey.set(key, session);
    this.lastSeen.set(key, now);
    return { id, session };
  }

  /** The live session of a cookie value, or undefined (unknown, revoked, expired or idle too long). */
  lookup(id: string | undefined): ActiveSession | undefined {
    if (!id || id.length > 100) return undefined;
    const key = sessionKey(id);
    const s = this.byKey.get(key);
    if (!s) return undefined;
    const now = this.now();
    const seen = this.lastSeen.get(key) ?? now;
    if (Date.parse(s.expiresAt) <= now || now - seen > this.limits.idleS * 1000) {
      void this.revoke(key);
      return undefined;
    }
    this.lastSeen.set(key, now);
    return { ...s, key };
  }

  isLive(key: string): boolean {
    return this.byKey.has(key);
  }

  list(): ActiveSession[] {
    return [...this.byKey].map(([key, s]) => ({ ...s, key }));
  }

  async revoke(key: string): Promise<boolean> {
    const known = this.byKey.delete(key);
    this.lastSeen.delete(key);
    await this.kv.delete(key).catch(() => undefined);
    return known;
  }

  async revokeAllOf(username: string): Promise<number> {
    const keys = this.list()
      .filter((s) => s.username === username)
      .map((s) => s.key);
    for (const k of keys) await this.revoke(k);
    return keys.length;
  }
}
