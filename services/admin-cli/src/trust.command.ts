import { chownSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureViewKeys } from '@desk-onvif/media-auth';
import { ensureNatsAuth } from '@desk-onvif/nats-auth';
import { ensureSitePki } from '@desk-onvif/site-pki';

/** Where the compose file mounts the trust directory and the data volume in the nats container. */
export const CONTAINER_PATHS = {
  pki: '/etc/desk-onvif/pki',
  jetstreamDir: '/data/jetstream',
  resolverDir: '/data/resolver',
};

export interface TrustOptions {
  dir: string;
  hosts: string[];
  port: number;
  listen: string;
  /** Paths in nats.conf as the compose nats container sees them. */
  container: boolean;
  /** `uid:gid` to own every file (compose: the image's `node` user, which runs the services). */
  owner?: string;
}

/** `1000:1000` → ids, or a usage error naming the option. */
export function parseOwner(text: string): { uid: number; gid: number } {
  const m = /^(\d+):(\d+)$/.exec(text);
  if (!m) throw new Error(`--owner must be <uid>:<gid> in numbers, not ${JSON.stringify(text)}`);
  return { uid: Number(m[1]), gid: Number(m[2]) };
}

/** Gives `dir` and everything under it to uid:gid (modes are kept: keys stay 0600). */
function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true }))
    chownSync(join(entry.parentPath, entry.name), uid, gid);
}

/**
 * `desk-onvif trust init`: the site CA and server certificate (`<dir>/pki`), the NATS trust
 * (`<dir>/nats`) and the console's view key pair (`<dir>/media`: the console signs WHEP read tokens,
 * the onvif service's MediaMTX hook checks them): generated once, kept; nats.conf rendered again.
 * Prints paths, never a key.
 */
export async function ensureTrust(o: TrustOptions) {
  const pki = await ensureSitePki(join(o.dir, 'pki'), { hosts: o.hosts });
  const nats = await ensureNatsAuth(join(o.dir, 'nats'), {
    host: o.listen,
    port: o.port,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    ...(o.container
      ? {
          http: { host: '127.0.0.1', port: 8222 },
          serverPaths: {
            tlsCert: `${CONTAINER_PATHS.pki}/server.crt`,
            tlsKey: `${CONTAINER_PATHS.pki}/server.key`,
            jetstreamDir: CONTAINER_PATHS.jetstreamDir,
            resolverDir: CONTAINER_PATHS.resolverDir,
          },
        }
      : {}),
  });
  const view = ensureViewKeys(o.dir);
  if (o.owner) {
    const { uid, gid } = parseOwner(o.owner);
    chownTree(o.dir, uid, gid);
  }
  return {
    caCert: pki.caCert,
    caFingerprint: pki.caFingerprint,
    serverHosts: pki.serverHosts,
    natsConfig: nats.config,
    creds: nats.creds,
    registryTrustDir: nats.registryTrustDir,
    viewKeys: { privateKey: view.privateKey, publicKey: view.publicKey },
    generated: [
      ...pki.generated.map((g) => `pki/${g}`),
      ...nats.generated.map((g) => `nats/${g}`),
      ...view.generated,
    ],
    warnings: pki.warnings,
  };
}
