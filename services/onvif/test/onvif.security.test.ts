import { randomBytes } from 'node:crypto';
import { connect as connectTcp } from 'node:net';
import { Onvif, Registry, call, type CameraRecord } from '@desk-onvif/contracts';
import { waitFor } from '@desk-onvif/test-support';
import { envelope, keep, op, OnvifRig, postSoap, subcodes, type Credentials } from './onvif.rig.js';

/** Authentication failures and hostile input against the real service: each refused, none fatal. */

const admin: Credentials = { username: 'admin', password: 'admin-password-1' };
let rig: OnvifRig;
let camera: CameraRecord;

beforeAll(async () => {
  // A short grace, so that a camera whose agent sends no credentials gets its generated Administrator soon.
  rig = await OnvifRig.start({ ONVIF_BOOTSTRAP_GRACE_MS: '1500', ONVIF_LOG_LEVEL: 'info' });
  camera = await rig.camera('security-host-1');
  const user = (name: string, level: string) =>
    `<tds:User><tt:Username>${name}</tt:Username><tt:Password>${name}-password</tt:Password><tt:UserLevel>${level}</tt:UserLevel></tds:User>`;
  const created = await post(
    envelope(op('tds', 'CreateUsers', user('viewer', 'User') + user('operator', 'Operator')), {
      creds: admin,
    }),
  );
  expect(created.status).toBe(200);
});

afterAll(async () => {
  await rig?.dispose();
});

function post(body: string | Buffer, opts: Parameters<typeof postSoap>[2] = {}) {
  return postSoap(camera.onvifPort, body, opts);
}

const profiles = op('trt', 'GetProfiles');
const MINUTE = 60_000;

