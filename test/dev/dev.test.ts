import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import onvif, { type Cam } from 'onvif';
import {
  freePort,
  freeUdpPort,
  freeUdpPortPair,
  probeStreams,
  REPO_ROOT,
  spawnTracked,
  waitFor,
  waitUntilReady,
  type Spawned,
} from '@desk-onvif/test-support';

/**
 * `make dev`'s script for real: DEV_CAMERAS=1 (plus the first agent, on a test pattern: no
 * $DISPLAY here) on free ports in a temporary state directory. The printed cameras answer ONVIF
 * and serve their stream with the printed credentials (and refuse wrong ones), discovery answers
 * on loopback, Ctrl-C leaves no process (nats-server, node, ffmpeg: checked by pid), and a second
 * run finds the same cameras again and stops on SIGTERM just as cleanly.
 * Discovery stays on loopback (the script's default): no multicast leaves this machine.
 */
const DEV_SCRIPT = join(REPO_ROOT, 'scripts', 'dev', 'dist', 'dev.js');

interface PrintedCamera {
  label: string;
  id: string;
  onvif: URL;
  rtspMain: string;
  rtspSub: string;
  user: string;
  password: string;
}

/** A process as /proc shows it; the start time tells a reused pid apart. */
interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  start: string;
}

let dir: string;
let dev: Spawned | undefined;
/** Every process seen under the dev script, killed in afterAll if a failed test left any. */
const seen = new Map<number, Proc>();

beforeAll(() => {
  if (!existsSync(DEV_SCRIPT)) throw new Error(`${DEV_SCRIPT} is missing: run 'make build' first`);
  dir = mkdtempSync(join(tmpdir(), 'desk-onvif-dev-'));
});

afterAll(async () => {
  if (dev) await stopDev(dev).catch(() => undefined);
  for (const p of seen.values()) if (alive(p)) process.kill(p.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm is in parentheses and may hold spaces: the fields after the last ')' are fixed.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z') return undefined; // exited, not yet reaped: gone
    return { pid, ppid: Number(rest[1]), comm, start: rest[19] ?? '' };
  } catch {
    return undefined;
  }
}

function alive(p: Proc): boolean {
  return readProc(p.pid)?.start === p.start;
}

/** Every live descendant of `root`. */
function descendants(root: number): Proc[] {
  const all = readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map((n) => readProc(Number(n)))
    .filter((p): p is Proc => p !== undefined);
  const found: Proc[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const p of all.filter((q) => q.ppid === parent)) {
      found.push(p);
      queue.push(p.pid);
    }
  }
  for (const p of found) seen.set(p.pid, p);
  return found;
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** `count` consecutive ports free on loopback now, from a random start. */
async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let p = first; p < first + count && ok; p++) ok = await tcpFree(p);
    if (ok) return first;
  }
  throw new Error(`no ${count} consecutive free ports`);
}

async function devEnv(): Promise<NodeJS.ProcessEnv> {
  const onvifRange = await freePortRange(4);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DEV_STATE_DIR: dir,
    DEV_CAMERAS: '1',
    DEV_NATS_PORT: String(await freePort()),
    DEV_REGISTRY_HTTP_PORT: String(await freePort()),
    DEV_ONVIF_HTTP_PORT: String(await freePort()),
    DEV_DISCOVERY_HTTP_PORT: String(await freePort()),
    DEV_DISCOVERY_PORT: String(await freeUdpPort()),
    DEV_RTSP_PORT: String(await freePort()),
    DEV_RTSPS_PORT: String(await freePort()),
    // RTP even, RTCP the next port: what MediaMTX and the relay require of rtpAddress/rtcpAddress.
    ...(await freeUdpPortPair().then((p) => ({
      DEV_RTP_PORT: String(p.rtpPort),
      DEV_RTCP_PORT: String(p.rtcpPort),
    }))),
    DEV_MEDIA_API_PORT: String(await freePort()),
    DEV_MEDIA_METRICS_PORT: String(await freePort()),
    DEV_CONSOLE_PORT: String(await freePort()),
    DEV_ONVIF_PORT_RANGE: `${onvifRange}-${onvifRange + 3}`,
    DEV_AGENT_METRICS_PORT: String(await freePortRange(2)),
  };
  for (const name of ['FFMPEG_BIN', 'MEDIAMTX_BIN', 'NATS_SERVER_BIN'])
    if (process.env[name]) env[name] = process.env[name];
  return env;
}

