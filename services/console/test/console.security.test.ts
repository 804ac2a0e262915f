import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  Buckets,
  Enrolment,
  Registry,
  call,
  decodeEnrolmentToken,
  type CameraRecord,
} from '@desk-onvif/contracts';
import { NatsServer, startRegistry, waitFor, type ServiceProcess } from '@desk-onvif/test-support';
import { ConsoleProcess } from './console.process.js';

/**
 * The console's security against the real service, registry and nats-server: every page and API
 * needs a session, every change a CSRF token, a viewer changes nothing, sign-ins are throttled,
 * secrets never leave, sessions can be revoked, and the audit log has every change.
 */
let nats: NatsServer;
let registry: ServiceProcess;
let konsole: ConsoleProcess;
let nc: NatsConnection;
let camera: CameraRecord;
let adminPassword: string;
let admin: { cookie: string; csrf: string };

beforeAll(async () => {
  nats = await NatsServer.start();
  registry = await startRegistry(nats);
  konsole = await ConsoleProcess.start(nats, {
    CONSOLE_LOGIN_MAX_FAILURES: '3',
    CONSOLE_LOGIN_LOCKOUT_S: '60',
  });
  nc = await nats.connect();
  camera = (
    await call(nc, Registry.register, {
      identity: { hostId: 'sec-pc', hostName: 'SEC-PC', mode: 'shared' },
      agent: { version: '0.1.0', platform: 'linux' },
    })
  ).camera;
  adminPassword = await konsole.createAdmin('root');
  admin = await konsole.signIn('root', adminPassword);
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await konsole?.stop();
  await registry?.stop();
  await nats?.dispose();
});

const change = (s: { cookie: string; csrf: string }) => ({
  cookie: s.cookie,
  headers: { 'X-CSRF-Token': s.csrf },
});

test('the console credential does what the console does and is refused the rest', async () => {
  const asConsole = await nats.connect('console', { reconnect: false });
  try {
    // What it needs: the registry's and enrolment's administrator requests.
    expect((await call(asConsole, Registry.list, {})).cameras.map((c) => c.id)).toContain(camera.id);
    expect(Array.isArray((await call(asConsole, Enrolment.list, {})).enrolments)).toBe(true);
    const refused = (p: Promise<unknown>) => expect(p).rejects.toThrow(/Permissions Violation/);
    const ask = (subject: string) => asConsole.request(subject, '{}', { timeout: 3000 });
    // No stream deletion or purge, no camera record written behind the registry's back.
    await refused(ask('$JS.API.STREAM.DELETE.KV_cameras'));
    await refused(ask('$JS.API.STREAM.PURGE.KV_cameras'));
    await refused((await new Kvm(asConsole).open(Buckets.cameras)).put(camera.id, '{}'));
    // No other service's bucket: not the ONVIF users (sealed passwords), bindings, enrolments.
    for (const bucket of [Buckets.users, Buckets.bindings, Buckets.enrolments]) {
      await refused(ask(`$JS.API.STREAM.INFO.KV_${bucket}`));
      await refused(ask(`$JS.API.DIRECT.GET.KV_${bucket}.$KV.${bucket}.${camera.id}`));
    }
    // Not a camera: no heartbeat, registration or settings report in a camera's name, no enrolling.
    for (const subject of [
      `camera.${camera.id}.heartbeat`,
      `registry.camera.${camera.id}.register`,
      `registry.camera.${camera.id}.settings`,
      'registry.enrol',
      'registry.port-unusable',
    ])
      await refused(ask(subject));
    // Nor may it listen to what the cameras are asked.
    const eavesdrop = asConsole.subscribe(`camera.${camera.id}.settings`);
    await expect(eavesdrop.closed).resolves.toBeInstanceOf(Error);
    expect(asConsole.isClosed()).toBe(false);
  } finally {
    await asConsole.close();
  }
});

