import {
  cameraIdOf,
  DEFAULT_ENCODER_SETTINGS,
  macOf,
  mediaPathsOf,
  serialOf,
  type CameraRecord,
} from '@desk-onvif/contracts';
import { decideMediaAuth, sameSecret, type MediaAuthDirectory } from './auth-decision.js';
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
