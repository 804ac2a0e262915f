import { join } from 'node:path';
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
}

/**
 * `desk-onvif trust init`: the site CA and server certificate (`<dir>/pki`) and the NATS trust
 * (`<dir>/nats`): generated once, kept; nats.conf rendered again. Prints paths, never a key.
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
  return {
    caCert: pki.caCert,
    caFingerprint: pki.caFingerprint,
    serverHosts: pki.serverHosts,
    natsConfig: nats.config,
    creds: nats.creds,
    registryTrustDir: nats.registryTrustDir,
    generated: [...pki.generated.map((g) => `pki/${g}`), ...nats.generated.map((g) => `nats/${g}`)],
    warnings: pki.warnings,
  };
}
