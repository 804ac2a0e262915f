import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  connect,
  credsAuthenticator,
  type ConnectionOptions,
  type NatsConnection,
} from '@nats-io/transport-node';
import { Enrolment, call, roleInboxPrefix, type ServiceRole } from '@desk-onvif/contracts';
import { ensureViewKeys, viewKeyFiles, type ViewKeyFiles } from '@desk-onvif/media-auth';
import { ensureNatsAuth } from '@desk-onvif/nats-auth';
import { ensureSitePki } from '@desk-onvif/site-pki';

/**
 * The system's trust, as on a deployment (README "Security model"): the site CA and server
 * certificate, the NATS operator and accounts, a credential per service. Generated once into
 * `<stateDir>/trust/` and kept (so agents stay enrolled from one `make dev` to the next); only
 * nats.conf is rendered again with this run's host and port.
 */
export interface SystemTrust {
  /** nats-server's configuration: operator mode, TLS required. */
  natsConfig: string;
  caFile: string;
  creds: Record<ServiceRole, string>;
  registryTrustDir: string;
  /** The console's view key pair (WHEP read tokens): the console signs, the onvif hook checks. */
  viewKeys: ViewKeyFiles;
}

/** Where ensureSystemTrust puts them: known from the state directory alone, before they exist. */
export function systemTrustFiles(stateDir: string): SystemTrust {
  const dir = join(stateDir, 'trust');
  const creds = (role: ServiceRole) => join(dir, 'nats', 'creds', `${role}.creds`);
  return {
    natsConfig: join(dir, 'nats', 'nats.conf'),
    caFile: join(dir, 'pki', 'ca.crt'),
    creds: {
      registry: creds('registry'),
      onvif: creds('onvif'),
      discovery: creds('discovery'),
      console: creds('console'),
      admin: creds('admin'),
    },
    registryTrustDir: join(dir, 'nats', 'registry-trust'),
    viewKeys: viewKeyFiles(dir),
  };
}

export async function ensureSystemTrust(s: {
  stateDir: string;
  host: string;
  natsPort: number;
}): Promise<SystemTrust> {
  const dir = join(s.stateDir, 'trust');
  const pki = await ensureSitePki(join(dir, 'pki'), { hosts: [s.host] });
  const auth = await ensureNatsAuth(join(dir, 'nats'), {
    host: s.host,
    port: s.natsPort,
    tls: { cert: pki.serverCert, key: pki.serverKey },
    jetstreamDir: join(s.stateDir, 'jetstream'),
    resolverDir: join(dir, 'resolver'),
  });
  const view = ensureViewKeys(dir);
  return {
    natsConfig: auth.config,
    caFile: pki.caCert,
    creds: auth.creds,
    registryTrustDir: auth.registryTrustDir,
    viewKeys: { privateKey: view.privateKey, publicKey: view.publicKey },
  };
}

/** A NATS client of `role` (the admin by default) for this system. */
export function trustConnectOptions(
  url: string,
  trust: SystemTrust,
  role: ServiceRole = 'admin',
  extra: Partial<ConnectionOptions> = {},
): ConnectionOptions {
  return {
    servers: url,
    authenticator: credsAuthenticator(readFileSync(trust.creds[role])),
    tls: { caFile: trust.caFile },
    inboxPrefix: roleInboxPrefix(role),
    ...extra,
  };
}

/** Ready once the admin credential connects over TLS and JetStream answers. */
export async function natsAnswers(url: string, trust: SystemTrust): Promise<boolean> {
  let nc: NatsConnection | undefined;
  try {
    nc = await connect(trustConnectOptions(url, trust, 'admin', { timeout: 5000, reconnect: false }));
    const { jetstreamManager } = await import('@nats-io/jetstream');
    await (await jetstreamManager(nc)).getAccountInfo();
    return true;
  } catch {
    return false;
  } finally {
    await nc?.close().catch(() => undefined);
  }
}

/** Whether the agent whose state is in `stateDir` has enrolled already (it then needs no token). */
export function agentEnrolled(stateDir: string): boolean {
  return existsSync(join(stateDir, 'nats', 'camera.creds'));
}

/** A single-use enrolment token from the registry, as `desk-onvif enrolment issue` prints it. */
export async function issueToken(url: string, trust: SystemTrust, hostId?: string): Promise<string> {
  const nc = await connect(trustConnectOptions(url, trust, 'admin', { timeout: 10_000 }));
  try {
    return (
      await call(
        nc,
        Enrolment.issue,
        { maxUses: 1, ...(hostId ? { hostId } : {}), label: 'desk-onvif system' },
        10_000,
      )
    ).token;
  } finally {
    await nc.close();
  }
}
