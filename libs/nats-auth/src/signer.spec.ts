import { fromPublic, fromSeed } from '@nats-io/nkeys';
import { decode, type User } from '@nats-io/jwt';
import { cameraPermissions } from '@desk-onvif/contracts';
import { createTrustKeys, createUserKey, publicKeyOf, userJwt } from './claims.js';
import { signingKey } from './signer.js';

const keys = createTrustKeys();
const bytes = (s: string) => new TextEncoder().encode(s);

describe('signingKey (Node Ed25519 behind the nkeys KeyPair interface)', () => {
  it('signs exactly the bytes tweetnacl signs, and nkeys verifies them', () => {
    const nkey = fromSeed(bytes(keys.registrySigning));
    const fast = signingKey(keys.registrySigning);
    const input = bytes('{"jti":"x","sub":"U..."}');
    const sig = fast.sign(input);
    expect(Buffer.from(sig).equals(Buffer.from(nkey.sign(input)))).toBe(true);
    expect(fromPublic(nkey.getPublicKey()).verify(input, sig)).toBe(true);
    expect(fast.getPublicKey()).toBe(nkey.getPublicKey());
    expect(Buffer.from(fast.getPrivateKey()).equals(Buffer.from(nkey.getPrivateKey()))).toBe(true);
  });

  it('a wrong key does not verify its signature', () => {
    const sig = signingKey(keys.registrySigning).sign(bytes('a'));
    expect(fromPublic(publicKeyOf(keys.accountSigning)).verify(bytes('a'), sig)).toBe(false);
  });

  it('a camera JWT is issued by the registry signing key, its signature valid', async () => {
    const user = createUserKey();
    const jwt = await userJwt(
      {
        name: 'camera:x',
        user: user.publicKey,
        account: publicKeyOf(keys.account),
        permissions: cameraPermissions('6b1f3f0e-1c7e-5d2a-9a53-0d7c8c1b2a11'),
      },
      keys.registrySigning,
    );
    const claims = decode<User>(jwt);
    expect(claims.iss).toBe(publicKeyOf(keys.registrySigning));
    expect(claims.sub).toBe(user.publicKey);
    const [h, p, s] = jwt.split('.');
    expect(
      fromPublic(claims.iss).verify(bytes(`${h}.${p}`), new Uint8Array(Buffer.from(s!, 'base64url'))),
    ).toBe(true);
  });

  it('refuses a public key where a seed is needed', () => {
    expect(() => signingKey(publicKeyOf(keys.registrySigning))).toThrow();
  });
});
