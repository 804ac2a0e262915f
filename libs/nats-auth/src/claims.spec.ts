import { decode, type Account, type User } from '@nats-io/jwt';
import { cameraPermissions, servicePermissions, type ServiceRole } from '@desk-onvif/contracts';
import {
  accountJwt,
  accountSpecOf,
  applicationAccountSpec,
  createTrustKeys,
  createUserKey,
  credsText,
  operatorJwt,
  publicKeyOf,
  userJwt,
} from './claims.js';
import { MAX_CONTROL_LINE, renderServerConfig } from './server.config.js';

const keys = createTrustKeys();
const ID = '6b1f3f0e-1c7e-5d2a-9a53-0d7c8c1b2a11';

describe('NATS trust claims', () => {
  it('the operator names its signing key and the system account', async () => {
    const op = decode<{ signing_keys: string[]; system_account: string }>(await operatorJwt(keys));
    expect(op.sub).toBe(publicKeyOf(keys.operator));
    expect(op.nats.signing_keys).toEqual([publicKeyOf(keys.operatorSigning)]);
    expect(op.nats.system_account).toBe(publicKeyOf(keys.system));
  });

  it('the application account has JetStream, explicit -1 limits, both signing keys, signed by the operator signing key', async () => {
    const acc = decode<Account>(await accountJwt(applicationAccountSpec(keys), keys.operatorSigning));
    expect(acc.iss).toBe(publicKeyOf(keys.operatorSigning));
    expect(acc.sub).toBe(publicKeyOf(keys.account));
    expect(acc.nats.limits).toMatchObject({
      conn: -1,
      subs: -1,
      data: -1,
      payload: -1,
      disk_storage: -1,
      streams: -1,
    });
    expect(acc.nats.signing_keys).toEqual([
      publicKeyOf(keys.accountSigning),
      publicKeyOf(keys.registrySigning),
    ]);
  });

  it('re-signs the account with revocations and keeps the rest', async () => {
    const jwt = await accountJwt(applicationAccountSpec(keys), keys.operatorSigning);
    const spec = { ...accountSpecOf(jwt), revocations: { UABC: 1700000000 } };
    expect(accountSpecOf(jwt)).toEqual(applicationAccountSpec(keys));
    const again = decode<Account>(await accountJwt(spec, keys.operatorSigning));
    expect(again.nats.revocations).toEqual({ UABC: 1700000000 });
    expect(again.nats.signing_keys).toHaveLength(2);
  });

  it("a camera user carries the catalogue's permissions, its account, an expiry, and the creds hold its seed", async () => {
    const user = createUserKey();
    const expiresAt = new Date(Date.now() + 3_600_000);
    const jwt = await userJwt(
      {
        name: `camera:${ID}`,
        user: user.publicKey,
        account: publicKeyOf(keys.account),
        permissions: cameraPermissions(ID),
        expiresAt,
      },
      keys.registrySigning,
    );
    const claims = decode<User>(jwt);
    expect(claims.sub).toBe(user.publicKey);
    expect(claims.iss).toBe(publicKeyOf(keys.registrySigning));
    expect(claims.nats.issuer_account).toBe(publicKeyOf(keys.account));
    expect(claims.nats.pub?.allow).toEqual(cameraPermissions(ID).pub.allow);
    expect(claims.nats.resp).toEqual({ max: 1, ttl: 0 });
    expect(claims.nats.subs).toBe(-1);
    expect(claims.exp).toBe(Math.floor(expiresAt.getTime() / 1000));
    const creds = credsText(jwt, user.seed);
    expect(creds).toContain(jwt);
    expect(creds).toContain(user.seed);
  });
});

describe('nats-server configuration', () => {
  const text = renderServerConfig({
    host: '::1',
    port: 4222,
    operatorJwt: 'eyJ.op',
    systemAccount: 'ASYS',
    preload: { ASYS: 'eyJ.sys', AAPP: 'eyJ.app' },
    resolverDir: '/data/resolver',
    jetstreamDir: '/data/js',
    tls: { cert: '/pki/server.crt', key: '/pki/server.key' },
  });
  it('is operator mode with the full resolver, the preloaded accounts and TLS', () => {
    expect(text).toContain('listen: "[::1]:4222"');
    expect(text).toContain('operator: "eyJ.op"');
    expect(text).toContain('system_account: "ASYS"');
    expect(text).toMatch(/resolver \{\n {2}type: full\n {2}dir: "\/data\/resolver"/);
    expect(text).toContain('  AAPP: "eyJ.app"');
    expect(text).toMatch(/tls \{\n {2}cert_file: "\/pki\/server.crt"\n {2}key_file: "\/pki\/server.key"/);
    expect(text).not.toMatch(/^http/m);
    expect(text).toContain(`max_control_line: ${MAX_CONTROL_LINE}`);
  });
});

describe('every role connects', () => {
  it.each<ServiceRole>(['registry', 'onvif', 'discovery', 'console', 'admin'])(
    "the %s credential's CONNECT line (its JWT) fits nats-server's max_control_line with room to spare",
    async (role) => {
      const jwt = await userJwt(
        {
          name: role,
          user: createUserKey().publicKey,
          account: publicKeyOf(keys.account),
          permissions: servicePermissions(role),
        },
        keys.accountSigning,
      );
      // The CONNECT JSON around the JWT (options, signature of the nonce, client name) is < 1 KiB.
      expect(jwt.length + 1024).toBeLessThan(MAX_CONTROL_LINE / 2);
    },
  );
});
