import { createServer, type Server } from 'node:http';
import onvif, { type Cam } from 'onvif';
import { cameraSubjects, encodeEvent, Registry, type CameraRecord } from '@desk-onvif/contracts';
import { EVENT_CLIENT_REQUESTS, Ns, type SecurityWriter } from '@desk-onvif/onvif-soap';
import { captureXml, freePort, waitFor } from '@desk-onvif/test-support';
import { envelope, keep, OnvifRig, postSoap, security, subcodes } from './onvif.rig.js';

/**
 * The event service of a real onvif service (with the real registry and nats-server): every
 * request of the client table against a camera, responses kept for the schema validation; events
 * injected over NATS as the agent and the registry send them, read with PullMessages, received by
 * a Base Notification consumer and by npm `onvif`'s event API; renewal, unsubscription, expiry,
 * bounds, and a subscription kept across a restart of the service.
 */

const admin = { username: 'admin', password: 'admin-password-1' };
let rig: OnvifRig;
let camera: CameraRecord;

beforeAll(async () => {
  rig = await OnvifRig.start({ ONVIF_EVENTS_MAX_PER_CAMERA: '8' });
  camera = await rig.camera('events-host-1', admin);
  // No agent streams in this rig: say the capture runs, as an agent does (an agent that speaks is online).
  agentEvent({ type: 'capture.started', at: new Date().toISOString() });
});

afterAll(async () => {
  await rig?.dispose();
});

const secWriter = (): SecurityWriter => ({
  npm: () => security(admin).replace('<wsse:Security ', '<wsse:Security s:mustUnderstand="1" '),
  prefixed: (p) => security(admin).replace('<wsse:Security ', `<wsse:Security ${p}:mustUnderstand="true" `),
});

function tev(name: string, inner = ''): string {
  return `<tev:${name} xmlns:tev="${Ns.events}" xmlns:wsnt="${Ns.wsnt}" xmlns:wsa="${Ns.wsa}">${inner}</tev:${name}>`;
}
function wsnt(name: string, inner = ''): string {
  return `<wsnt:${name} xmlns:wsnt="${Ns.wsnt}" xmlns:wsa="${Ns.wsa}">${inner}</wsnt:${name}>`;
}

async function call(body: string, path = '/onvif/events_service', name = 'events') {
  const reply = await postSoap(camera.onvifPort, envelope(body, { creds: admin }), { path });
  keep(name, reply.body);
  return reply;
}

const addressOf = (body: string) => /<wsa:Address>([^<]+)<\/wsa:Address>/.exec(body)?.[1] ?? '';
const pathOf = (address: string) => new URL(address).pathname;

/** Every subscription a test made, unsubscribed after it whatever happened (the per-camera bound). */
const made: string[] = [];
afterEach(async () => {
  for (const p of made.splice(0))
    await postSoap(camera.onvifPort, envelope(wsnt('Unsubscribe'), { creds: admin }), { path: p });
});

async function createPullPoint(termination = 'PT1M', filter = ''): Promise<string> {
  const r = await call(
    tev(
      'CreatePullPointSubscription',
      `${filter}<tev:InitialTerminationTime>${termination}</tev:InitialTerminationTime>`,
    ),
  );
  expect(r.status).toBe(200);
  made.push(pathOf(addressOf(r.body)));
  return pathOf(addressOf(r.body));
}

async function pull(path: string, timeout = 'PT5S', limit = 10) {
  return call(
    tev('PullMessages', `<tev:Timeout>${timeout}</tev:Timeout><tev:MessageLimit>${limit}</tev:MessageLimit>`),
    path,
    'pull',
  );
}

function agentEvent(
  event: Parameters<typeof encodeEvent<ReturnType<typeof cameraSubjects>['event']>>[1],
): void {
  const contract = cameraSubjects(camera.id).event;
  rig.nc.publish(contract.subject, encodeEvent(contract, event));
}

const states = (body: string) =>
  [
    ...body.matchAll(
      /<wsnt:Topic [^>]*>tns1:([^<]+)<\/wsnt:Topic>.*?PropertyOperation="(\w+)".*?<tt:Data><tt:SimpleItem Name="\w+" Value="(\w+)"/g,
    ),
  ].map((m) => `${m[1]}=${m[3]}/${m[2]}`);

