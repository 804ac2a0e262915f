import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  certificateHosts,
  certificateNotAfter,
  createCa,
  fingerprintSha256,
  isIssuedBy,
  issueServerCert,
} from './certificates.js';

/** The files of a site PKI directory. Keys are 0600; certificates 0644. */
export interface SitePkiFiles {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

export interface SitePki extends SitePkiFiles {
  /** SHA-256 of the CA certificate (hex): what agents pin. */
  caFingerprint: string;
  /** The hosts the server certificate covers. */
  serverHosts: string[];
  /** What this call wrote: `ca`, `server`; empty when everything was kept. */
  generated: ('ca' | 'server')[];
  /** Why a file was kept although it does not cover what was asked (a user's own certificate). */
  warnings: string[];
}

export class SitePkiError extends Error {
  readonly code = 'SITE_PKI_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'SitePkiError';
  }
}

/** The hosts every server certificate covers, so local clients verify it too. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

const RENEW_BEFORE_MS = 30 * 86_400_000;

export function sitePkiFiles(dir: string): SitePkiFiles {
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
  };
}

/**
 * Makes sure `dir` holds a site CA and a server certificate for `hosts` (plus loopback):
 * - the CA (ca.crt, ca.key) is generated once and never overwritten; a user's own ca.crt is kept;
 * - server.crt/server.key are generated once; they are issued again, by the same CA, only when
 *   the CA key is here (so they are ours to issue) and they miss a host asked for or expire within
 *   30 days — the CA agents pinned stays the same. A server certificate from another CA is kept
 *   as it is, with a warning when it misses a host.
 * Keys are written 0600 and never printed.
 */
export async function ensureSitePki(
  dir: string,
  opts: { hosts: string[]; now?: Date } = { hosts: [] },
): Promise<SitePki> {
  const now = opts.now ?? new Date();
  const files = sitePkiFiles(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const generated: SitePki['generated'] = [];
  const warnings: string[] = [];

  if (!existsSync(files.caCert)) {
    if (existsSync(files.caKey)) throw new SitePkiError(`${files.caKey} exists without ${files.caCert}`);
    const ca = await createCa({ now });
    writeSecret(files.caKey, ca.key);
    writePublic(files.caCert, ca.cert);
    generated.push('ca');
  }
  const caPem = readFileSync(files.caCert, 'utf8');
  const caKey = existsSync(files.caKey) ? readFileSync(files.caKey, 'utf8') : undefined;
  if (caKey) chmodSync(files.caKey, 0o600);

  const wanted = unique([...opts.hosts.filter((h) => h.trim() !== ''), ...LOOPBACK_HOSTS]);
  const hasServer = existsSync(files.serverCert) && existsSync(files.serverKey);
  let reissue = !hasServer;
  if (hasServer) {
    const pem = readFileSync(files.serverCert, 'utf8');
    const have = certificateHosts(pem);
    const missing = wanted.filter((h) => !have.includes(h));
    const expiring = certificateNotAfter(pem).getTime() - now.getTime() < RENEW_BEFORE_MS;
    const ours = caKey !== undefined && (await isIssuedBy(pem, caPem));
    if ((missing.length > 0 || expiring) && ours) reissue = true;
    else if (missing.length > 0)
      warnings.push(`${files.serverCert} (not issued by this CA) does not cover ${missing.join(', ')}: kept`);
    if (reissue) wanted.unshift(...have.filter((h) => !wanted.includes(h)));
  }
  if (reissue) {
    if (!caKey)
      throw new SitePkiError(
        `${files.serverCert} is missing and ${files.caKey} is not here to issue it: provide both server files`,
      );
    const server = await issueServerCert({ cert: caPem, key: caKey }, { hosts: wanted, now });
    writeSecret(files.serverKey, server.key, true);
    writePublic(files.serverCert, server.cert, true);
    generated.push('server');
  }
  chmodSync(files.serverKey, 0o600);
  return {
    ...files,
    caFingerprint: fingerprintSha256(caPem),
    serverHosts: certificateHosts(readFileSync(files.serverCert, 'utf8')),
    generated,
    warnings,
  };
}

/** Created 0600 from the start (never a moment world-readable), then renamed into place. */
function writeSecret(path: string, content: string, replace = false): void {
  if (!replace && existsSync(path)) throw new SitePkiError(`${path} exists: not overwritten`);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, path);
}

function writePublic(path: string, content: string, replace = false): void {
  if (!replace && existsSync(path)) throw new SitePkiError(`${path} exists: not overwritten`);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o644, flag: 'wx' });
  renameSync(tmp, path);
}

function unique(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim()))];
}