function parseCameras(output: string): PrintedCamera[] {
  const block = output.slice(output.indexOf('\ncameras:\n'), output.indexOf('Ctrl-C stops everything.'));
  return block
    .split(/\n {2}camera \d+: /)
    .slice(1)
    .map((text) => {
      const field = (name: string) => {
        const m = new RegExp(`^ {4}${name} +(\\S+)$`, 'm').exec(text);
        if (!m?.[1]) throw new Error(`no "${name}" in the printed camera:\n${text}`);
        return m[1];
      };
      return {
        label: text.slice(0, text.indexOf('\n')),
        id: /id ([0-9a-f-]{36})\)/.exec(text)?.[1] ?? '',
        onvif: new URL(field('ONVIF')),
        rtspMain: field('RTSP main'),
        rtspSub: field('RTSP sub'),
        user: field('user'),
        password: field('password'),
      };
    });
}

async function startDev(env: NodeJS.ProcessEnv): Promise<{ proc: Spawned; cameras: PrintedCamera[] }> {
  const proc = spawnTracked(process.execPath, [DEV_SCRIPT], env, REPO_ROOT);
  dev = proc;
  await waitUntilReady(
    proc,
    'make dev to print its cameras',
    () => proc.output().includes('Ctrl-C stops everything.'),
    150_000,
    200,
  );
  return { proc, cameras: parseCameras(proc.output()) };
}

/** SIGINT (Ctrl-C, as a terminal sends it) or SIGTERM; resolves with the exit code. */
async function stopDev(proc: Spawned, signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 60_000);
  const code = await proc.exited;
  clearTimeout(timer);
  dev = undefined;
  return code;
}

function connect(camera: PrintedCamera, password = camera.password): Promise<Cam> {
  return new Promise((resolve, reject) => {
    const cam = new onvif.Cam({
      hostname: camera.onvif.hostname,
      port: Number(camera.onvif.port),
      username: camera.user,
      password,
      useWSSecurity: true,
      timeout: 10_000,
      autoconnect: false,
    });
    cam.connect((err) => (err ? reject(err) : resolve(cam)));
  });
}

function promised<T>(fn: (cb: (err: Error | null, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result))));
}

