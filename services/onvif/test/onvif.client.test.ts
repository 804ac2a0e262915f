import { createServer, type Server } from 'node:net';
import onvif, { type Cam, type User } from 'onvif';
import { cameraSubjects, encodeJson, Registry, call, type CameraRecord } from '@desk-onvif/contracts';
import { freePort, waitFor } from '@desk-onvif/test-support';
import { digestAuthorization, keep, OnvifRig } from './onvif.rig.js';

/**
 * The npm `onvif` client (as in older UniFi Protect builds) against the real service, registry
 * and nats-server: connect, profiles, URIs, users; then the snapshot URL and the listeners'
 * life: moved, closed, and a port that cannot be bound.
 */

const admin = { username: 'admin', password: 'admin-password-1' };
let rig: OnvifRig;
let camera: CameraRecord;

beforeAll(async () => {
  rig = await OnvifRig.start();
  camera = await rig.camera('client-host-1');
});

afterAll(async () => {
  await rig?.dispose();
});

function connect(useWSSecurity: boolean, port = camera.onvifPort, creds = admin): Promise<Cam> {
  return new Promise((resolve, reject) => {
    const cam = new onvif.Cam({
      hostname: '127.0.0.1',
      port,
      ...creds,
      useWSSecurity,
      timeout: 5000,
      autoconnect: false,
    });
    cam.on('rawResponse', (xml) => keep(`npm-onvif ${useWSSecurity ? 'wsse' : 'digest'}`, xml));
    cam.connect((err) => (err ? reject(err) : resolve(cam)));
  });
}

function promised<T>(fn: (cb: (err: Error | null, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result))));
}

describe.each([
  ['HTTP Digest', false],
  ['WS-Security UsernameToken', true],
])('npm onvif with %s', (_name, useWSSecurity) => {
  let cam: Cam;
  beforeAll(async () => {
    cam = await connect(useWSSecurity);
  });

  test('connects and reads both H.264 profiles with their RateControl', () => {
    expect(cam.profiles.map((p) => p.$.token)).toEqual(['profile_main', 'profile_sub']);
    const sub = cam.profiles[1]?.videoEncoderConfiguration;
    expect(sub?.resolution).toEqual({ width: 640, height: 360 });
    expect(sub?.rateControl?.frameRateLimit).toBe(15);
    expect(Object.keys(cam.uri)).toEqual(expect.arrayContaining(['device', 'media', 'media2']));
  });

  test('stream URI → the MediaMTX path, snapshot URI → this camera', async () => {
    const stream = await promised<{ uri: string }>((cb) =>
      cam.getStreamUri({ protocol: 'RTSP', profileToken: 'profile_sub' }, cb),
    );
    expect(stream.uri).toBe(`rtsp://127.0.0.1:8554/${camera.paths.sub}`);
    const snap = await promised<{ uri: string }>((cb) =>
      cam.getSnapshotUri({ profileToken: 'profile_main' }, cb),
    );
    expect(snap.uri).toBe(`http://127.0.0.1:${camera.onvifPort}/onvif/snapshot?stream=main`);
  });

  test('device information carries the serial from the camera id', async () => {
    const info = await promised<{ serialNumber: string }>((cb) => cam.getDeviceInformation(cb));
    expect(info.serialNumber).toBe(camera.serial);
  });

  test('user management round trip', async () => {
    const name = useWSSecurity ? 'wsse-user' : 'digest-user';
    const created = await promised<User[]>((cb) =>
      cam.createUsers([{ username: name, password: 'a-long-password', userLevel: 'Operator' }], cb),
    );
    expect(created).toEqual(expect.arrayContaining([{ username: name, userLevel: 'Operator' }]));
    const other = await connect(useWSSecurity, camera.onvifPort, {
      username: name,
      password: 'a-long-password',
    });
    expect(other.profiles).toHaveLength(2);
    const updated = await promised<User[]>((cb) =>
      cam.setUsers([{ username: name, password: 'another-password', userLevel: 'User' }], cb),
    );
    expect(updated).toEqual(expect.arrayContaining([{ username: name, userLevel: 'User' }]));
    const left = await promised<User[]>((cb) => cam.deleteUsers([name], cb));
    expect(left.map((u) => u.username)).toEqual(['admin']);
    // The client connects anyway (GetSystemDateAndTime is PRE_AUTH) but may do nothing else.
    const gone = await connect(useWSSecurity, camera.onvifPort, {
      username: name,
      password: 'another-password',
    });
    expect(gone.profiles).toHaveLength(0);
    await expect(promised((cb) => gone.getDeviceInformation(cb))).rejects.toThrow();
  });
});