test('every request of the client table is answered, in order, without a fault', async () => {
  const created: string[] = [];
  for (const r of EVENT_CLIENT_REQUESTS) {
    const to = created.at(-1) ?? `http://127.0.0.1:${camera.onvifPort}/onvif/events_service`;
    const path = r.target === 'events' ? '/onvif/events_service' : pathOf(to);
    const reply = await postSoap(camera.onvifPort, r.xml(secWriter(), to), { path });
    keep(r.name, reply.body);
    expect({ name: r.name, status: reply.status, faults: subcodes(reply.body) }).toEqual({
      name: r.name,
      status: 200,
      faults: [],
    });
    if (/SubscriptionReference/.test(reply.body)) created.push(addressOf(reply.body));
    if (/Unsubscribe/.test(r.name)) created.pop();
  }
  // Clean up what the table left, so that the bound below counts from zero.
  for (const address of created) await call(wsnt('Unsubscribe'), pathOf(address), 'unsubscribe');
});

test('a new pull point starts with every property Initialized; motion from the agent follows', async () => {
  const path = await createPullPoint();
  const first = await pull(path);
  expect(states(first.body)).toEqual([
    'VideoSource/MotionAlarm=false/Initialized',
    'RuleEngine/CellMotionDetector/Motion=false/Initialized',
    'VideoSource/GlobalSceneChange/ImagingService=false/Initialized',
    'VideoSource/SignalLoss=false/Initialized',
  ]);
  const held = pull(path, 'PT20S');
  agentEvent({ type: 'desktop.activity', active: true, at: new Date().toISOString() });
  expect(states((await held).body)).toEqual([
    'VideoSource/MotionAlarm=true/Changed',
    'RuleEngine/CellMotionDetector/Motion=true/Changed',
  ]);
  agentEvent({ type: 'session.locked', at: new Date().toISOString() });
  agentEvent({ type: 'desktop.activity', active: false, at: new Date().toISOString() });
  // Drain until both changes have arrived: they come as separate NATS messages, and a pull can return after the first.
  const drained: string[] = [];
  await waitFor('lock and motion end', async () => {
    drained.push(...states((await pull(path, 'PT1S')).body));
    return (
      drained.includes('VideoSource/GlobalSceneChange/ImagingService=true/Changed') &&
      drained.includes('VideoSource/MotionAlarm=false/Changed') &&
      drained.includes('RuleEngine/CellMotionDetector/Motion=false/Changed')
    );
  });
  // SetSynchronizationPoint: every property again, as it stands now.
  expect((await call(tev('SetSynchronizationPoint'), path, 'sync')).status).toBe(200);
  expect(states((await pull(path)).body)).toEqual([
    'VideoSource/MotionAlarm=false/Initialized',
    'RuleEngine/CellMotionDetector/Motion=false/Initialized',
    'VideoSource/GlobalSceneChange/ImagingService=true/Initialized',
    'VideoSource/SignalLoss=false/Initialized',
  ]);
  agentEvent({ type: 'session.unlocked', at: new Date().toISOString() });
  await call(wsnt('Unsubscribe'), path, 'unsubscribe');
});

test('the registry marking the camera offline is signal loss; a topic filter lets only its topic through', async () => {
  const path = await createPullPoint(
    'PT1M',
    `<tev:Filter><wsnt:TopicExpression Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">tns1:VideoSource/SignalLoss</wsnt:TopicExpression></tev:Filter>`,
  );
  expect(states((await pull(path)).body)).toEqual(['VideoSource/SignalLoss=false/Initialized']);
  const held = pull(path, 'PT20S');
  rig.nc.publish(
    Registry.event.subject,
    encodeEvent(Registry.event, { type: 'camera.offline', id: camera.id }),
  );
  expect(states((await held).body)).toEqual(['VideoSource/SignalLoss=true/Changed']);
  rig.nc.publish(
    Registry.event.subject,
    encodeEvent(Registry.event, { type: 'camera.online', id: camera.id }),
  );
  expect(states((await pull(path, 'PT20S')).body)).toEqual(['VideoSource/SignalLoss=false/Changed']);
  await call(wsnt('Unsubscribe'), path, 'unsubscribe');
});

test('no event, no message: a pull waits its timeout and answers empty', async () => {
  const path = await createPullPoint();
  await pull(path);
  const started = Date.now();
  const r = await pull(path, 'PT1S');
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  expect(states(r.body)).toEqual([]);
  expect(r.body).toContain('<tev:PullMessagesResponse>');
  await call(wsnt('Unsubscribe'), path, 'unsubscribe');
});

