import { readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { CameraRecord } from '@desk-onvif/contracts';
import { waitFor } from '@desk-onvif/test-support';
import { workerOf } from '../src/onvif.cluster.js';
import { envelope, keep, op, OnvifRig, postSoap, subcodes } from './onvif.rig.js';

/**
 * ONVIF_WORKERS=2 (issue 14): every camera is served by one worker, always the same, so that its
 * replay cache and other state live in one process; /metrics sums the workers; a worker that dies
 * is forked again and its cameras come back, while the other worker's never stop.
 */

const admin = { username: 'admin', password: 'admin-password-1' };
let rig: OnvifRig;
let cameras: CameraRecord[];

beforeAll(async () => {
  rig = await OnvifRig.start({
    ONVIF_WORKERS: '2',
    ONVIF_LOG_LEVEL: 'info',
    // Password throttling with short delays: one address's guesses lock it out after 6.
    ONVIF_AUTH_FREE_FAILURES: '3',
    ONVIF_AUTH_LOCKOUT_AFTER: '6',
    ONVIF_AUTH_DELAY_MS: '50',
    ONVIF_AUTH_MAX_DELAY_MS: '200',
  });
  cameras = [];
  // Ids are UUIDv5 of the identity, so the split is fixed: these eight fall to both workers.
  for (let i = 0; i < 8; i++) cameras.push(await rig.camera(`cluster-host-${i}`));
}, 120_000);

afterAll(async () => {
  await rig?.dispose();
});

const profiles = op('trt', 'GetProfiles');

function listeningLines(): { cameraId: string; worker: number }[] {
  return rig.onvif
    .output()
    .split('\n')
    .filter((l) => l.includes('"msg":"listening"') && l.includes('"cameraId"'))
    .map((l) => (JSON.parse(l) as { message: { cameraId: string; worker: number } }).message);
}

/** The primary's children: the workers. */
function workerPids(): number[] {
  const primary = rig.onvif.pid!;
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(primary);
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('each camera is opened once, by the worker its id names, and both workers serve some', () => {
  const lines = listeningLines();
  for (const c of cameras) {
    const opened = lines.filter((l) => l.cameraId === c.id);
    expect(opened).toEqual([{ ...opened[0], cameraId: c.id, worker: workerOf(c.id, 2) }]);
  }
  expect(new Set(cameras.map((c) => workerOf(c.id, 2)))).toEqual(new Set([0, 1]));
  expect(workerPids()).toHaveLength(2);
});

test('a nonce is refused the second time whichever connection carries it', async () => {
  for (const c of cameras) {
    const creds = { ...admin, nonce: randomBytes(16), created: new Date() };
    const replies = [];
    // Fresh connections each: a camera port shared between workers would let some through.
    for (let i = 0; i < 4; i++) replies.push(await postSoap(c.onvifPort, envelope(profiles, { creds })));
    keep('cluster replayed nonce', replies[1]!.body);
    expect(replies.map((r) => r.status)).toEqual([200, 400, 400, 400]);
    expect(subcodes(replies[1]!.body)).toEqual(['NotAuthorized']);
  }
});

test('/metrics sums the workers', async () => {
  const metrics = await rig.onvif.metrics();
  expect(metrics).toMatch(new RegExp(`^desk_onvif_listeners_open\\{[^}]*\\} ${cameras.length}$`, 'm'));
});

/** The slot a worker serves, from the environment its primary gave it. */
function slotOf(pid: number): number {
  const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  return Number(env.find((e) => e.startsWith('ONVIF_WORKER_INDEX='))?.split('=')[1]);
}

test('a worker that dies is forked again; its cameras come back, the others never stop', async () => {
  const victimPid = workerPids().find((pid) => slotOf(pid) === 0)!;
  process.kill(victimPid, 'SIGKILL');
  await waitFor('the worker gone', () => Promise.resolve(!workerPids().includes(victimPid)));
  // Before the primary forks it again (it waits a second at least), worker 1's cameras answer.
  const survivors = cameras.filter((c) => workerOf(c.id, 2) === 1);
  const answers = await Promise.all(
    survivors.map((c) => postSoap(c.onvifPort, envelope(profiles, { creds: admin })).then((r) => r.status)),
  );
  expect(answers).toEqual(survivors.map(() => 200));
  // Then every camera answers again.
  for (const c of cameras) {
    await waitFor(`camera ${c.onvifPort} after the worker's death`, async () => {
      const r = await postSoap(c.onvifPort, envelope(profiles, { creds: admin })).catch(() => undefined);
      return r?.status === 200;
    });
  }
  await waitFor('two workers again', () => Promise.resolve(workerPids().length === 2));
  expect(workerPids().map(slotOf).sort()).toEqual([0, 1]);
  expect(rig.onvif.output()).toContain('worker exited: forking it again');
});

test("an address's wrong passwords count together across workers: its lockout holds on every camera", async () => {
  // Last: 127.0.0.1 is locked out from here on.
  const [a, b] = [0, 1].map((w) => cameras.find((c) => workerOf(c.id, 2) === w)!);
  const wrong = { ...admin, password: 'wrong-password-1' };
  for (let i = 0; i < 6; i++) {
    const reply = await postSoap((i % 2 ? b! : a!).onvifPort, envelope(profiles, { creds: wrong }));
    expect(reply.status).toBe(400);
  }
  // Three guesses went to each worker, six in all: both refuse the right password now.
  for (const c of [a!, b!]) {
    const reply = await postSoap(c.onvifPort, envelope(profiles, { creds: admin }));
    keep('cluster locked out', reply.body);
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('locked out');
  }
});
