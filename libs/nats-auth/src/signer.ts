import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { fromSeed, type KeyPair } from '@nats-io/nkeys';

/**
 * A signing key pair for `@nats-io/jwt` whose signatures come from Node's own Ed25519 (OpenSSL)
 * instead of nkeys' pure-JS tweetnacl. The nkeys `KeyPair` derives the key pair from the seed again
 * on every `getPublicKey`, `getPrivateKey` and `sign`, and `encodeUser` calls them four times: on
 * this machine one camera JWT cost ~30 ms on a quiet core, the bulk of an enrolment. Here the public
 * key and the private key object are derived once; a signature takes ~0.1 ms. Ed25519 signatures are
 * deterministic, so the bytes are the same as tweetnacl's (signer.spec checks it).
 */
class NodeSigningKey implements KeyPair {
  private readonly nkey: KeyPair;
  private readonly publicKey: string;
  private readonly privateKey: Uint8Array;
  private readonly key: KeyObject;

  constructor(seed: string) {
    this.nkey = fromSeed(new TextEncoder().encode(seed));
    this.publicKey = this.nkey.getPublicKey();
    this.privateKey = this.nkey.getPrivateKey();
    this.key = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519_PREFIX, rawSeedOf(this.nkey)]),
      format: 'der',
      type: 'pkcs8',
    });
  }

  getPublicKey(): string {
    return this.publicKey;
  }
  getPrivateKey(): Uint8Array {
    return this.privateKey;
  }
  getSeed(): Uint8Array {
    return this.nkey.getSeed();
  }
  sign(input: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, input, this.key));
  }
  verify(input: Uint8Array, sig: Uint8Array): boolean {
    return this.nkey.verify(input, sig);
  }
  clear(): void {
    this.nkey.clear();
  }
  seal(): Uint8Array {
    throw new Error('a signing key does not seal');
  }
  open(): Uint8Array | null {
    throw new Error('a signing key does not open');
  }
}

/** The 32-byte Ed25519 seed inside an nkeys seed (nkeys' own pair has it, outside its typed interface). */
function rawSeedOf(kp: KeyPair): Uint8Array {
  const raw = (kp as KeyPair & { getRawSeed?: () => Uint8Array }).getRawSeed?.();
  if (!(raw instanceof Uint8Array) || raw.length !== 32) throw new Error('not an nkeys seed pair');
  return raw;
}

/** The DER header of a PKCS#8 Ed25519 private key (RFC 8410), followed by the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const cache = new Map<string, KeyPair>();

/** The signing key for a seed (`S…`), derived once per process: signing keys are few and long-lived. */
export function signingKey(seed: string): KeyPair {
  let kp = cache.get(seed);
  if (!kp) {
    kp = new NodeSigningKey(seed);
    cache.set(seed, kp);
  }
  return kp;
}