describe('the snapshot URL', () => {
  const url = () => `http://127.0.0.1:${camera.onvifPort}/onvif/snapshot?stream=main`;
  const path = '/onvif/snapshot?stream=main';

  async function authorized(): Promise<Response> {
    const challenge = await fetch(url());
    expect(challenge.status).toBe(401);
    const values = challenge.headers.get('www-authenticate')?.split(/,\s*(?=Digest )/) ?? [];
    return fetch(url(), {
      headers: {
        Authorization: digestAuthorization(values, 'SHA-256', 'GET', path, admin.username, admin.password),
      },
    });
  }

  test('answers 503 when no agent answers', async () => {
    const res = await authorized();
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/offline/);
  });

  test("serves the agent's JPEG to an authenticated client", async () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    const sub = rig.nc.subscribe(cameraSubjects(camera.id).snapshot.subject, {
      callback: (_err, msg) => {
        msg.respond(
          encodeJson({
            ok: true,
            contentType: 'image/jpeg',
            jpegBase64: jpeg.toString('base64'),
            at: new Date().toISOString(),
          }),
        );
      },
    });
    try {
      const res = await authorized();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await res.arrayBuffer())).toEqual(jpeg);
    } finally {
      sub.unsubscribe();
    }
  });
});

describe('listeners follow the camera records', () => {
  let blocker: Server | undefined;
  afterAll(() => blocker?.close());

  test('an administrator moves the port: the old one closes, the new one answers', async () => {
    const cam = await rig.camera('client-host-move');
    const to = await freePort();
    await call(rig.nc, Registry.update, { id: cam.id, patch: { onvifPort: to } });
    await rig.listening(to);
    await waitFor('the old port to close', async () => !(await answers(cam.onvifPort)));
  });

  test('a removed camera closes its listener', async () => {
    const cam = await rig.camera('client-host-remove');
    await call(rig.nc, Registry.remove, { id: cam.id });
    await waitFor('the listener to close', async () => !(await answers(cam.onvifPort)));
  });

  test('a port that cannot be bound is reported, and the registry moves the camera', async () => {
    const cam = await rig.camera('client-host-blocked');
    const taken = await freePort();
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(taken, '127.0.0.1', r));
    await call(rig.nc, Registry.update, { id: cam.id, patch: { onvifPort: taken } });
    let moved: CameraRecord | undefined;
    await waitFor('the registry to move the camera', async () => {
      moved = (await call(rig.nc, Registry.get, { id: cam.id })).camera;
      return moved.onvifPort !== taken;
    });
    await rig.listening(moved!.onvifPort);
    expect(await rig.onvif.metrics()).toMatch(/desk_onvif_listener_bind_failures_total\{[^}]*\} 1/);
  });
});

describe('a nats-server restart', () => {
  test('listeners and users survive it, and new cameras still open', async () => {
    await rig.nats.restart();
    const again = await connect(false);
    expect(again.profiles).toHaveLength(2);
    // The registry needs its own moment to find JetStream again.
    await waitFor(
      'the registry after the restart',
      async () => {
        await call(rig.nc, Registry.list, { limit: 1 }, 1000);
        return true;
      },
      30_000,
    );
    const cam = await rig.camera('client-host-after-restart');
    await rig.listening(cam.onvifPort);
  });
});

async function answers(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/onvif/device_service`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}