test('the create-admin command prints the password once; a second run refuses, exit 3', async () => {
  expect(adminPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
  const again = await konsole.command(['create-admin', 'root']);
  expect(again.code).toBe(3);
  expect(again.output).toMatch(/CONFLICT/);
  expect(again.output).not.toContain(adminPassword);
  const ifNone = await konsole.command(['create-admin', 'other', '--if-no-admin']);
  expect(ifNone.code).toBe(0);
  expect(ifNone.output).not.toMatch(/password/);
});

test('no page and no API without a session', async () => {
  const page = await konsole.request('GET', '/');
  expect(page.status).toBe(302);
  expect(page.headers.location).toBe('/login');
  for (const [method, path] of [
    ['GET', '/api/session'],
    ['GET', '/api/cameras'],
    ['GET', '/api/cameras/events'],
    ['GET', `/api/cameras/${camera.id}`],
    ['GET', `/api/cameras/${camera.id}/snapshot.jpg`],
    ['POST', `/api/cameras/${camera.id}/live-view`],
    ['PATCH', `/api/cameras/${camera.id}`],
    ['DELETE', `/api/cameras/${camera.id}`],
    ['GET', '/api/accounts'],
    ['POST', '/api/accounts'],
    ['GET', '/api/audit'],
    ['GET', '/api/sessions'],
    ['GET', '/api/enrolments'],
    ['POST', '/api/enrolments'],
    ['DELETE', '/api/enrolments/abcdefabcdefabcd'],
    ['POST', `/api/cameras/${camera.id}/revoke`],
    ['POST', `/api/cameras/${camera.id}/binding/reset`],
    ['GET', `/api/cameras/${camera.id}/users`],
    ['POST', `/api/cameras/${camera.id}/users`],
    ['PATCH', `/api/cameras/${camera.id}/users/admin`],
    ['DELETE', `/api/cameras/${camera.id}/users/admin`],
    ['POST', '/api/logout'],
  ] as const) {
    const r = await konsole.request(method, path, {
      body: method === 'GET' || method === 'DELETE' ? undefined : {},
    });
    expect([method, path, r.status, r.body]).toEqual([
      method,
      path,
      401,
      expect.stringContaining('NOT_SIGNED_IN'),
    ]);
  }
  // A made-up cookie is no session either.
  const forged = await konsole.request('GET', '/api/cameras', { cookie: '__Host-desk-onvif-session=abc' });
  expect(forged.status).toBe(401);
});

test('the session cookie is httpOnly, Secure and SameSite; responses carry a strict CSP', async () => {
  const r = await konsole.request('POST', '/api/login', {
    body: { username: 'root', password: adminPassword },
  });
  const cookie = ([] as string[]).concat(r.headers['set-cookie'] ?? [])[0] ?? '';
  expect(cookie).toMatch(/^__Host-desk-onvif-session=[A-Za-z0-9_-]{43};/);
  expect(cookie).toMatch(/; Secure/);
  expect(cookie).toMatch(/; HttpOnly/);
  expect(cookie).toMatch(/; SameSite=Strict/);
  expect(String(r.headers['content-security-policy'])).toMatch(/script-src 'self'/);
  expect(r.headers['x-powered-by']).toBeUndefined();
});

test('a change without the CSRF token, with a wrong one, or from another origin is refused', async () => {
  const patch = { name: 'csrf-victim' };
  const none = await konsole.request('PATCH', `/api/cameras/${camera.id}`, {
    cookie: admin.cookie,
    body: patch,
  });
  expect([none.status, none.json<{ code: string }>().code]).toEqual([403, 'CSRF_REFUSED']);
  const wrong = await konsole.request('PATCH', `/api/cameras/${camera.id}`, {
    cookie: admin.cookie,
    headers: { 'X-CSRF-Token': 'x'.repeat(43) },
    body: patch,
  });
  expect(wrong.status).toBe(403);
  const crossSite = await konsole.request('PATCH', `/api/cameras/${camera.id}`, {
    ...change(admin),
    headers: { 'X-CSRF-Token': admin.csrf, Origin: 'https://evil.example' },
    body: patch,
  });
  expect([crossSite.status, crossSite.json<{ code: string }>().code]).toEqual([403, 'CSRF_REFUSED']);
  expect((await call(nc, Registry.get, { id: camera.id })).camera.name).toBe('SEC-PC');
});

test('an administrator renames a camera; the registry has it and the audit log says who', async () => {
  const r = await konsole.request('PATCH', `/api/cameras/${camera.id}`, {
    ...change(admin),
    body: { name: 'Reception' },
  });
  expect(r.status).toBe(200);
  expect(r.json<{ effects: Array<{ what: string; status: string }> }>().effects).toEqual([
    expect.objectContaining({ what: 'name', status: 'applied' }),
  ]);
  expect((await call(nc, Registry.get, { id: camera.id })).camera.name).toBe('Reception');
  const bad = await konsole.request('PATCH', `/api/cameras/${camera.id}`, {
    ...change(admin),
    body: { onvifPort: 0 },
  });
  expect([bad.status, bad.json<{ code: string }>().code]).toEqual([400, 'INVALID_REQUEST']);
});

test('a viewer sees the fleet but cannot change anything', async () => {
  const created = await konsole.request('POST', '/api/accounts', {
    ...change(admin),
    body: { username: 'vera', role: 'viewer' },
  });
  expect(created.status).toBe(201);
  const { password } = created.json<{ password: string }>();
  const viewer = await konsole.signIn('vera', password);
  expect((await konsole.request('GET', '/api/cameras', { cookie: viewer.cookie })).status).toBe(200);
  for (const [method, path, body] of [
    ['PATCH', `/api/cameras/${camera.id}`, { name: 'by-viewer' }],
    ['DELETE', `/api/cameras/${camera.id}`, undefined],
    ['POST', '/api/accounts', { username: 'mallory', role: 'admin' }],
    ['DELETE', '/api/accounts/root', undefined],
    ['POST', '/api/enrolments', {}],
    ['DELETE', '/api/enrolments/abcdefabcdefabcd', undefined],
    ['POST', `/api/cameras/${camera.id}/revoke`, undefined],
    ['POST', `/api/cameras/${camera.id}/binding/reset`, undefined],
    ['POST', `/api/cameras/${camera.id}/users`, { username: 'eve', level: 'Administrator' }],
    ['PATCH', `/api/cameras/${camera.id}/users/admin`, { resetPassword: true }],
    ['DELETE', `/api/cameras/${camera.id}/users/admin`, undefined],
  ] as const) {
    const r = await konsole.request(method, path, { ...change(viewer), body });
    expect([method, path, r.status, r.json<{ code: string }>().code]).toEqual([
      method,
      path,
      403,
      'FORBIDDEN',
    ]);
  }
  for (const path of [
    '/api/accounts',
    '/api/audit',
    '/api/sessions',
    '/api/enrolments',
    `/api/cameras/${camera.id}/users`,
  ])
    expect((await konsole.request('GET', path, { cookie: viewer.cookie })).status).toBe(403);
  expect((await call(nc, Registry.get, { id: camera.id })).camera.name).toBe('Reception');
});

test('enrolment tokens: issued once with the agent configuration, listed without secret, revoked; audited', async () => {
  const noCsrf = await konsole.request('POST', '/api/enrolments', { cookie: admin.cookie, body: {} });
  expect([noCsrf.status, noCsrf.json<{ code: string }>().code]).toEqual([403, 'CSRF_REFUSED']);
  const bad = await konsole.request('POST', '/api/enrolments', { ...change(admin), body: { maxUses: 0 } });
  expect([bad.status, bad.json<{ code: string }>().code]).toEqual([400, 'INVALID_REQUEST']);
  const issued = await konsole.request('POST', '/api/enrolments', {
    ...change(admin),
    body: { label: 'sec lab', hostId: 'sec-pc-2', maxUses: 2, expiresInS: 3600 },
  });
  expect(issued.status).toBe(201);
  const { token, agentConfig, enrolment } = issued.json<{
    token: string;
    agentConfig: { enrollmentToken: string };
    enrolment: { id: string; maxUses: number; hostId: string; revoked: boolean };
  }>();
  expect(agentConfig).toEqual({ enrollmentToken: token });
  const decoded = decodeEnrolmentToken(token);
  expect(decoded.id).toBe(enrolment.id);
  expect(enrolment).toMatchObject({ maxUses: 2, hostId: 'sec-pc-2', revoked: false });
  // The registry has it; the console's list has it, without its secret or credential.
  expect((await call(nc, Enrolment.list, {})).enrolments.map((e) => e.id)).toContain(enrolment.id);
  const listed = await konsole.request('GET', '/api/enrolments', { cookie: admin.cookie });
  expect(listed.json<{ enrolments: Array<{ id: string }> }>().enrolments.map((e) => e.id)).toContain(
    enrolment.id,
  );
  for (const secret of [decoded.secret, decoded.creds.split('\n')[1]!, token.slice(5, 60)])
    expect(listed.body).not.toContain(secret);
  const revoked = await konsole.request('DELETE', `/api/enrolments/${enrolment.id}`, change(admin));
  expect([revoked.status, revoked.json<{ enrolment: { revoked: boolean } }>().enrolment.revoked]).toEqual([
    200,
    true,
  ]);
  expect((await call(nc, Enrolment.list, {})).enrolments.find((e) => e.id === enrolment.id)?.revoked).toBe(
    true,
  );
  // A camera that never enrolled has no binding to reset or revoke: a clear 404 from the registry.
  for (const path of [`/api/cameras/${camera.id}/binding/reset`, `/api/cameras/${camera.id}/revoke`]) {
    const r = await konsole.request('POST', path, change(admin));
    expect([path, r.status, r.json<{ code: string }>().code]).toEqual([path, 404, 'NOT_FOUND']);
  }
  const audit = await konsole.request('GET', '/api/audit?limit=1000', { cookie: admin.cookie });
  const done = audit.json<{ entries: Array<{ action: string; target?: string; outcome: string }> }>().entries;
  expect(done).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ action: 'enrolment.issue', outcome: 'ok' }),
      expect.objectContaining({ action: 'enrolment.revoke', target: enrolment.id, outcome: 'ok' }),
      expect.objectContaining({ action: 'camera.binding.reset', target: camera.id, outcome: 'failed' }),
    ]),
  );
  expect(audit.body).not.toContain(decoded.secret);
});

