import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { cameraSubjects, encodeJson, type CameraRecord } from '@desk-onvif/contracts';
import type { Subscription } from '@nats-io/transport-node';
import {
  digestAuthorization,
  envelope,
  keep,
  op,
  OnvifRig,
  postSoap,
  subcodes,
  type Credentials,
  type HttpReply,
} from './onvif.rig.js';

/**
 * Password guessing (issue 9) against the real service: WS-Security, HTTP Digest, the snapshot URL
 * and the MediaMTX hook. After a handful of failures answers are delayed, then the address is
 * locked out (the right password from it is refused too); the right password from another
 * address (127.0.0.x: every loopback address is this machine) still works.
 */
const DELAY_MS = 150;
const FREE = 3;
const LOCK_AFTER = 6;
const SECRET = randomBytes(18).toString('base64url');
const admin: Credentials = { username: 'admin', password: 'admin-password-1' };
const wrong: Credentials = { ...admin, password: 'wrong-password-1' };
let rig: OnvifRig;
let camera: CameraRecord;
let agent: Subscription;

beforeAll(async () => {
  rig = await OnvifRig.start({
    ONVIF_AUTH_FREE_FAILURES: String(FREE),
    ONVIF_AUTH_LOCKOUT_AFTER: String(LOCK_AFTER),
    ONVIF_AUTH_DELAY_MS: String(DELAY_MS),
    ONVIF_AUTH_MAX_DELAY_MS: String(4 * DELAY_MS),
    ONVIF_MEDIA_AUTH_SECRET: SECRET,
    ONVIF_LOG_LEVEL: 'info',
  });
  camera = await rig.camera('brute-force-pc', admin);
  agent = rig.nc.subscribe(cameraSubjects(camera.id).snapshot.subject, {
    callback: (_err, msg) => {
      msg.respond(
        encodeJson({
          ok: true,
          contentType: 'image/jpeg',
          jpegBase64: Buffer.from([0xff, 0xd8, 0xff, 0xd9]).toString('base64'),
          at: new Date().toISOString(),
        }),
      );
    },
  });
});

afterAll(async () => {
  agent?.unsubscribe();
  await rig?.dispose();
});

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

const profiles = op('trt', 'GetProfiles');
const soapFrom = (from: string, creds: Credentials) =>
  postSoap(camera.onvifPort, envelope(profiles, { creds }), { from });

/** A GET of the snapshot with HTTP Digest from `from`: the challenge first, then the answer. */
async function snapshotFrom(from: string, password: string): Promise<HttpReply> {
  const path = '/onvif/snapshot?stream=main';
  const get = (headers: Record<string, string>) =>
    new Promise<HttpReply>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: camera.onvifPort, path, agent: false, localAddress: from, headers },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  const challenge = await get({});
  if (challenge.status !== 401) return challenge;
  return get({
    Authorization: digestAuthorization(
      challenge.headers['www-authenticate'],
      'SHA-256',
      'GET',
      path,
      'admin',
      password,
    ),
  });
}

describe('WS-Security UsernameToken guesses', () => {
  test('free, then delayed, then locked out; the right password from the locked address is refused', async () => {
    const answers = [];
    for (let i = 0; i < LOCK_AFTER; i++) answers.push(await timed(() => soapFrom('127.0.0.11', wrong)));
    for (const a of answers) expect(subcodes(a.value.body)).toEqual(['NotAuthorized']);
    // Failures past the free ones are held back, each at least the configured delay, doubling.
    expect(answers[FREE]!.ms).toBeGreaterThanOrEqual(DELAY_MS);
    expect(answers[FREE + 1]!.ms).toBeGreaterThanOrEqual(2 * DELAY_MS);
    const locked = await soapFrom('127.0.0.11', admin);
    keep('auth locked out', locked.body);
    expect(locked.status).toBe(400);
    expect(subcodes(locked.body)).toEqual(['NotAuthorized']);
    expect(locked.body).toContain('locked out');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });

  test('the right password from another address still works, at once', async () => {
    const other = await soapFrom('127.0.0.12', admin);
    expect(other.status).toBe(200);
  });

  test('PRE_AUTH operations still answer the locked address (a client can read the clock)', async () => {
    const reply = await postSoap(camera.onvifPort, envelope(op('tds', 'GetSystemDateAndTime')), {
      from: '127.0.0.11',
    });
    expect(reply.status).toBe(200);
  });
});

