import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, jwtVerify } from 'jose';
import { cameraOfPath } from './auth-request.js';

/**
 * The console's read credential for MediaMTX (WebRTC/WHEP live view): a short-lived token per view,
 * an EdDSA (Ed25519) JWT that the console signs and the auth hook verifies. The console holds the
 * private key, the onvif service (the hook) only the public one: the hook cannot mint a token, and
 * nothing secret but the one token ever reaches a browser. A token says which camera path it is
 * for and expires after a minute; the hook accepts it for `read` over `webrtc` only, never for
 * publish, playback, api or another path. MediaMTX passes `Authorization: Bearer <token>` to the
 * hook as `token` (a JWT has no `:`, which MediaMTX would split into user and password).
 */
export const VIEW_TOKEN_ISSUER = 'desk-onvif-console';
export const VIEW_TOKEN_AUDIENCE = 'desk-onvif-media-read';
/** Long enough for a WHEP handshake on a slow network; MediaMTX checks it once, at the offer. */
export const VIEW_TOKEN_TTL_S = 60;

export interface ViewTokenClaims {
  /** The camera path (`desk/<id>/main|sub`) the token lets its bearer read. */
  path: string;
  /** The console account that asked (for the hook's log). */
  sub: string;
}

/** Signs view tokens: the console's side (the private key, PEM PKCS#8). */
export class ViewTokenSigner {
  private readonly key: KeyObject;
  constructor(privateKeyPem: string | Buffer) {
    this.key = createPrivateKey(privateKeyPem);
    if (this.key.asymmetricKeyType !== 'ed25519') throw new TypeError('the view key must be an Ed25519 key');
  }

  async sign(claims: ViewTokenClaims, ttlS = VIEW_TOKEN_TTL_S, now = Date.now()): Promise<string> {
    if (!cameraOfPath(claims.path)) throw new TypeError(`not a camera path: ${claims.path}`);
    const iat = Math.floor(now / 1000);
    return new SignJWT({ path: claims.path })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setIssuer(VIEW_TOKEN_ISSUER)
      .setAudience(VIEW_TOKEN_AUDIENCE)
      .setSubject(claims.sub)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlS)
      .setJti(randomUUID())
      .sign(this.key);
  }
}

/** Verifies view tokens: the hook's side (the public key, PEM SPKI). */
export class ViewTokenVerifier {
  private readonly key: KeyObject;
  constructor(publicKeyPem: string | Buffer) {
    this.key = createPublicKey(publicKeyPem);
    if (this.key.asymmetricKeyType !== 'ed25519') throw new TypeError('the view key must be an Ed25519 key');
  }

  /** The claims when the token is ours, unexpired and for `path`; undefined otherwise. */
  async verify(token: string, path: string, now = Date.now()): Promise<ViewTokenClaims | undefined> {
    if (token.length > 4096) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['EdDSA'],
        issuer: VIEW_TOKEN_ISSUER,
        audience: VIEW_TOKEN_AUDIENCE,
        requiredClaims: ['exp', 'iat', 'sub'],
        currentDate: new Date(now),
        // A token is a minute long; allow no more than that of clock difference between replicas.
        maxTokenAge: VIEW_TOKEN_TTL_S * 2,
      });
      const wanted = path.replace(/^\/+/, '');
      if (typeof payload.path !== 'string' || payload.path !== wanted) return undefined;
      return { path: payload.path, sub: payload.sub ?? '' };
    } catch {
      return undefined;
    }
  }
}

/** Where `desk-onvif trust init` (and libs/system) keep the view key pair, under the trust dir. */
export interface ViewKeyFiles {
  /** The console's (0600): signs. */
  privateKey: string;
  /** The onvif service's (0644): verifies. */
  publicKey: string;
}

export function viewKeyFiles(trustDir: string): ViewKeyFiles {
  const dir = join(trustDir, 'media');
  return { privateKey: join(dir, 'console-view.key'), publicKey: join(dir, 'console-view.pub') };
}

/**
 * The view key pair, generated once into `<trustDir>/media/` and kept (as the other trust files):
 * a new pair would only end the views in progress. Returns the files and what was generated.
 */
export function ensureViewKeys(trustDir: string): ViewKeyFiles & { generated: string[] } {
  const files = viewKeyFiles(trustDir);
  mkdirSync(join(trustDir, 'media'), { recursive: true, mode: 0o700 });
  const generated: string[] = [];
  if (!existsSync(files.privateKey)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(files.privateKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    generated.push('media/console-view.key');
  }
  chmodSync(files.privateKey, 0o600);
  const publicPem = createPublicKey(createPrivateKey(readFileSync(files.privateKey)))
    .export({ type: 'spki', format: 'pem' })
    .toString();
  if (!existsSync(files.publicKey) || readFileSync(files.publicKey, 'utf8') !== publicPem) {
    writeFileSync(files.publicKey, publicPem, { mode: 0o644 });
    generated.push('media/console-view.pub');
  }
  return { ...files, generated };
}