test('no secret in any API response: no publish secret, no password hash, no session id', async () => {
  const bodies = await Promise.all(
    [
      '/api/cameras',
      `/api/cameras/${camera.id}`,
      '/api/accounts',
      '/api/audit',
      '/api/sessions',
      '/api/session',
    ].map(async (p) => (await konsole.request('GET', p, { cookie: admin.cookie })).body),
  );
  const secret = (
    await call(nc, Registry.register, {
      identity: { hostId: 'sec-pc', hostName: 'SEC-PC', mode: 'shared' },
    })
  ).camera.publish.password;
  expect(secret.length).toBeGreaterThan(8);
  const sessionId = admin.cookie.split('=')[1]!;
  for (const body of bodies) {
    expect(body).not.toContain(secret);
    expect(body).not.toContain('argon2');
    expect(body).not.toContain(sessionId);
    expect(body).not.toContain(adminPassword);
    expect(body).not.toMatch(/"publish"/);
  }
});

test('sign-ins are throttled per address and username; another account still signs in', async () => {
  await konsole.request('POST', '/api/accounts', {
    ...change(admin),
    body: { username: 'tom', role: 'viewer', password: 'correct horse battery' },
  });
  for (let i = 0; i < 3; i++) {
    const r = await konsole.request('POST', '/api/login', {
      body: { username: 'tom', password: `guess-${i}` },
    });
    expect(r.status).toBe(401);
  }
  const locked = await konsole.request('POST', '/api/login', {
    body: { username: 'tom', password: 'correct horse battery' },
  });
  expect([locked.status, locked.json<{ code: string }>().code]).toEqual([429, 'LOGIN_THROTTLED']);
  expect(Number(locked.headers['retry-after'])).toBeGreaterThan(50);
  expect(
    (await konsole.request('POST', '/api/login', { body: { username: 'root', password: adminPassword } }))
      .status,
  ).toBe(200);
});

