import { decode, encodeAccount, encodeOperator, encodeUser, fmtCreds, type Account } from '@nats-io/jwt';
import {
  createAccount,
  createOperator,
  createUser,
  fromPublic,
  fromSeed,
  type KeyPair,
} from '@nats-io/nkeys';
import type { Permissions } from '@desk-onvif/contracts';
import { signingKey } from './signer.js';

/**
 * NATS decentralized auth (operator → accounts → users, each an nkey; JWTs signed by the level
 * above), as pure functions: keys, JWTs and `.creds` text in, strings out, no file touched.
 *
 * Limits are given explicitly as -1 (unlimited) on accounts and users: nats-server 2.9 reads an
 * absent limit as 0 ("maximum account active connections exceeded").
 */

/** Seeds (`S…` strings): secrets, never logged. */
export interface TrustKeys {
  /** The operator's identity: signs only the operator JWT; stays with the generator. */
  operator: string;
  /** Signs account JWTs; the registry holds it to re-sign the application account (revocations). */
  operatorSigning: string;
  /** The system account (`$SYS`): claim updates travel through it. */
  system: string;
  /** The application account's identity: signs nothing after generation. */
  account: string;
  /** Signs the services' user JWTs; stays with the generator. */
  accountSigning: string;
  /** Signs enrolment and camera user JWTs; held by the registry. */
  registrySigning: string;
}

export function createTrustKeys(): TrustKeys {
  const seed = (kp: KeyPair) => new TextDecoder().decode(kp.getSeed());
  return {
    operator: seed(createOperator()),
    operatorSigning: seed(createOperator()),
    system: seed(createAccount()),
    account: seed(createAccount()),
    accountSigning: seed(createAccount()),
    registrySigning: seed(createAccount()),
  };
}

export function keyPair(seed: string): KeyPair {
  return fromSeed(new TextEncoder().encode(seed));
}

export function publicKeyOf(seed: string): string {
  return keyPair(seed).getPublicKey();
}

/** A new user key pair: `{ seed, publicKey }`. The seed stays where it was made. */
export function createUserKey(): { seed: string; publicKey: string } {
  const kp = createUser();
  return { seed: new TextDecoder().decode(kp.getSeed()), publicKey: kp.getPublicKey() };
}

const UNLIMITED_NATS = { subs: -1, data: -1, payload: -1 };
const UNLIMITED_ACCOUNT = { imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
const UNLIMITED_JETSTREAM = {
  mem_storage: -1,
  disk_storage: -1,
  streams: -1,
  consumer: -1,
  max_ack_pending: -1,
  mem_max_stream_bytes: -1,
  disk_max_stream_bytes: -1,
};
/** JetStream off: nats-server reads zero storage as "not enabled" (the system account must not have it). */
const NO_JETSTREAM = { mem_storage: 0, disk_storage: 0, streams: 0, consumer: 0 };

export function operatorJwt(keys: TrustKeys, name = 'desk-onvif'): Promise<string> {
  return encodeOperator(name, keyPair(keys.operator), {
    signing_keys: [publicKeyOf(keys.operatorSigning)],
    system_account: publicKeyOf(keys.system),
  });
}

export interface AccountSpec {
  name: string;
  /** The account's public key (`A…`). */
  account: string;
  /** Public keys that may sign its users. */
  signingKeys: string[];
  jetstream: boolean;
  /** User public key → seconds since the epoch: users issued before are refused and disconnected. */
  revocations?: Record<string, number>;
}

/** An account JWT, signed by the operator's signing key. */
export function accountJwt(spec: AccountSpec, operatorSigningSeed: string): Promise<string> {
  const account: Partial<Account> = {
    limits: {
      ...UNLIMITED_NATS,
      ...UNLIMITED_ACCOUNT,
      ...(spec.jetstream ? UNLIMITED_JETSTREAM : NO_JETSTREAM),
    },
    signing_keys: spec.signingKeys,
    ...(spec.revocations && Object.keys(spec.revocations).length > 0
      ? { revocations: spec.revocations }
      : {}),
  };
  return encodeAccount(spec.name, fromPublic(spec.account), account, {
    signer: signingKey(operatorSigningSeed),
  });
}

export function systemAccountJwt(keys: TrustKeys): Promise<string> {
  return accountJwt(
    { name: 'SYS', account: publicKeyOf(keys.system), signingKeys: [], jetstream: false },
    keys.operatorSigning,
  );
}

export function applicationAccountSpec(
  keys: Pick<TrustKeys, 'account' | 'accountSigning' | 'registrySigning'>,
): AccountSpec {
  return {
    name: 'desk-onvif',
    account: publicKeyOf(keys.account),
    signingKeys: [publicKeyOf(keys.accountSigning), publicKeyOf(keys.registrySigning)],
    jetstream: true,
  };
}

/** The spec of an account JWT as it stands (to re-sign it with other revocations). */
export function accountSpecOf(jwt: string): AccountSpec {
  const claims = decode<Account>(jwt);
  return {
    name: claims.name,
    account: claims.sub,
    signingKeys: (claims.nats.signing_keys ?? []).map((k) => (typeof k === 'string' ? k : k.key)),
    jetstream: (claims.nats.limits?.disk_storage ?? 0) !== 0 || (claims.nats.limits?.mem_storage ?? 0) !== 0,
    ...(claims.nats.revocations ? { revocations: claims.nats.revocations } : {}),
  };
}

export interface UserSpec {
  name: string;
  /** The user's public key (`U…`). */
  user: string;
  /** The account the user belongs to (public key). */
  account: string;
  permissions: Permissions;
  /** The JWT is refused after this. */
  expiresAt?: Date;
  /** Tags to find a user again (e.g. `host:<hostId>`, `camera:<id>`). */
  tags?: string[];
}

/** A user JWT signed by one of the account's signing keys (`issuer_account` names the account). */
export function userJwt(spec: UserSpec, signingSeed: string): Promise<string> {
  const { pub, sub, resp } = spec.permissions;
  return encodeUser(
    spec.name,
    fromPublic(spec.user),
    fromPublic(spec.account),
    {
      ...UNLIMITED_NATS,
      pub,
      sub,
      ...(resp ? { resp: { max: resp.max, ttl: resp.ttl } } : {}),
      ...(spec.tags ? { tags: spec.tags } : {}),
    },
    {
      signer: signingKey(signingSeed),
      ...(spec.expiresAt ? { exp: Math.floor(spec.expiresAt.getTime() / 1000) } : {}),
    },
  );
}

/** The `.creds` text nats clients read: the JWT and the user's seed. A secret. */
export function credsText(jwt: string, userSeed: string): string {
  return new TextDecoder().decode(fmtCreds(jwt, keyPair(userSeed)));
}

/** The issuer-independent claims of a JWT (no signature check: nats-server checks). */
export function decodeClaims(jwt: string): {
  sub: string;
  name: string;
  iss: string;
  exp?: number;
  iat: number;
} {
  const c = decode(jwt);
  return { sub: c.sub, name: c.name, iss: c.iss, iat: c.iat, ...(c.exp ? { exp: c.exp } : {}) };
}