test('Renew moves the termination time; Unsubscribe and expiry end a subscription with a clear fault', async () => {
  const path = await createPullPoint('PT10S');
  const renewed = await call(
    wsnt('Renew', '<wsnt:TerminationTime>PT5M</wsnt:TerminationTime>'),
    path,
    'renew',
  );
  const current = Date.parse(/<wsnt:CurrentTime>([^<]+)</.exec(renewed.body)?.[1] ?? '');
  const until = Date.parse(/<wsnt:TerminationTime>([^<]+)</.exec(renewed.body)?.[1] ?? '');
  expect(until - current).toBe(300_000);
  expect((await call(wsnt('Unsubscribe'), path, 'unsubscribe')).status).toBe(200);
  const gone = await pull(path);
  expect(gone.status).toBe(400);
  expect(subcodes(gone.body)).toEqual(['InvalidArgVal', 'ResourceUnknownFault']);

  const short = await createPullPoint('PT1S');
  await new Promise((r) => setTimeout(r, 1500));
  const expired = await call(
    wsnt('Renew', '<wsnt:TerminationTime>PT1M</wsnt:TerminationTime>'),
    short,
    'renew',
  );
  expect(subcodes(expired.body)).toEqual(['InvalidArgVal', 'ResourceUnknownFault']);
});

test('subscriptions per camera are bounded: one too many is refused, one freed can be used again', async () => {
  const paths: string[] = [];
  for (let i = 0; i < 8; i++) paths.push(await createPullPoint());
  const refused = await call(tev('CreatePullPointSubscription'));
  expect(refused.status).toBe(500);
  expect(subcodes(refused.body)).toEqual(['CapabilityViolated', 'SubscribeCreationFailedFault']);
  await call(wsnt('Unsubscribe'), paths.pop() ?? '', 'unsubscribe');
  paths.push(await createPullPoint());
  for (const p of paths) await call(wsnt('Unsubscribe'), p, 'unsubscribe');
});

