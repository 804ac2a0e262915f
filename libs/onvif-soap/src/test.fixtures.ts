import type { CameraRecord } from '@desk-onvif/contracts';
import { DEFAULT_PARSE_LIMITS } from './envelope.parse.js';
import { DigestAuthority } from './http-digest.js';
import { Ns, PasswordType } from './namespaces.js';
import { NonceCache } from './nonce.cache.js';
import { SoapEndpoint, type SoapCallContext } from './soap.endpoint.js';
import { passwordDigest } from './wsse.auth.js';
import type { UserLevel } from './operation.types.js';

/** Shared by the specs: one camera, its users, a clock held still, and an endpoint. */

export const NOW = new Date('2026-03-01T12:00:00.000Z');
export const NONCE = Buffer.from('0123456789abcdef');

export const CAMERA: CameraRecord = {
  schema: 1,
  id: '6f1c1a2e-0c55-5b8e-9a43-0d9f5b1e2a11',
  identityKey: 'shared/host-1',
  mode: 'shared',
  hostId: 'host-1',
  hostName: 'PC-1',
  name: 'PC 1',
  nameSetByAdmin: false,
  onvifPort: 8090,
  portSetByAdmin: false,
  node: 'default',
  paths: {
    main: 'desk/6f1c1a2e-0c55-5b8e-9a43-0d9f5b1e2a11/main',
    sub: 'desk/6f1c1a2e-0c55-5b8e-9a43-0d9f5b1e2a11/sub',
  },
  mac: '02:aa:bb:cc:dd:ee',
  serial: 'DO-6F1C1A2E0C555B8E',
  publish: { user: 'publisher', password: '' },
  settings: {
    main: { width: 1920, height: 1080, fps: 15, bitrateKbps: 4000, gop: 30 },
    sub: { width: 640, height: 360, fps: 15, bitrateKbps: 512, gop: 30 },
  },
  discoveryMode: 'Discoverable',
  online: true,
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
};

export const USERS: Record<string, { password: string; level: UserLevel }> = {
  admin: { password: 'admin-password', level: 'Administrator' },
  operator: { password: 'operator-password', level: 'Operator' },
  viewer: { password: 'viewer-password', level: 'User' },
};

export function context(now = NOW): SoapCallContext {
  return {
    camera: CAMERA,
    users: {
      list: Object.entries(USERS).map(([username, u]) => ({ username, level: u.level })),
      passwordOf: (u) => USERS[u]?.password,
    },
    extraProfiles: [],
    endpoint: { host: '192.168.1.20', port: 8090, mediaHost: '192.168.1.30', rtspPort: 8554 },
    device: { manufacturer: 'desk-onvif', firmwareVersion: '0.1.0' },
    now,
  };
}

export function endpoint(opts: { allowPasswordText?: boolean } = {}): SoapEndpoint {
  return new SoapEndpoint({
    windowMs: 300_000,
    allowPasswordText: opts.allowPasswordText ?? false,
    nonces: new NonceCache(1000, 600_000),
    digest: digestAuthority(),
    limits: DEFAULT_PARSE_LIMITS,
  });
}

export function digestAuthority(): DigestAuthority {
  return new DigestAuthority({
    realm: 'desk-onvif',
    secret: Buffer.alloc(32, 7),
    nonceTtlMs: 300_000,
    maxTrackedNonces: 100,
  });
}

/** The parts of a UsernameToken as clients write them, digest computed for `user` at NOW. */
export function token(user = 'admin', opts: { password?: string; created?: Date; nonce?: Buffer } = {}) {
  const created = (opts.created ?? NOW).toISOString();
  const nonce = opts.nonce ?? NONCE;
  return {
    username: user,
    digest: passwordDigest(nonce, created, opts.password ?? USERS[user]?.password ?? 'x'),
    nonce: nonce.toString('base64'),
    created,
    digestType: PasswordType.digest,
    textType: PasswordType.text,
    wsse: Ns.wsse,
    wsu: Ns.wsu,
  };
}
