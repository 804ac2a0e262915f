import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthOutcome } from './wsse.auth.js';
import { NonceCache } from './nonce.cache.js';

/**
 * HTTP Digest access authentication, RFC 7616, with qop=auth and the MD5 and SHA-256 algorithms.
 * Server nonces are stateless (a timestamp and its HMAC under a per-process secret), so any
 * number of clients cost nothing until they answer; a (nonce, nc) pair is accepted once.
 */
export interface DigestOptions {
  realm: string;
  secret: Buffer;
  /** How long a server nonce stays fresh; past it the client is asked again with stale=true. */
  nonceTtlMs: number;
  maxTrackedNonces: number;
}

type Algorithm = 'MD5' | 'SHA-256';
const HASH: Record<Algorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

export class DigestAuthority {
  private readonly counts: NonceCache;
  constructor(private readonly opts: DigestOptions) {
    // A server nonce issued up to a minute ahead (clock steps) lives nonceTtlMs past its issue.
    this.counts = new NonceCache(opts.maxTrackedNonces, opts.nonceTtlMs + 60_000);
  }

  /** (nonce, nc) pairs refused because the replay cache was full of live ones. */
  get refusedFull(): number {
    return this.counts.refusedFull;
  }

  /** WWW-Authenticate values, SHA-256 first (RFC 7616 §3.7: in order of preference). */
  challenge(now: Date, stale = false): string[] {
    const nonce = this.nonce(now.getTime());
    const opaque = createHmac('sha256', this.opts.secret).update('opaque').digest('hex').slice(0, 32);
    return (['SHA-256', 'MD5'] as const).map(
      (alg) =>
        `Digest realm="${this.opts.realm}", qop="auth", algorithm=${alg}, nonce="${nonce}", opaque="${opaque}"` +
        (stale ? ', stale=true' : ''),
    );
  }

  /** Verifies an Authorization header for `method` and the request target `uri`. */
  verify(
    header: string,
    method: string,
    uri: string,
    passwordOf: (username: string) => string | undefined,
    now: Date,
  ): AuthOutcome {
    const p = parseDigestHeader(header);
    if (!p) return { ok: false, reason: 'malformed-token' };
    const alg: Algorithm | undefined =
      p.algorithm === undefined || /^md5$/i.test(p.algorithm)
        ? 'MD5'
        : /^sha-256$/i.test(p.algorithm)
          ? 'SHA-256'
          : undefined;
    const { username, realm, nonce, response, qop, nc, cnonce } = p;
    if (!alg || !username || !nonce || !response || !p.uri || qop !== 'auth' || !nc || !cnonce) {
      return { ok: false, reason: 'malformed-token' };
    }
    if (realm !== this.opts.realm || !sameTarget(p.uri, uri)) return { ok: false, reason: 'malformed-token' };
    const issued = this.nonceTime(nonce);
    if (issued === undefined) return { ok: false, reason: 'malformed-token' };
    if (now.getTime() - issued > this.opts.nonceTtlMs || issued - now.getTime() > 60_000) {
      return { ok: false, reason: 'stale-nonce' };
    }
    const password = passwordOf(username);
    if (password === undefined) return { ok: false, reason: 'unknown-user' };
    const h = (s: string) => createHash(HASH[alg]).update(s, 'utf8').digest('hex');
    const ha1 = h(`${username}:${realm}:${password}`);
    const ha2 = h(`${method}:${p.uri}`);
    const expected = h(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
    const a = Buffer.from(response.toLowerCase());
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: 'bad-password' };
    // The server nonce is answered until issued + nonceTtlMs: its counts are kept exactly that long.
    const verdict = this.counts.check(
      `${nonce}:${nc}:${cnonce}`,
      issued + this.opts.nonceTtlMs,
      now.getTime(),
    );
    if (verdict === 'replayed') return { ok: false, reason: 'replayed-nonce' };
    if (verdict === 'full') return { ok: false, reason: 'replay-cache-full' };
    return { ok: true, username };
  }

  private nonce(ms: number): string {
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(BigInt(ms));
    const salt = randomBytes(8);
    const mac = createHmac('sha256', this.opts.secret).update(ts).update(salt).digest().subarray(0, 16);
    return Buffer.concat([ts, salt, mac]).toString('base64url');
  }

  private nonceTime(nonce: string): number | undefined {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 32) return undefined;
    const mac = createHmac('sha256', this.opts.secret).update(raw.subarray(0, 16)).digest().subarray(0, 16);
    if (!timingSafeEqual(mac, raw.subarray(16))) return undefined;
    return Number(raw.readBigUInt64BE(0));
  }
}

/** RFC 7616 §3.4.6: `uri` is the request target, which some clients write in absolute form. */
function sameTarget(signed: string, target: string): boolean {
  if (signed === target) return true;
  const m = /^https?:\/\/[^/?#]+(\/[^#]*)?$/i.exec(signed);
  return m !== null && (m[1] ?? '/') === target;
}

/** RFC 7616 §3.4: `Digest k=v, k="v", …`; undefined when it is not a Digest header. */
export function parseDigestHeader(header: string): Record<string, string> | undefined {
  const m = /^\s*Digest\s+(.*)$/is.exec(header);
  if (!m?.[1]) return undefined;
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/gy;
  const rest = m[1];
  let at = 0;
  while (at < rest.length) {
    re.lastIndex = at;
    const part = re.exec(rest);
    if (!part?.[1]) return undefined;
    out[part[1].toLowerCase()] = part[2] !== undefined ? part[2].replace(/\\(.)/g, '$1') : (part[3] ?? '');
    at = re.lastIndex;
    while (rest[at] === ' ' || rest[at] === ',') at++;
  }
  return out;
}