describe('WS-Security UsernameToken', () => {
  const cases: [string, Credentials, number, string[]][] = [
    ['the right digest', admin, 200, []],
    ['a wrong password', { ...admin, password: 'wrong-password' }, 400, ['NotAuthorized']],
    ['an unknown user', { username: 'mallory', password: 'whatever-password' }, 400, ['NotAuthorized']],
    [
      'Created 6 minutes ahead (skew beyond the window)',
      { ...admin, created: new Date(Date.now() + 6 * MINUTE) },
      400,
      ['NotAuthorized'],
    ],
    [
      'Created 6 minutes behind',
      { ...admin, created: new Date(Date.now() - 6 * MINUTE) },
      400,
      ['NotAuthorized'],
    ],
    [
      'Created 4 minutes behind (inside the window)',
      { ...admin, created: new Date(Date.now() - 4 * MINUTE) },
      200,
      [],
    ],
    ['PasswordText when it is not allowed', { ...admin, type: 'text' }, 400, ['NotAuthorized']],
  ];
  test.each(cases)('%s', async (name, creds, status, codes) => {
    const reply = await post(envelope(profiles, { creds }));
    keep(`auth ${name}`, reply.body);
    expect(reply.status).toBe(status);
    if (codes.length) expect(subcodes(reply.body)).toEqual(codes);
  });

  test('a replayed nonce is refused', async () => {
    const nonce = randomBytes(16);
    const created = new Date();
    const first = await post(envelope(profiles, { creds: { ...admin, nonce, created } }));
    expect(first.status).toBe(200);
    const replay = await post(envelope(profiles, { creds: { ...admin, nonce, created } }));
    keep('auth replayed nonce', replay.body);
    expect(replay.status).toBe(400);
    expect(subcodes(replay.body)).toEqual(['NotAuthorized']);
  });

  test('PRE_AUTH operations answer even with a skewed token, so that a client can read the clock', async () => {
    const skewed = { ...admin, created: new Date(Date.now() - 60 * MINUTE) };
    const reply = await post(envelope(op('tds', 'GetSystemDateAndTime'), { creds: skewed }));
    expect(reply.status).toBe(200);
  });

  test('requests are counted by ONVIF service, operation and outcome; failures by reason', async () => {
    const metrics = await rig.onvif.metrics();
    expect(metrics).toMatch(
      /desk_onvif_soap_requests_total\{onvif_service="media",operation="GetProfiles",outcome="ok",service="onvif"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /desk_onvif_soap_requests_total\{onvif_service="media",operation="GetProfiles",outcome="auth_failed"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(
      /desk_onvif_soap_request_seconds_count\{[^}]*onvif_service="media",operation="GetProfiles"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(/desk_onvif_listeners_open\{[^}]*\} [1-9]/);
    for (const reason of [
      'bad-password',
      'unknown-user',
      'clock-skew',
      'replayed-nonce',
      'password-text-refused',
    ]) {
      expect(metrics).toMatch(
        new RegExp(`desk_onvif_auth_failures_total\\{reason="${reason}"[^}]*\\} [1-9]`),
      );
    }
  });
});

describe('user levels (ONVIF Core 5.9.4.3)', () => {
  const viewer = { username: 'viewer', password: 'viewer-password' };
  const operator = { username: 'operator', password: 'operator-password' };
  const cases: [string, Credentials, string, number][] = [
    ['User reads profiles', viewer, profiles, 200],
    ['User may not read users', viewer, op('tds', 'GetUsers'), 400],
    ['User may not reboot', viewer, op('tds', 'SystemReboot'), 400],
    ['User may not create users', viewer, op('tds', 'CreateUsers'), 400],
    ['User may not change the encoder', viewer, op('trt', 'SetVideoEncoderConfiguration'), 400],
    ['Operator may not create users', operator, op('tds', 'CreateUsers'), 400],
    ['Operator may not reboot', operator, op('tds', 'SystemReboot'), 400],
    ['Operator may not set the discovery mode', operator, op('tds', 'SetDiscoveryMode'), 400],
    ['Operator reads the device information', operator, op('tds', 'GetDeviceInformation'), 200],
  ];
  test.each(cases)('%s', async (name, creds, body, status) => {
    const reply = await post(envelope(body, { creds }));
    keep(`level ${name}`, reply.body);
    expect(reply.status).toBe(status);
    if (status === 400) expect(subcodes(reply.body)).toEqual(['NotAuthorized']);
  });
});

describe('bad input is answered with a fault or a 4xx, and the service keeps serving', () => {
  const xxe =
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${op('tds', 'GetDeviceInformation', '&xxe;')}</s:Body></s:Envelope>`;
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
    Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') +
    `]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x>&lol9;</x></s:Body></s:Envelope>`;
  const deep = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</s:Body></s:Envelope>`;
  const soap11 = envelope(op('tds', 'GetSystemDateAndTime'), { version: '1.1' });

  const cases: [string, string | Buffer, string | undefined, number, string][] = [
    [
      'malformed XML',
      '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><oops></s:Body>',
      undefined,
      400,
      'WellFormed',
    ],
    ['an external entity (XXE)', xxe, undefined, 400, 'WellFormed'],
    ['entity expansion (billion laughs)', laughs, undefined, 400, 'WellFormed'],
    ['10,000-deep nesting', deep, undefined, 400, 'WellFormed'],
    ['a wrong content type', envelope(profiles), 'application/json', 415, 'WellFormed'],
    ['an empty body', '', undefined, 400, 'WellFormed'],
    ['a SOAP 1.1 envelope with the SOAP 1.2 content type', soap11, undefined, 500, 'env:VersionMismatch'],
    [
      'an unknown operation',
      envelope(op('tds', 'GetRelayOutputs'), { creds: admin }),
      undefined,
      500,
      'ActionNotSupported',
    ],
    ['a document that is no envelope', '<hello/>', undefined, 400, 'WellFormed'],
    ['an undeclared prefix', '<s:Envelope><s:Body/></s:Envelope>', undefined, 400, 'WellFormed'],
  ];
  test.each(cases)('%s', async (name, body, contentType, status, expected) => {
    const reply = await post(body, contentType ? { contentType } : {});
    keep(`bad input ${name}`, reply.body);
    expect(reply.status).toBe(status);
    expect(reply.body).toContain(expected);
    expect(reply.body).not.toContain('root:');
  });

  test('a 10 MB body is refused with 413, none of it kept', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 'a');
    const reply = await post(big).catch((err: Error) => ({ status: -1, body: err.message, headers: {} }));
    expect(reply.status).toBe(413);
  });

  test('a GET is refused with 405', async () => {
    const res = await fetch(`http://127.0.0.1:${camera.onvifPort}/onvif/device_service`);
    expect(res.status).toBe(405);
  });

  test('afterwards the service still answers, and its process is alive', async () => {
    const reply = await post(envelope(profiles, { creds: admin }));
    expect(reply.status).toBe(200);
    expect((await fetch(`${rig.onvif.baseUrl}/healthz`)).status).toBe(200);
  });
});

