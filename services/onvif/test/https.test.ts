import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import onvif, { type Cam } from 'onvif';
import type { CameraRecord } from '@desk-onvif/contracts';
import type { SitePki } from '@desk-onvif/site-pki';
import { testSitePki, WireCapture } from '@desk-onvif/test-support';
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
 * ONVIF over HTTPS (Profile T, issue 9) on the camera's own port, with the site PKI's server
 * certificate and ONVIF_REQUIRE_TLS: the npm `onvif` client over https, https XAddrs, plain HTTP
 * only for PRE_AUTH operations, and nothing secret on the wire in clear.
 */
const admin: Credentials = { username: 'admin', password: 'admin-password-https-1' };
let pki: SitePki;
let ca: Buffer;
let rig: OnvifRig;
let camera: CameraRecord;

beforeAll(async () => {
  pki = await testSitePki();
  ca = readFileSync(pki.caCert);
  rig = await OnvifRig.start({
    ONVIF_TLS_CERT: pki.serverCert,
    ONVIF_TLS_KEY: pki.serverKey,
    ONVIF_REQUIRE_TLS: 'true',
    // A client that sends the password in clear inside the envelope: TLS must still hide it.
    ONVIF_ALLOW_PASSWORD_TEXT: 'true',
  });
  camera = await rig.camera('https-pc', admin);
});