describe('Base Notification', () => {
  let consumer: Server;
  let port: number;
  const received: string[] = [];
  beforeAll(async () => {
    port = await freePort();
    consumer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((r) => consumer.listen(port, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => consumer.close(() => r())));

  test('Subscribe: Notify is POSTed to the consumer, the states first, then each change', async () => {
    const r = await call(
      wsnt(
        'Subscribe',
        `<wsnt:ConsumerReference><wsa:Address>http://127.0.0.1:${port}/notify</wsa:Address></wsnt:ConsumerReference>` +
          `<wsnt:InitialTerminationTime>PT1M</wsnt:InitialTerminationTime>`,
      ),
    );
    expect(r.status).toBe(200);
    made.push(pathOf(addressOf(r.body)));
    await waitFor('the Initialized Notify', () => received.length >= 1);
    expect(states(received.join(''))).toContain('VideoSource/MotionAlarm=false/Initialized');
    agentEvent({ type: 'desktop.activity', active: true, at: new Date().toISOString() });
    await waitFor('the motion Notify', () =>
      states(received.join('')).includes('VideoSource/MotionAlarm=true/Changed'),
    );
    for (const n of received) captureXml('notify', n);
    expect(received[0]).toContain(
      `<wsnt:SubscriptionReference><wsa:Address>${addressOf(r.body)}</wsa:Address>`,
    );
    agentEvent({ type: 'desktop.activity', active: false, at: new Date().toISOString() });
    await call(wsnt('Unsubscribe'), pathOf(addressOf(r.body)), 'unsubscribe');
  });
});

test("npm onvif's event API (cam.on('event')) receives the motion event", async () => {
  const cam = await new Promise<Cam>((resolve, reject) => {
    const c = new onvif.Cam({
      hostname: '127.0.0.1',
      port: camera.onvifPort,
      ...admin,
      timeout: 10000,
      autoconnect: false,
    });
    c.connect((err) => (err ? reject(err) : resolve(c)));
  });
  const seen: string[] = [];
  cam.on(
    'event',
    (m: {
      topic: { _: string };
      message: { message: { data: { simpleItem: { $: { Value: unknown } } } } };
    }) => {
      seen.push(`${m.topic._}=${String(m.message.message.data.simpleItem.$.Value)}`);
    },
  );
  await waitFor('the initial state', () => seen.includes('tns1:VideoSource/MotionAlarm=false'));
  agentEvent({ type: 'desktop.activity', active: true, at: new Date().toISOString() });
  await waitFor('motion through npm onvif', () => seen.includes('tns1:VideoSource/MotionAlarm=true'));
  agentEvent({ type: 'desktop.activity', active: false, at: new Date().toISOString() });
  // Its end too, so the next test starts from a still desktop (its pull point's Initialized states
  // are the four of a still desktop, with no Changed still on its way).
  await waitFor(
    'the motion’s end through npm onvif',
    () =>
      seen.lastIndexOf('tns1:VideoSource/MotionAlarm=false') >
      seen.indexOf('tns1:VideoSource/MotionAlarm=true'),
  );
  cam.removeAllListeners('event');
});

test('an onvif restart keeps a pull point (same address, events go on); an unsubscribed one answers ResourceUnknownFault', async () => {
  const kept = await createPullPoint('PT5M');
  expect(states((await pull(kept)).body)).toHaveLength(4);
  const gone = await createPullPoint('PT5M');
  expect((await call(wsnt('Unsubscribe'), gone, 'unsubscribe')).status).toBe(200);
  await rig.onvif.restart();
  await rig.listening(camera.onvifPort);
  // The first request to the old address finds it (KV event-subscriptions): an answer, no fault.
  expect((await pull(kept, 'PT1S')).status).toBe(200);
  const held = pull(kept, 'PT20S');
  agentEvent({ type: 'desktop.activity', active: true, at: new Date().toISOString() });
  const after = await held;
  expect(after.status).toBe(200);
  expect(states(after.body)).toContain('VideoSource/MotionAlarm=true/Changed');
  agentEvent({ type: 'desktop.activity', active: false, at: new Date().toISOString() });
  const lost = await pull(gone);
  expect(lost.status).toBe(400);
  expect(subcodes(lost.body)).toEqual(['InvalidArgVal', 'ResourceUnknownFault']);
  expect(lost.body).toContain('Create a new one');
  // Renew and Unsubscribe on the kept one work after the restart too; then it is gone for good.
  expect(
    (await call(wsnt('Renew', '<wsnt:TerminationTime>PT2M</wsnt:TerminationTime>'), kept, 'renew')).status,
  ).toBe(200);
  expect((await call(wsnt('Unsubscribe'), kept, 'unsubscribe')).status).toBe(200);
  made.splice(made.indexOf(kept), 1);
  expect(subcodes((await pull(kept, 'PT1S')).body)).toEqual(['InvalidArgVal', 'ResourceUnknownFault']);
});

test('camera events that came while onvif was down reach the pull point it restores, once (stream CAMERA_EVENTS)', async () => {
  const kept = await createPullPoint('PT5M');
  expect(states((await pull(kept)).body)).toHaveLength(4);
  agentEvent({ type: 'desktop.activity', active: false, at: new Date().toISOString() });
  await rig.onvif.restart(async () => {
    // No onvif process at all: only JetStream hears the agent.
    agentEvent({ type: 'desktop.activity', active: true, at: new Date().toISOString() });
    await rig.nc.flush();
  });
  await rig.listening(camera.onvifPort);
  const missed = await pull(kept, 'PT10S');
  expect(missed.status).toBe(200);
  expect(states(missed.body)).toContain('VideoSource/MotionAlarm=true/Changed');
  expect(states(missed.body)).toContain('RuleEngine/CellMotionDetector/Motion=true/Changed');
  // Handed over once: what follows is live, nothing of the replay again.
  const held = pull(kept, 'PT20S');
  agentEvent({ type: 'desktop.activity', active: false, at: new Date().toISOString() });
  const live = states((await held).body);
  expect(live).toContain('VideoSource/MotionAlarm=false/Changed');
  expect(live.filter((s) => s.includes('=true'))).toEqual([]);
  // A second restart with nothing missed replays nothing: the client's last event was written down.
  await rig.onvif.restart();
  await rig.listening(camera.onvifPort);
  expect(states((await pull(kept, 'PT2S')).body)).toEqual([]);
});

test('nats-server restarted: camera events still reach a pull point (the ordered consumer of CAMERA_EVENTS follows)', async () => {
  const point = await createPullPoint('PT5M');
  expect(states((await pull(point)).body)).toHaveLength(4);
  await rig.nats.restart();
  // The motion below may be published before onvif is back on NATS: JetStream keeps it for the hub.
  await waitFor('the test connection back', async () => {
    await rig.nc.flush();
    return true;
  });
  agentEvent({ type: 'desktop.activity', active: true, at: new Date().toISOString() });
  await waitFor(
    'motion after the restart',
    async () => states((await pull(point, 'PT2S')).body).includes('VideoSource/MotionAlarm=true/Changed'),
    30_000,
  );
  agentEvent({ type: 'desktop.activity', active: false, at: new Date().toISOString() });
});