describe('a hostile body is refused while it arrives (issue 14)', () => {
  // The request of issue 14: 256 KB of empty header elements, before any authentication.
  const hostile =
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${'<a/>'.repeat(65_000)}</s:Header>` +
    `<s:Body>${op('tds', 'GetSystemDateAndTime')}</s:Body></s:Envelope>`;

  /**
   * Sends the head and only the first `sent` bytes of `body`, and reads what comes back until the
   * server ends the connection (the rest of the body is never sent): a FIN, or a reset when it
   * closed with part of what was sent unread.
   */
  function partial(port: number, body: string, sent: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connectTcp(port, '127.0.0.1');
      let reply = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (reply += d));
      socket.on('error', (err: NodeJS.ErrnoException) =>
        err.code === 'ECONNRESET' && reply !== '' ? resolve(reply) : reject(err),
      );
      socket.on('end', () => resolve(reply));
      socket.write(
        'POST /onvif/device_service HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
          'Content-Type: application/soap+xml; charset=utf-8\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
          body.slice(0, sent),
      );
    });
  }

  test('the fault comes back before the client has sent more than its first 8 KB, and the connection ends', async () => {
    const reply = await partial(camera.onvifPort, hostile, 8192);
    const [head = '', fault = ''] = reply.split('\r\n\r\n');
    keep('hostile header refused early', fault);
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(/\r\nConnection: close(\r\n|$)/i);
    expect(subcodes(fault)).toEqual(['WellFormed']);
    expect(fault).toContain('more than 64 elements in the SOAP Header');
  });

  test('sent whole, it is refused for the same reason, and counted as a bad request', async () => {
    const reply = await post(hostile);
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('more than 64 elements in the SOAP Header');
    expect(await rig.onvif.metrics()).toMatch(
      /desk_onvif_soap_requests_total\{onvif_service="unknown",operation="unknown",outcome="bad_request"[^}]*\} [1-9]/,
    );
  });

  test('many of them at once: another camera still answers every authenticated request', async () => {
    const victim = await rig.camera('security-host-victim');
    const flood = Array.from({ length: 20 }, () => post(hostile).catch(() => undefined));
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        postSoap(victim.onvifPort, envelope(profiles, { creds: admin }), { path: '/onvif/media_service' }),
      ),
    );
    await Promise.all(flood);
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
  });
});

describe('first credentials: never a default password', () => {
  test("the agent's bootstrap without credentials generates a password, returned once", async () => {
    const { camera: cam } = await call(rig.nc, Registry.register, {
      identity: { hostId: 'security-host-bootstrap', hostName: 'PC-b', mode: 'shared' },
    });
    const first = await call(rig.nc, Onvif.bootstrapCredentials, { id: cam.id });
    expect(first).toMatchObject({ ok: true, username: 'admin', created: true });
    expect(first.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    await rig.listening(cam.onvifPort);
    const reply = await postSoap(
      cam.onvifPort,
      envelope(profiles, { creds: { username: 'admin', password: first.password! } }),
    );
    expect(reply.status).toBe(200);
    const again = await call(rig.nc, Onvif.bootstrapCredentials, {
      id: cam.id,
      username: 'other',
      password: 'other-password',
    });
    expect(again).toEqual({ ok: true, username: 'admin', created: false });
    expect(rig.onvif.output()).not.toContain(first.password!);
  });

  test('a camera whose agent sends nothing gets a generated Administrator; the log says so, never the password', async () => {
    const { camera: cam } = await call(rig.nc, Registry.register, {
      identity: { hostId: 'security-host-silent', hostName: 'PC-s', mode: 'shared' },
    });
    await waitFor('the generated Administrator', () =>
      Promise.resolve(rig.onvif.output().includes(`"cameraId":"${cam.id}","username":"admin"`)),
    );
    const line = rig.onvif
      .output()
      .split('\n')
      .find((l) => l.includes(cam.id) && l.includes('generated'));
    const logged = (JSON.parse(line!) as { message: Record<string, string> }).message;
    expect(logged).toEqual({
      msg: 'generated an Administrator with a random password',
      cameraId: cam.id,
      username: 'admin',
    });
    const later = await call(rig.nc, Onvif.bootstrapCredentials, {
      id: cam.id,
      username: 'agent',
      password: 'agent-password',
    });
    expect(later).toEqual({ ok: true, username: 'admin', created: false });
  });

  test('bootstrap of an unknown camera is NOT_FOUND', async () => {
    await expect(
      call(rig.nc, Onvif.bootstrapCredentials, { id: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('user changes are compare-and-set (issue 9): a camera never loses its last Administrator', () => {
  test('two Administrators deleting each other at the same moment, 15 times: exactly one wins each time', async () => {
    const a: Credentials = { username: 'race-a', password: 'race-a-password' };
    const b: Credentials = { username: 'race-b', password: 'race-b-password' };
    const cam = await rig.camera('security-host-race', a);
    const soap = (creds: Credentials, body: string) => postSoap(cam.onvifPort, envelope(body, { creds }));
    const createAdmin = (u: Credentials) =>
      op(
        'tds',
        'CreateUsers',
        `<tds:User><tt:Username>${u.username}</tt:Username><tt:Password>${u.password}</tt:Password><tt:UserLevel>Administrator</tt:UserLevel></tds:User>`,
      );
    const remove = (u: Credentials) => op('tds', 'DeleteUsers', `<tds:Username>${u.username}</tds:Username>`);
    let survivor = a;
    for (let round = 0; round < 15; round++) {
      const other = survivor === a ? b : a;
      expect((await soap(survivor, createAdmin(other))).status).toBe(200);
      const [byA, byB] = await Promise.all([soap(a, remove(b)), soap(b, remove(a))]);
      keep('users race loser', byA.status === 200 ? byB.body : byA.body);
      // One wins; the other is refused: FixedUser when its change was checked against the winner's, or
      // NotAuthorized when its caller was already gone.
      expect([byA.status, byB.status].sort()).toEqual([200, 400]);
      const loser = byA.status === 200 ? byB : byA;
      expect(subcodes(loser.body).at(-1)).toMatch(/^(FixedUser|NotAuthorized)$/);
      survivor = byA.status === 200 ? a : b;
      const users = await soap(survivor, op('tds', 'GetUsers'));
      expect(users.status).toBe(200);
      expect(
        [...users.body.matchAll(/<tt:Username>([^<]+)<\/tt:Username><tt:UserLevel>([^<]+)</g)].map((m) => [
          m[1],
          m[2],
        ]),
      ).toEqual([[survivor.username, 'Administrator']]);
    }
  });
});
