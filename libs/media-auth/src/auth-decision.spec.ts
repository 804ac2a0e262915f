import {
  cameraIdOf,
  DEFAULT_ENCODER_SETTINGS,
  macOf,
  mediaPathsOf,
  serialOf,
  type CameraRecord,
} from '@desk-onvif/contracts';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideMediaAuth, sameSecret, type MediaAuthDirectory } from './auth-decision.js';
import { ensureViewKeys, ViewTokenSigner, ViewTokenVerifier } from './view-token.js';
import { MediaAuthRequestSchema, cameraOfPath } from './auth-request.js';
import { NetworkSet } from './networks.js';

const id = cameraIdOf('shared/lab-pc-1');
const other = cameraIdOf('shared/lab-pc-2');
const camera: CameraRecord = {
  schema: 1,
  id,
  identityKey: 'shared/lab-pc-1',
  mode: 'shared',
  hostId: 'lab-pc-1',
  hostName: 'LAB-PC-1',
  name: 'LAB-PC-1',
  nameSetByAdmin: false,
  onvifPort: 8090,
  portSetByAdmin: false,
  node: 'default',
  paths: mediaPathsOf(id),
  mac: macOf(id),
  serial: serialOf(id),
  publish: { user: `publisher-${id}`, password: 'pub-secret-123456' },
  settings: DEFAULT_ENCODER_SETTINGS,
  discoveryMode: 'Discoverable',
  online: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const dir: MediaAuthDirectory = {
  camera: (cid) => (cid === id ? camera : undefined),
  verifyViewer: (cid, user, pass) => cid === id && user === 'viewer' && pass === 'viewer-pass-1',
  isInternal: (ip) => new NetworkSet(['127.0.0.0/8', '172.16.0.0/12']).has(ip),
};

// Bodies as MediaMTX 1.x sends them (authMethod: http).
const body = (over: Record<string, unknown>) =>
  MediaAuthRequestSchema.parse({
    user: '',
    password: '',
    token: '',
    ip: '192.168.1.50',
    action: 'read',
    path: `desk/${id}/main`,
    protocol: 'rtsp',
    id: '5e8f7f5a-0f0e-4c1d-9a57-2b1c8a3b1f00',
    query: '',
    ...over,
  });

describe('MediaMTX auth hook decisions', () => {
  it.each([
    [
      'publisher with its secret, main',
      { action: 'publish', user: `publisher-${id}`, password: 'pub-secret-123456' },
      200,
      'publisher',
    ],
    [
      'publisher with its secret, sub',
      { action: 'publish', path: `desk/${id}/sub`, user: `publisher-${id}`, password: 'pub-secret-123456' },
      200,
      'publisher',
    ],
    ['publisher, first call without credentials', { action: 'publish' }, 401, 'credentials-required'],
    [
      'publisher with a wrong secret',
      { action: 'publish', user: `publisher-${id}`, password: 'guess' },
      403,
      'wrong-credentials',
    ],
    [
      'publisher to another camera path',
      {
        action: 'publish',
        path: `desk/${other}/main`,
        user: `publisher-${id}`,
        password: 'pub-secret-123456',
      },
      403,
      'unknown-camera',
    ],
    [
      'publisher to a path outside desk/',
      { action: 'publish', path: 'live/x', user: `publisher-${id}`, password: 'pub-secret-123456' },
      403,
      'unknown-path',
    ],
    ['viewer (ONVIF user) reads', { user: 'viewer', password: 'viewer-pass-1' }, 200, 'viewer'],
    ['reader without credentials is asked for them', {}, 401, 'credentials-required'],
    ['reader with a wrong password', { user: 'viewer', password: 'nope' }, 403, 'wrong-credentials'],
    [
      'the publish secret does not let anyone read',
      { user: `publisher-${id}`, password: 'pub-secret-123456' },
      403,
      'wrong-credentials',
    ],
    ['api from loopback', { action: 'api', ip: '127.0.0.1', path: '' }, 200, 'internal-network'],
    [
      'metrics from the compose network',
      { action: 'metrics', ip: '172.18.0.5', path: '' },
      200,
      'internal-network',
    ],
    ['api from the LAN', { action: 'api', ip: '192.168.1.50', path: '' }, 403, 'not-internal'],
    [
      'playback is not offered',
      { action: 'playback', user: 'viewer', password: 'viewer-pass-1' },
      403,
      'action-not-allowed',
    ],
  ])('%s', async (_name, over, status, reason) => {
    expect(await decideMediaAuth(body(over), dir)).toEqual({ status, reason });
  });

  it('refuses an unknown action in the body', () => {
    expect(MediaAuthRequestSchema.safeParse({ action: 'delete' }).success).toBe(false);
  });

  it('parses camera paths, with or without a leading slash', () => {
    expect(cameraOfPath(`/desk/${id}/sub`)).toEqual({ cameraId: id, stream: 'sub' });
    expect(cameraOfPath(`desk/${id}/third`)).toBeUndefined();
    expect(cameraOfPath(`desk/${id.toUpperCase()}/main`)).toBeUndefined();
  });

  it('compares secrets in constant time and never matches an empty secret', () => {
    expect(sameSecret('a', 'a')).toBe(true);
    expect(sameSecret('', '')).toBe(false);
    expect(sameSecret('ab', 'a')).toBe(false);
  });
});

describe('network sets', () => {
  const sut = new NetworkSet(['10.0.0.0/8', '::1', '192.168.7.0/24']);
  it.each([
    ['10.1.2.3', true],
    ['::ffff:10.1.2.3', true],
    ['::1', true],
    ['192.168.7.255', true],
    ['192.168.8.1', false],
    ['not-an-ip', false],
  ])('%s → %s', (ip, inside) => {
    expect(sut.has(ip)).toBe(inside);
  });
  it('refuses a malformed network', () => {
    expect(() => new NetworkSet(['10.0.0.0/33'])).toThrow(/not a network/);
    expect(() => new NetworkSet(['ten'])).toThrow(/not a network/);
  });
});

describe("the console's view token (WHEP reads)", () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer = new ViewTokenSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const verifier = new ViewTokenVerifier(publicKey.export({ type: 'spki', format: 'pem' }));
  const stranger = generateKeyPairSync('ed25519');
  const forger = new ViewTokenSigner(stranger.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const withTokens: MediaAuthDirectory = {
    ...dir,
    verifyViewToken: (token, path) => verifier.verify(token, path),
  };
  const main = `desk/${id}/main`;
  const webrtc = (over: Record<string, unknown>) => body({ protocol: 'webrtc', ...over });

  it('reads the path it was signed for over WebRTC', async () => {
    const token = await signer.sign({ path: main, sub: 'alice' });
    expect(token).not.toContain(':'); // MediaMTX would split "a:b" into user and password
    expect(await decideMediaAuth(webrtc({ token }), withTokens)).toEqual({
      status: 200,
      reason: 'console-view',
    });
    expect(await verifier.verify(token, `/${main}`)).toEqual({ path: main, sub: 'alice' });
  });

  it.each([
    [
      'another path of the same camera',
      async () => ({ token: await signer.sign({ path: main, sub: 'a' }), path: `desk/${id}/sub` }),
    ],
    ['signed by another key', async () => ({ token: await forger.sign({ path: main, sub: 'a' }) })],
    [
      'expired',
      async () => ({ token: await signer.sign({ path: main, sub: 'a' }, 60, Date.now() - 61_000) }),
    ],
    [
      'tampered',
      async () => {
        // The signed payload of a token for the main stream, rewritten to name the sub stream.
        const [head, payload, sig] = (await signer.sign({ path: main, sub: 'a' })).split('.');
        const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { path: string };
        claims.path = `desk/${id}/sub`;
        const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
        return { token: `${head}.${forged}.${sig}`, path: `desk/${id}/sub` };
      },
    ],
    ['not a JWT', () => Promise.resolve({ token: 'garbage' })],
  ])('refuses a token %s', async (_name, make) => {
    expect(await decideMediaAuth(webrtc(await make()), withTokens)).toEqual({
      status: 403,
      reason: 'wrong-credentials',
    });
  });

  it.each([
    ['publish', { action: 'publish' }],
    ['an RTSP read', { protocol: 'rtsp' }],
    ['playback', { action: 'playback' }],
  ])('never lets a token %s', async (_name, over) => {
    const token = await signer.sign({ path: main, sub: 'alice' });
    expect((await decideMediaAuth(webrtc({ token, ...over }), withTokens)).status).toBe(403);
  });

  it('refuses every token where no view key is configured, and a token for an unknown camera', async () => {
    const token = await signer.sign({ path: main, sub: 'alice' });
    expect(await decideMediaAuth(webrtc({ token }), dir)).toEqual({
      status: 403,
      reason: 'wrong-credentials',
    });
    const elsewhere = `desk/${cameraIdOf('shared/none')}/main`;
    const foreign = await signer.sign({ path: elsewhere, sub: 'alice' });
    expect(await decideMediaAuth(webrtc({ token: foreign, path: elsewhere }), withTokens)).toEqual({
      status: 403,
      reason: 'unknown-camera',
    });
  });

  it('a WHEP offer without credentials is asked for them', async () => {
    expect(await decideMediaAuth(webrtc({}), withTokens)).toEqual({
      status: 401,
      reason: 'credentials-required',
    });
  });

  it('signs only camera paths, and only with an Ed25519 key', async () => {
    await expect(signer.sign({ path: 'live/x', sub: 'a' })).rejects.toThrow(/camera path/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => new ViewTokenSigner(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }))).toThrow(
      /Ed25519/,
    );
  });

  it('keeps the key pair it generated, the private half 0600', () => {
    const trust = mkdtempSync(join(tmpdir(), 'view-keys-'));
    try {
      const first = ensureViewKeys(trust);
      expect(first.generated).toEqual(['media/console-view.key', 'media/console-view.pub']);
      expect(statSync(first.privateKey).mode & 0o777).toBe(0o600);
      const pub = readFileSync(first.publicKey, 'utf8');
      expect(ensureViewKeys(trust).generated).toEqual([]);
      expect(readFileSync(first.publicKey, 'utf8')).toBe(pub);
    } finally {
      rmSync(trust, { recursive: true, force: true });
    }
  });
});