/** A unicast WS-Discovery Probe to the dev discovery service on loopback; the XAddrs it hears. */
async function probe(port: number, wanted: number): Promise<string[]> {
  const socket = createSocket('udp4');
  const xaddrs = new Set<string>();
  socket.on('message', (msg) => {
    for (const m of msg.toString().matchAll(/<[\w:]*XAddrs>([^<]+)<\/[\w:]*XAddrs>/g))
      for (const a of m[1]?.split(/\s+/) ?? []) xaddrs.add(a);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const message = () =>
    Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?>' +
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
        'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">' +
        '<s:Header><a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>' +
        `<a:MessageID>urn:uuid:${randomUUID()}</a:MessageID>` +
        '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>' +
        '<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>',
    );
  // A camera is announced once online (its agent's first heartbeat), which may follow the
  // printout: probe again every second, with a new MessageID each time, as NVRs do.
  let lastProbe = 0;
  try {
    await waitFor(
      'ProbeMatches from every camera',
      () => {
        if (Date.now() - lastProbe >= 1000) {
          lastProbe = Date.now();
          socket.send(message(), port, '127.0.0.1');
        }
        return xaddrs.size >= wanted;
      },
      // Readiness, not speed: a camera is announced after its agent's first heartbeat reaches the
      // registry, which on a loaded 2-core machine has taken longer than 30 s.
      90_000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; heard ${JSON.stringify([...xaddrs])}`, { cause: err });
    });
    return [...xaddrs];
  } finally {
    socket.close();
  }
}

/** POST /api/login on make dev's console, trusting the site CA it generated: the status. */
function consoleSignIn(port: number, password: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/api/login',
        method: 'POST',
        ca: readFileSync(join(dir, 'pki', 'ca.crt')),
        headers: { 'Content-Type': 'application/json' },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ username: 'admin', password }));
  });
}

test('make dev: cameras answer ONVIF and RTSP with the printed credentials; Ctrl-C leaves no process; a restart keeps them', async () => {
  const env = await devEnv();
  const first = await startDev(env);
  const out = first.proc.output();
  const cameras = first.cameras;
  expect(cameras).toHaveLength(2);
  expect(cameras[0]?.label).toContain('test pattern');
  expect(cameras[1]?.label).toContain('dev-1');
  expect(new Set(cameras.map((c) => c.onvif.port)).size).toBe(2);

  // The users key: generated once, private, never printed. Discovery: on loopback, and it says so.
  const keyFile = join(dir, 'onvif-users.key');
  expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  expect(statSync(join(dir, 'cameras.json')).mode & 0o777).toBe(0o600);
  expect(out).not.toContain(readFileSync(keyFile, 'utf8').trim());
  expect(out).toContain(`WS-Discovery UDP ${env.DEV_DISCOVERY_PORT} on 127.0.0.1`);
  expect(out).toContain('loopback only');
  expect(out).toMatch(/WARNING: no mediamtx binary|media +MediaMTX/);

  // The web console: its URL, and the first administrator's password printed this once.
  const admin = new RegExp(
    `console +https://127\\.0\\.0\\.1:${env.DEV_CONSOLE_PORT}/[^\\n]*\\n.*first administrator: admin / (\\S+)`,
  ).exec(out);
  expect(admin).not.toBeNull();
  expect(await consoleSignIn(Number(env.DEV_CONSOLE_PORT), admin![1]!)).toBe(200);

  for (const camera of cameras) {
    expect(camera.onvif.href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/onvif\/device_service$/);
    const cam = await connect(camera);
    const info = await promised<{ serialNumber: string; manufacturer: string }>((cb) =>
      cam.getDeviceInformation(cb),
    );
    expect(info.manufacturer).toBe('desk-onvif');
    const main = await promised<{ uri: string }>((cb) =>
      cam.getStreamUri({ protocol: 'RTSP', profileToken: 'profile_main' }, cb),
    );
    // NVRs are handed RTSP; the agents publish over RTSPS, and make dev prints where they publish.
    expect(main.uri).toBe(`rtsp://127.0.0.1:${env.DEV_RTSP_PORT}/desk/${camera.id}/main`);
    expect(camera.rtspMain).toBe(`rtsps://127.0.0.1:${env.DEV_RTSPS_PORT}/desk/${camera.id}/main`);
    // npm onvif's connect() shrugs off a refused GetProfiles; an authenticated call does not.
    const intruder = await connect(camera, `${camera.password}-wrong`);
    await expect(promised((cb) => intruder.getDeviceInformation(cb))).rejects.toThrow(/not authorized/i);

    // The stream the agent publishes, read as an NVR does with the same credentials.
    const withCreds = (password: string) => {
      const url = new URL(main.uri);
      url.username = camera.user;
      url.password = password;
      return url.href;
    };
    let probed: Awaited<ReturnType<typeof probeStreams>> | undefined;
    await waitFor(
      `the stream of ${camera.label}`,
      async () => (probed = await probeStreams(withCreds(camera.password))).ok,
      60_000,
      500,
    );
    expect(probed?.ok && probed.streams.map((st) => st.codec_name)).toEqual(['h264']);
    expect((await probeStreams(withCreds(`${camera.password}-wrong`))).ok).toBe(false);
    // An NVR that reads RTP over UDP asks for it (Transport UDP); that URI works over UDP.
    const udp = await promised<{ uri: string }>((cb) =>
      cam.getStreamUri({ protocol: 'UDP', profileToken: 'profile_main' }, cb),
    );
    expect(udp.uri).toBe(main.uri);
    const overUdp = await probeStreams(withCreds(camera.password), 'udp');
    expect(overUdp.ok && overUdp.streams.map((st) => st.codec_name)).toEqual(['h264']);
  }

  const xaddrs = await probe(Number(env.DEV_DISCOVERY_PORT), cameras.length);
  expect(xaddrs.sort()).toEqual(cameras.map((c) => c.onvif.href).sort());

  // Every process it started, ffmpeg included (each agent runs one, restarted while refused).
  const pid = first.proc.child.pid ?? 0;
  await waitFor(
    'nats-server, the node services and ffmpeg under make dev',
    () => {
      const tree = descendants(pid);
      const count = (comm: string) => tree.filter((p) => p.comm === comm).length;
      const media = env.MEDIAMTX_BIN ? 0 : 1; // the relay double is a node process
      return count('nats-server') === 1 && count('node') >= 5 + media && count('ffmpeg') >= 1;
    },
    60_000,
  );
  const before = descendants(pid);
  expect(await stopDev(first.proc)).toBe(0);
  expect(first.proc.output()).toContain('dev: stopped');
  expect(before.filter(alive)).toEqual([]);

  // Same state directory and ports: the cameras keep their ids, ONVIF ports and credentials.
  const second = await startDev(env);
  expect(second.cameras).toEqual(cameras);
  await connect(second.cameras[1] as PrintedCamera);
  expect(second.proc.output()).not.toContain(admin![1]!);
  expect(second.proc.output()).toMatch(/sign in with your console account/);
  const again = descendants(second.proc.child.pid ?? 0);
  expect(again.length).toBeGreaterThanOrEqual(7);
  expect(await stopDev(second.proc, 'SIGTERM')).toBe(0);
  expect(again.filter(alive)).toEqual([]);
}, 400_000);