describe('HTTP Digest guesses', () => {
  test('locked out after the same number of failures; another address logs in', async () => {
    const path = '/onvif/device_service';
    const digestSoap = async (from: string, password: string) => {
      const challenge = await postSoap(camera.onvifPort, envelope(profiles), { from, path });
      expect(challenge.status).toBe(401);
      return postSoap(camera.onvifPort, envelope(profiles), {
        from,
        path,
        headers: {
          Authorization: digestAuthorization(
            challenge.headers['www-authenticate'],
            'MD5',
            'POST',
            path,
            'admin',
            password,
          ),
        },
      });
    };
    for (let i = 0; i < LOCK_AFTER; i++)
      expect((await digestSoap('127.0.0.13', 'wrong-password-2')).status).toBe(401);
    const locked = await digestSoap('127.0.0.13', admin.password);
    expect(subcodes(locked.body)).toEqual(['NotAuthorized']);
    expect(locked.body).toContain('locked out');
    expect((await digestSoap('127.0.0.14', admin.password)).status).toBe(200);
  });
});

describe('snapshot URL guesses', () => {
  test('locked out with 429 and Retry-After; another address gets the picture', async () => {
    for (let i = 0; i < LOCK_AFTER; i++)
      expect((await snapshotFrom('127.0.0.15', 'wrong-password-3')).status).toBe(401);
    const locked = await snapshotFrom('127.0.0.15', admin.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    const other = await snapshotFrom('127.0.0.16', admin.password);
    expect(other.status).toBe(200);
    expect(other.headers['content-type']).toBe('image/jpeg');
  });
});

describe('the MediaMTX auth hook', () => {
  const hook = (path: string, body: Record<string, unknown>) =>
    fetch(`${rig.onvif.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: '',
        action: 'read',
        path: camera.paths.main,
        protocol: 'rtsp',
        id: null,
        query: '',
        ...body,
      }),
    });
  const read = (ip: string, password: string) =>
    hook(`/mediamtx/auth/${SECRET}`, { ip, user: 'admin', password });

  test('answers only at its secret path: without it, or with another, a 404 that decides nothing', async () => {
    const right = { ip: '192.0.2.1', user: 'admin', password: admin.password };
    expect((await hook('/mediamtx/auth', right)).status).toBe(404);
    expect((await hook(`/mediamtx/auth/${SECRET.slice(1)}x`, right)).status).toBe(404);
    expect((await hook(`/mediamtx/auth/${SECRET}`, right)).status).toBe(200);
    expect(rig.onvif.output()).not.toContain(SECRET);
  });

  test('RTSP read guesses from one client address are locked out; the right password from another reads', async () => {
    for (let i = 0; i < LOCK_AFTER; i++)
      expect((await read('192.0.2.7', 'wrong-password-4')).status).toBe(403);
    expect((await read('192.0.2.7', admin.password)).status).toBe(403);
    expect((await read('192.0.2.8', admin.password)).status).toBe(200);
  });
});

describe('counted and logged', () => {
  test('metrics by channel and scope; one log line per lockout, without a password', async () => {
    const metrics = await rig.onvif.metrics();
    for (const channel of ['soap', 'snapshot', 'rtsp-read'])
      expect(metrics).toMatch(
        new RegExp(`desk_onvif_auth_throttled_total\\{channel="${channel}",scope="source"[^}]*\\} [1-9]`),
      );
    expect(metrics).toMatch(/desk_onvif_auth_lockouts_total\{scope="source"[^}]*\} 4/);
    expect(metrics).toMatch(/desk_onvif_auth_delayed_total\{channel="soap"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/desk_onvif_auth_locked_out\{scope="source"[^}]*\} 4/);
    const lines = rig.onvif
      .output()
      .split('\n')
      .filter((l) => l.includes('locked out after repeated wrong passwords'));
    expect(
      lines.map((l) => (JSON.parse(l) as { message: { source: string } }).message.source).sort(),
    ).toEqual(['127.0.0.11', '127.0.0.13', '127.0.0.15', '192.0.2.7']);
    for (const secret of [admin.password, 'wrong-password-1', 'wrong-password-4'])
      expect(rig.onvif.output()).not.toContain(secret);
  });
});
