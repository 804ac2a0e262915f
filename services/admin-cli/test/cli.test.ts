import { createServer, type Server } from 'node:net';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry, call, decodeEnrolmentToken, type CameraRecord } from '@desk-onvif/contracts';
import { NatsServer, freePort, startRegistry, type ServiceProcess } from '@desk-onvif/test-support';
import { ConsoleProcess } from '../../console/test/console.process.js';
import { runCli } from './cli.process.js';

/**
 * `desk-onvif` as a script runs it: the built CLI against a real nats-server, registry and console;
 * JSON output, and exit codes that say what happened.
 */
let nats: NatsServer;
let registry: ServiceProcess;
let konsole: ConsoleProcess;
let nc: NatsConnection;
let lobby: CameraRecord;
let desk: CameraRecord;

const cli = (args: string[], natsUrl = nats.url) => runCli(nats, args, { natsUrl });

beforeAll(async () => {
  nats = await NatsServer.start();
  registry = await startRegistry(nats, { REGISTRY_PORT_RANGE: '22000-22999' });
  konsole = await ConsoleProcess.start(nats);
  nc = await nats.connect();
  const register = async (hostId: string, hostName: string) =>
    (await call(nc, Registry.register, { identity: { hostId, hostName, mode: 'shared' } })).camera;
  lobby = await register('cli-pc-1', 'LOBBY');
  desk = await register('cli-pc-2', 'DESK');
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await konsole?.stop();
  await registry?.stop();
  await nats?.dispose();
});

test('cameras list --json: every camera, no publish secret', async () => {
  const r = await cli(['--json', 'cameras', 'list']);
  expect(r.code).toBe(0);
  const cams = JSON.parse(r.stdout) as Array<{ id: string; name: string; publish?: unknown }>;
  expect(cams.map((c) => c.name)).toEqual(['DESK', 'LOBBY']);
  expect(r.stdout).not.toContain(lobby.publish.password);
  expect(cams.every((c) => c.publish === undefined)).toBe(true);
  const table = await cli(['cameras', 'list', '--state', 'offline']);
  expect(table.stdout).toMatch(/^ID\s+NAME\s+PC\/USER\s+MODE\s+STATE\s+PORT\n/);
  expect(table.stdout).toContain(`${lobby.id}  LOBBY`);
});

test('rename, set-port and settings change the registry; show finds a camera by name', async () => {
  expect((await cli(['cameras', 'rename', lobby.id, 'Front', 'desk'])).code).toBe(0);
  const port = lobby.onvifPort + 500;
  expect((await cli(['cameras', 'set-port', 'Front desk', String(port)])).code).toBe(0);
  expect(
    (
      await cli([
        'cameras',
        'settings',
        'Front desk',
        '--sub',
        '480x270@10:300',
        '--discovery',
        'NonDiscoverable',
        '--source',
        'region:320,0,320x180',
      ])
    ).code,
  ).toBe(0);
  const shown = await cli(['--json', 'cameras', 'show', 'Front desk']);
  expect(shown.code).toBe(0);
  const cam = JSON.parse(shown.stdout) as CameraRecord;
  expect(cam).toMatchObject({
    id: lobby.id,
    name: 'Front desk',
    onvifPort: port,
    discoveryMode: 'NonDiscoverable',
  });
  expect(cam.settings.sub).toMatchObject({ width: 480, height: 270, fps: 10, bitrateKbps: 300 });
  expect(cam.settings.source).toEqual({ kind: 'region', x: 320, y: 0, width: 320, height: 180 });
  expect((await cli(['cameras', 'settings', lobby.id, '--source', 'window:Notepad'])).code).toBe(0);
  expect((await call(nc, Registry.get, { id: lobby.id })).camera.settings.source).toEqual({
    kind: 'window',
    title: 'Notepad',
  });
  expect((await cli(['cameras', 'settings', lobby.id, '--source', 'configured'])).code).toBe(0);
  expect((await call(nc, Registry.get, { id: lobby.id })).camera.settings.source).toBeUndefined();
  expect((await cli(['cameras', 'settings', lobby.id, '--source', 'region:1,2'])).code).toBe(2);
  expect((await call(nc, Registry.get, { id: lobby.id })).camera.name).toBe('Front desk');
});

