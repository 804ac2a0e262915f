import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { roleInboxPrefix, servicePermissions, type ServiceRole } from '@desk-onvif/contracts';
import {
  accountJwt,
  applicationAccountSpec,
  createTrustKeys,
  createUserKey,
  credsText,
  operatorJwt,
  publicKeyOf,
  systemAccountJwt,
  userJwt,
  type TrustKeys,
} from './claims.js';
import { renderServerConfig } from './server.config.js';

/**
 * The files of a site's NATS trust, generated once into a directory and kept (keys 0600, never
 * printed); only `nats.conf` is rendered again at every call, from them and the listen settings.
 *
 *   keys/*.nk                  the seeds (TrustKeys): operator, operator-signing, system, account, …
 *   operator.jwt, system.jwt, account.jwt
 *   creds/<role>.creds         one per service role (registry, onvif, discovery, console, admin)
 *   registry-trust/            what the registry holds to enrol and revoke: account.jwt,
 *                              operator-signing.nk, registry-signing.nk, system.creds
 *   nats.conf                  the server configuration
 */
export const SERVICE_ROLES: ServiceRole[] = ['registry', 'onvif', 'discovery', 'console', 'admin'];

const KEY_FILES: Record<keyof TrustKeys, string> = {
  operator: 'operator.nk',
  operatorSigning: 'operator-signing.nk',
  system: 'system.nk',
  account: 'account.nk',
  accountSigning: 'account-signing.nk',
  registrySigning: 'registry-signing.nk',
};

export interface NatsAuthOptions {
  host: string;
  port: number;
  http?: { host: string; port: number };
  /** The site PKI's server certificate and key (libs/site-pki). */
  tls: { cert: string; key: string };
  /** Where JetStream and the resolver keep their data (default: beside the keys). */
  jetstreamDir?: string;
  resolverDir?: string;
  serverName?: string;
  /**
   * Paths as the server sees them, when it runs elsewhere (a container): `nats.conf` then names
   * these instead of the local ones.
   */
  serverPaths?: { tlsCert: string; tlsKey: string; jetstreamDir: string; resolverDir: string };
}

export interface NatsAuth {
  dir: string;
  config: string;
  creds: Record<ServiceRole, string>;
  /** REGISTRY_TRUST_DIR: what the registry needs to enrol cameras and revoke them. */
  registryTrustDir: string;
  accountPublicKey: string;
  /** Everything generated this time (file names); empty when all was kept. */
  generated: string[];
}

export async function ensureNatsAuth(dir: string, opts: NatsAuthOptions): Promise<NatsAuth> {
  const generated: string[] = [];
  for (const sub of ['', 'keys', 'creds', 'registry-trust'])
    mkdirSync(join(dir, sub), { recursive: true, mode: 0o700 });

  const keys = loadOrCreateKeys(join(dir, 'keys'), generated);
  const accountPublicKey = publicKeyOf(keys.account);
  const once = async (name: string, make: () => Promise<string>, secret = false): Promise<string> => {
    const path = join(dir, name);
    if (!existsSync(path)) {
      write(path, await make(), secret ? 0o600 : 0o644);
      generated.push(name);
    }
    if (secret) chmodSync(path, 0o600);
    return readFileSync(path, 'utf8');
  };

  const operator = await once('operator.jwt', () => operatorJwt(keys));
  const system = await once('system.jwt', () => systemAccountJwt(keys));
  const account = await once('account.jwt', () =>
    accountJwt(applicationAccountSpec(keys), keys.operatorSigning),
  );

  const creds = {} as Record<ServiceRole, string>;
  for (const role of SERVICE_ROLES) {
    creds[role] = join(dir, 'creds', `${role}.creds`);
    await once(`creds/${role}.creds`, () => serviceCreds(keys, role), true);
  }
  await once('registry-trust/account.jwt', () => Promise.resolve(account));
  await once('registry-trust/operator-signing.nk', () => Promise.resolve(keys.operatorSigning), true);
  await once('registry-trust/registry-signing.nk', () => Promise.resolve(keys.registrySigning), true);
  await once('registry-trust/system.creds', () => claimsUpdaterCreds(keys), true);

  const jetstreamDir = opts.jetstreamDir ?? join(dir, 'jetstream');
  const resolverDir = opts.resolverDir ?? join(dir, 'resolver');
  mkdirSync(resolverDir, { recursive: true, mode: 0o700 });
  const config = join(dir, 'nats.conf');
  const paths = opts.serverPaths ?? {
    tlsCert: opts.tls.cert,
    tlsKey: opts.tls.key,
    jetstreamDir,
    resolverDir,
  };
  write(
    config,
    renderServerConfig({
      host: opts.host,
      port: opts.port,
      ...(opts.http ? { http: opts.http } : {}),
      operatorJwt: operator,
      systemAccount: publicKeyOf(keys.system),
      preload: { [publicKeyOf(keys.system)]: system, [accountPublicKey]: account },
      resolverDir: paths.resolverDir,
      jetstreamDir: paths.jetstreamDir,
      tls: { cert: paths.tlsCert, key: paths.tlsKey },
      ...(opts.serverName ? { serverName: opts.serverName } : {}),
    }),
    0o644,
  );
  return { dir, config, creds, registryTrustDir: join(dir, 'registry-trust'), accountPublicKey, generated };
}

/** A service's user: its role's permissions from the catalogue, no expiry, signed by the generator's key. */
async function serviceCreds(keys: TrustKeys, role: ServiceRole): Promise<string> {
  const user = createUserKey();
  const jwt = await userJwt(
    {
      name: `service:${role}`,
      user: user.publicKey,
      account: publicKeyOf(keys.account),
      permissions: servicePermissions(role),
      tags: [`role:${role}`, `inbox:${roleInboxPrefix(role)}`],
    },
    keys.accountSigning,
  );
  return credsText(jwt, user.seed);
}

/** The registry's user in the system account: it may only push account claim updates. */
async function claimsUpdaterCreds(keys: TrustKeys): Promise<string> {
  const user = createUserKey();
  const jwt = await userJwt(
    {
      name: 'registry:claims-updater',
      user: user.publicKey,
      account: publicKeyOf(keys.system),
      permissions: {
        pub: { allow: ['$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE'], deny: [] },
        sub: { allow: ['_INBOX.>'], deny: [] },
      },
    },
    keys.system,
  );
  return credsText(jwt, user.seed);
}

function loadOrCreateKeys(keysDir: string, generated: string[]): TrustKeys {
  const paths = Object.fromEntries(
    Object.entries(KEY_FILES).map(([k, f]) => [k, join(keysDir, f)]),
  ) as Record<keyof TrustKeys, string>;
  const present = Object.values(paths).filter((p) => existsSync(p));
  if (present.length === 0) {
    const fresh = createTrustKeys();
    for (const [k, p] of Object.entries(paths)) write(p, fresh[k as keyof TrustKeys], 0o600);
    generated.push(...Object.values(KEY_FILES).map((f) => `keys/${f}`));
    return fresh;
  }
  if (present.length !== Object.keys(paths).length)
    throw new Error(
      `${keysDir} is incomplete (${present.length} of ${Object.keys(paths).length} keys): restore it`,
    );
  return Object.fromEntries(
    Object.entries(paths).map(([k, p]) => [k, readFileSync(p, 'utf8').trim()]),
  ) as unknown as TrustKeys;
}

/** Written with its mode from the first byte, then renamed into place. */
function write(path: string, content: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode, flag: 'w' });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}