afterAll(async () => {
  await rig?.dispose();
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

/** One HTTPS request to the camera port (or to `port`, e.g. a capture's), verifying the site CA. */
function httpsCall(
  method: 'GET' | 'POST',
  path: string,
  body: string,
  headers: Record<string, string> = {},
  port = camera.onvifPort,
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        ca,
        agent: false,
        headers: { 'Content-Type': 'application/soap+xml', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function connect(secureOpts: { ca?: Buffer }, useWSSecurity = true): Promise<Cam> {
  return new Promise((resolve, reject) => {
    const cam = new onvif.Cam({
      hostname: '127.0.0.1',
      port: camera.onvifPort,
      ...admin,
      useWSSecurity,
      useSecure: true,
      secureOpts,
      timeout: 5000,
      autoconnect: false,
    });
    cam.on('rawResponse', (xml) => keep('npm-onvif https', xml));
    cam.connect((err) => (err ? reject(err) : resolve(cam)));
  });
}

describe('ONVIF over HTTPS on the camera port', () => {
  test.each([
    ['WS-Security', true],
    ['HTTP Digest', false],
  ])(
    'the npm onvif client over https (%s): profiles, the https snapshot URI, the stream URI',
    async (_n, wsse) => {
      const cam = await connect({ ca }, wsse);
      expect(cam.profiles.map((p) => p.$.token)).toEqual(['profile_main', 'profile_sub']);
      const snapshot = await new Promise<{ uri: string }>((res, rej) =>
        cam.getSnapshotUri({ profileToken: 'profile_main' }, (e, r) => (e ? rej(e) : res(r))),
      );
      expect(snapshot.uri).toBe(`https://127.0.0.1:${camera.onvifPort}/onvif/snapshot?stream=main`);
      const stream = await new Promise<{ uri: string }>((res, rej) =>
        cam.getStreamUri({ protocol: 'RTSP', profileToken: 'profile_main' }, (e, r) => (e ? rej(e) : res(r))),
      );
      expect(stream.uri).toMatch(/^rtsp:\/\/127\.0\.0\.1:\d+\/desk\//);
    },
  );

  test('a client that does not trust the site CA cannot connect', async () => {
    await expect(connect({})).rejects.toThrow(/certificate/i);
  });

  test('GetCapabilities and GetServices advertise https XAddrs and TLS 1.2, even asked over plain HTTP', async () => {
    const caps = await postSoap(
      camera.onvifPort,
      envelope(op('tds', 'GetCapabilities', '<tds:Category>All</tds:Category>')),
    );
    keep('https GetCapabilities over http', caps.body);
    expect(caps.status).toBe(200);
    expect(caps.body).toContain(
      `<tt:XAddr>https://127.0.0.1:${camera.onvifPort}/onvif/device_service</tt:XAddr>`,
    );
    expect(caps.body).toContain('<tt:TLS1.2>true</tt:TLS1.2>');
    const services = await httpsCall(
      'POST',
      '/onvif/device_service',
      envelope(op('tds', 'GetServices', '<tds:IncludeCapability>true</tds:IncludeCapability>')),
    );
    keep('https GetServices', services.body);
    expect(services.body).toContain(`https://127.0.0.1:${camera.onvifPort}/onvif/media_service`);
    expect(services.body).toContain('TLS1.2="true"');
    expect(services.body).not.toContain('http://127.0.0.1');
  });

  test('with HTTPS served the camera claims Profile T beside Profile S (GetScopes over https)', async () => {
    const reply = await httpsCall(
      'POST',
      '/onvif/device_service',
      envelope(op('tds', 'GetScopes'), { creds: admin }),
    );
    keep('https GetScopes', reply.body);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('<tt:ScopeItem>onvif://www.onvif.org/Profile/Streaming</tt:ScopeItem>');
    expect(reply.body).toContain('<tt:ScopeItem>onvif://www.onvif.org/Profile/T</tt:ScopeItem>');
  });

  test('ONVIF_REQUIRE_TLS: plain HTTP gets a clear fault for anything but PRE_AUTH, whatever the credentials', async () => {
    const plain = await postSoap(camera.onvifPort, envelope(op('trt', 'GetProfiles'), { creds: admin }));
    keep('https required fault', plain.body);
    expect(plain.status).toBe(400);
    expect(subcodes(plain.body)).toEqual(['NotAuthorized']);
    expect(plain.body).toContain(
      `requires HTTPS: use https://127.0.0.1:${camera.onvifPort}/onvif/device_service`,
    );
    expect((await postSoap(camera.onvifPort, envelope(op('tds', 'GetSystemDateAndTime')))).status).toBe(200);
    const snapshot = await fetch(`http://127.0.0.1:${camera.onvifPort}/onvif/snapshot?stream=main`);
    expect(snapshot.status).toBe(403);
    expect(await rig.onvif.metrics()).toMatch(
      /desk_onvif_auth_failures_total\{reason="tls-required"[^}]*\} [1-9]/,
    );
  });

  test('the snapshot URL over https asks for Digest and accepts it', async () => {
    const path = '/onvif/snapshot?stream=main';
    const challenge = await httpsCall('GET', path, '');
    expect(challenge.status).toBe(401);
    const answered = await httpsCall('GET', path, '', {
      Authorization: digestAuthorization(
        challenge.headers['www-authenticate'],
        'SHA-256',
        'GET',
        path,
        admin.username,
        admin.password,
      ),
    });
    // No agent answers in this rig: past authentication, the camera is offline.
    expect(answered.status).toBe(503);
  });
});

describe('a capture of the wire during SOAP over HTTPS', () => {
  test('holds no password, not even one sent as PasswordText, while plain PRE_AUTH traffic is readable', async () => {
    const wire = await WireCapture.start(camera.onvifPort);
    try {
      const secret = await httpsCall(
        'POST',
        '/onvif/device_service',
        envelope(op('trt', 'GetProfiles'), { creds: { ...admin, type: 'text' } }),
        {},
        wire.port,
      );
      expect(secret.status).toBe(200);
      expect(wire.bytes).toBeGreaterThan(1000);
      expect(wire.contains(admin.password)).toBe(false);
      expect(wire.contains('UsernameToken')).toBe(false);
      expect(wire.contains('profile_main')).toBe(false);
      // The capture does see what crosses in clear: a plain PRE_AUTH request and its answer.
      await postSoap(wire.port, envelope(op('tds', 'GetSystemDateAndTime')));
      expect(wire.contains('GetSystemDateAndTimeResponse')).toBe(true);
    } finally {
      await wire.stop();
    }
  });
});