test('exit codes: 2 usage, 3 refused, 4 not found, 5 unavailable', async () => {
  expect((await cli(['cameras'])).code).toBe(2);
  expect((await cli(['frobnicate'])).code).toBe(2);
  expect((await cli(['cameras', 'set-port', desk.id, 'x'])).code).toBe(2);
  const taken = await cli([
    '--json',
    'cameras',
    'set-port',
    desk.id,
    String((await call(nc, Registry.get, { id: lobby.id })).camera.onvifPort),
  ]);
  expect(taken.code).toBe(3);
  expect(JSON.parse(taken.stdout)).toMatchObject({ error: { code: 'PORT_IN_USE' } });
  expect((await cli(['cameras', 'show', 'no such camera'])).code).toBe(4);
  expect((await cli(['cameras', 'show', '00000000-0000-4000-8000-000000000000'])).code).toBe(4);
  const closed = await freePort();
  expect((await cli(['cameras', 'list'], `nats://127.0.0.1:${closed}`)).code).toBe(5);
});

test('enrolment issue prints the token alone on stdout; list never shows its secret; revoke sticks', async () => {
  const issued = await cli([
    'enrolment',
    'issue',
    '--max-uses',
    '3',
    '--expires-in',
    '600',
    '--host-id',
    'cli-pc-9',
    '--label',
    'lab',
  ]);
  expect(issued.code).toBe(0);
  const token = decodeEnrolmentToken(issued.stdout);
  expect(issued.stdout.trim().split('\n')).toHaveLength(1);
  expect(issued.stderr).toContain(`enrolment ${token.id}: 3 use(s)`);
  expect(issued.stderr).toContain('PC cli-pc-9 only');
  expect(token.natsUrls).toEqual([nats.url]);

  const list = await cli(['--json', 'enrolment', 'list']);
  expect(list.code).toBe(0);
  expect(list.stdout).not.toContain(token.secret);
  const mine = (JSON.parse(list.stdout) as Array<Record<string, unknown>>).find((e) => e.id === token.id);
  expect(mine).toMatchObject({ maxUses: 3, uses: 0, hostId: 'cli-pc-9', label: 'lab', revoked: false });
  expect(Date.parse(mine!.expiresAt as string) - Date.now()).toBeGreaterThan(590_000);

  expect((await cli(['enrolment', 'revoke', token.id])).code).toBe(0);
  const after = JSON.parse((await cli(['--json', 'enrolment', 'list'])).stdout) as Array<
    Record<string, unknown>
  >;
  expect(after.find((e) => e.id === token.id)?.revoked).toBe(true);
});

test('enrolment and revocation exit codes: 2 for bad flags, 4 for what does not exist', async () => {
  expect((await cli(['enrolment', 'issue', '--max-uses', '0'])).code).toBe(2);
  expect((await cli(['enrolment', 'revoke'])).code).toBe(2);
  expect((await cli(['enrolment', 'revoke', 'abcdefabcdefabcdef'])).code).toBe(4);
  // A camera registered without enrolment has no binding: nothing to revoke or reset.
  expect((await cli(['camera', 'revoke', desk.id])).code).toBe(4);
  expect((await cli(['binding', 'reset', desk.id])).code).toBe(4);
});

test('doctor: an offline camera fails the agent check (exit 6); a port held by another program is named', async () => {
  // Another program holds a port: the doctor finds it is not the onvif service answering there.
  const other: Server = createServer((s) =>
    s.end('HTTP/1.1 200 OK\r\nServer: other-program\r\nContent-Length: 0\r\n\r\n'),
  );
  const port = await freePort();
  await new Promise<void>((r) => other.listen(port, '127.0.0.1', r));
  try {
    await call(nc, Registry.update, { id: desk.id, patch: { onvifPort: port } });
    const r = await cli(['--json', 'doctor', 'DESK']);
    expect(r.code).toBe(6);
    const report = JSON.parse(r.stdout) as {
      checks: Array<{ id: string; status: string; detail: string; fix?: string }>;
    };
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(report.checks).toHaveLength(7);
    expect(byId.agent?.status).toBe('fail');
    expect(byId.agent?.detail).toMatch(/offline/);
    expect(byId['onvif-port']?.status).toBe('fail');
    expect(byId['onvif-port']?.detail).toMatch(/held by another program/);
    expect(byId.firewall!.status).toBe('pass');
    const text = await cli(['doctor', desk.id]);
    expect(text.stdout).toMatch(/FAIL {2}Agent connected and streaming/);
    expect(text.stdout).toMatch(/what to do: /);
  } finally {
    other.close();
  }
});