test('an administrator revokes a session: it ends at once', async () => {
  const tom = await konsole.signIn(
    'vera',
    (await konsole.request('POST', '/api/accounts/vera/password', { ...change(admin), body: {} })).json<{
      password: string;
    }>().password,
  );
  expect((await konsole.request('GET', '/api/cameras', { cookie: tom.cookie })).status).toBe(200);
  const sessions = (await konsole.request('GET', '/api/sessions', { cookie: admin.cookie })).json<{
    sessions: Array<{ id: string; username: string }>;
  }>().sessions;
  const target = sessions.find((s) => s.username === 'vera');
  expect(target).toBeDefined();
  const r = await konsole.request('DELETE', `/api/sessions/${target!.id}`, change(admin));
  expect(r.status).toBe(200);
  expect((await konsole.request('GET', '/api/cameras', { cookie: tom.cookie })).status).toBe(401);
});

test('the audit log records every change: who, what, when, refused ones too', async () => {
  let entries: Array<{ actor: string; action: string; target?: string; outcome: string; at: string }> = [];
  await waitFor('the audit entries', async () => {
    entries = (await konsole.request('GET', '/api/audit?limit=1000', { cookie: admin.cookie })).json<{
      entries: typeof entries;
    }>().entries;
    return entries.some((e) => e.action === 'session.revoke');
  });
  const seen = entries.map((e) => `${e.actor} ${e.action} ${e.target ?? ''} ${e.outcome}`);
  expect(seen).toEqual(
    expect.arrayContaining([
      'cli account.create root ok',
      'root login  ok',
      `root camera.update ${camera.id} ok`,
      `root camera.update ${camera.id} failed`,
      'root account.create vera ok',
      `vera PATCH /api/cameras/${camera.id}  refused`,
      `root PATCH /api/cameras/${camera.id}  refused`,
      'tom login  refused',
      'root account.password vera ok',
    ]),
  );
  for (const e of entries) expect(Date.parse(e.at)).toBeGreaterThan(Date.now() - 300_000);
  expect(JSON.stringify(entries)).not.toContain('correct horse battery');
});

test('no WebRTC server configured: no read token is signed, the live view is by snapshots', async () => {
  const session = await konsole.request('GET', '/api/session', { cookie: admin.cookie });
  expect(session.json<{ whep: boolean }>().whep).toBe(false);
  const r = await konsole.request('POST', `/api/cameras/${camera.id}/live-view`, change(admin));
  expect(r.status).toBe(503);
  expect(r.json<{ code: string }>().code).toBe('UNAVAILABLE');
});
