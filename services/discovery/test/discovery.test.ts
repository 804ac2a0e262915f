import { Registry, call, type CameraRecord } from '@desk-onvif/contracts';
import { waitFor } from '@desk-onvif/test-support';
import { DATAGRAM_CASES, fixtureBytes } from '../../../libs/ws-discovery/test/fixtures.js';
import { DiscoveryLab, sendAndCollect, type Reply } from './discovery.lab.js';

/**
 * The discovery service end to end: real nats-server and port registry, the service in a network
 * namespace, and WS-Discovery clients (the npm `onvif` library, raw real-world probes) inside it.
 */
const lab = await DiscoveryLab.start('the discovery service tests', {
  heartbeatTimeoutMs: 4000,
  discoveryEnv: { DISCOVERY_RATE_LIMIT_BURST: '1000' },
});
const suite = lab ? describe : describe.skip;

const NS =
  'xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"';
let seq = 0;
function probe(scopes: string, matchBy?: string): { id: string; xml: string } {
  const id = `urn:uuid:00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
  const by = matchBy ? ` MatchBy="${matchBy}"` : '';
  const xml =
    `<s:Envelope ${NS}><s:Header><a:MessageID>${id}</a:MessageID><a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>` +
    `<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action></s:Header>` +
    `<s:Body><d:Probe><d:Scopes${by}>${scopes}</d:Scopes></d:Probe></s:Body></s:Envelope>`;
  return { id, xml };
}
function resolve(endpoint: string): { id: string; xml: string } {
  const id = `urn:uuid:00000000-0000-4000-9000-${String(++seq).padStart(12, '0')}`;
  const xml =
    `<s:Envelope ${NS}><s:Header><a:MessageID>${id}</a:MessageID>` +
    `<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Resolve</a:Action></s:Header>` +
    `<s:Body><d:Resolve><a:EndpointReference><a:Address>${endpoint}</a:Address></a:EndpointReference></d:Resolve></s:Body></s:Envelope>`;
  return { id, xml };
}
/** The registry and our client reconnect on their own after a restart: retry until they have. */
async function waitForRegistration(l: DiscoveryLab, hostName: string): Promise<CameraRecord> {
  let camera: CameraRecord | undefined;
  await waitFor(
    `registration of ${hostName}`,
    async () => {
      camera = await l.register(hostName);
      return true;
    },
    30_000,
    250,
  );
  return camera as CameraRecord;
}
const byRequest = (replies: Reply[], id: string) => replies.filter((r) => r.relatesTo === id);
const urns = (replies: Reply[]) => replies.map((r) => r.urn).sort();
const xaddrOf = (c: CameraRecord) => `http://127.0.0.1:${c.onvifPort}/onvif/device_service`;

suite('discovery service', () => {
  const l = lab as DiscoveryLab;
  let cameras: CameraRecord[] = [];
  const alive = new Set<string>();
  let stopHeartbeats = () => undefined as void;

  beforeAll(async () => {
    cameras = [await l.register('Front desk'), await l.register('lab-pc-2'), await l.register('reception')];
    cameras.forEach((c) => alive.add(c.id));
    stopHeartbeats = l.keepAlive(() => [...alive], 250);
    await l.waitMetric('desk_onvif_discovery_cameras_announced', {}, (v) => v === 3);
  });

  afterAll(async () => {
    stopHeartbeats();
    await l.stop();
  });

  it('npm onvif Discovery.probe finds every camera, with its XAddrs, types and scopes', async () => {
    const found = JSON.parse(await l.client(['onvif-probe', '1500'])) as Reply[];
    expect(urns(found)).toEqual(cameras.map((c) => `urn:uuid:${c.id}`).sort());
    for (const c of cameras) {
      const match = found.find((f) => f.urn === `urn:uuid:${c.id}`) as Reply;
      expect(match.xaddrs).toEqual([xaddrOf(c)]);
      expect(match.types).toEqual(['dn:NetworkVideoTransmitter', 'tds:Device']);
      // The same list GetScopes answers (both built by cameraScopes), in order.
      expect(match.scopes).toEqual([
        'onvif://www.onvif.org/type/video_encoder',
        'onvif://www.onvif.org/Profile/Streaming',
        'onvif://www.onvif.org/hardware/Desktop%20Camera',
        `onvif://www.onvif.org/mac/${c.mac}`,
        `onvif://www.onvif.org/name/${encodeURIComponent(c.name)}`,
        `onvif://www.onvif.org/location/${encodeURIComponent(c.hostName)}`,
      ]);
    }
  });

  it('answers the real-world probes of the codec table, each in its SOAP version', async () => {
    const probes = DATAGRAM_CASES.filter((c) => c.matchesCamera !== undefined);
    const replies = await sendAndCollect(
      l,
      probes.map((c) => fixtureBytes(c.file)),
    );
    for (const c of probes) {
      const id = (c.decoded as { messageId: string }).messageId;
      const answers = byRequest(replies, id);
      expect({ probe: c.name, answers: answers.length }).toEqual({
        probe: c.name,
        answers: c.matchesCamera ? 3 : 0,
      });
      const soap = (c.decoded as { soap: string }).soap;
      for (const a of answers) {
        expect(a).toMatchObject({
          soap,
          action: 'http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches',
        });
        expect(a.from).toBe('127.0.0.1:3702');
      }
    }
  });

  it('filters by scope: rfc3986 prefixes, strcmp0 exact strings', async () => {
    const [front] = cameras as [CameraRecord];
    const strcmp0 = 'http://schemas.xmlsoap.org/ws/2005/04/discovery/strcmp0';
    const cases = [
      { p: probe('onvif://www.onvif.org/Profile/Streaming'), want: cameras },
      { p: probe('onvif://www.onvif.org/name/Front%20desk'), want: [front] },
      { p: probe('ONVIF://www.onvif.org/name/Front%20desk onvif://www.onvif.org/type'), want: [front] },
      { p: probe(`onvif://www.onvif.org/mac/${front.mac}`), want: [front] },
      { p: probe('onvif://www.onvif.org/Profile/G'), want: [] },
      { p: probe('onvif://www.onvif.org/name/Front'), want: [] },
      { p: probe('onvif://www.onvif.org/name/Front%20desk', strcmp0), want: [front] },
      { p: probe('onvif://www.onvif.org/name', strcmp0), want: [] },
      { p: probe('onvif://www.onvif.org', 'http://example.com/ldap'), want: [] },
    ];
    const replies = await sendAndCollect(
      l,
      cases.map((c) => c.p.xml),
    );
    for (const c of cases) {
      expect({
        probe: c.p.xml.match(/<d:Scopes[^>]*>[^<]*/)?.[0],
        urns: urns(byRequest(replies, c.p.id)),
      }).toEqual({
        probe: c.p.xml.match(/<d:Scopes[^>]*>[^<]*/)?.[0],
        urns: c.want.map((w) => `urn:uuid:${w.id}`).sort(),
      });
    }
  });

  it('answers a Resolve of a known camera with its XAddrs, and an unknown one not at all', async () => {
    const known = resolve(`urn:uuid:${(cameras[1] as CameraRecord).id}`);
    const unknown = resolve('urn:uuid:11111111-2222-4333-8444-555555555555');
    const replies = await sendAndCollect(l, [known.xml, unknown.xml]);
    expect(byRequest(replies, known.id)).toEqual([
      expect.objectContaining({
        action: 'http://schemas.xmlsoap.org/ws/2005/04/discovery/ResolveMatches',
        urn: `urn:uuid:${(cameras[1] as CameraRecord).id}`,
        xaddrs: [xaddrOf(cameras[1] as CameraRecord)],
      }),
    ]);
    expect(byRequest(replies, unknown.id)).toEqual([]);
  });

  it('answers a repeated Probe (same MessageID) once', async () => {
    const before = await l.metric('desk_onvif_discovery_probes_dropped_total', { reason: 'duplicate' });
    const p = probe('');
    const replies = await sendAndCollect(l, [p.xml, p.xml, p.xml]);
    expect(byRequest(replies, p.id)).toHaveLength(3);
    expect(await l.metric('desk_onvif_discovery_probes_dropped_total', { reason: 'duplicate' })).toBe(
      before + 2,
    );
  });

  describe('announcements', () => {
    let listener: ReturnType<DiscoveryLab['spawnClient']>;
    const seen = (): Reply[] =>
      listener
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Reply);
    const waitSeen = (what: string, ok: (r: Reply) => boolean) =>
      waitFor(what, () => Promise.resolve(seen().some(ok)), 20_000);
    const HELLO = 'http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello';
    const BYE = 'http://schemas.xmlsoap.org/ws/2005/04/discovery/Bye';

    beforeAll(async () => {
      listener = l.spawnClient(['listen', '120000']);
      await waitFor('listener ready', () => Promise.resolve(listener.output().includes('ready')));
    });
    afterAll(() => listener.stop());

    it('says Hello when a camera comes online and Bye when it goes offline', async () => {
      const late = await l.register('late-pc');
      alive.add(late.id);
      await waitSeen('Hello of late-pc', (r) => r.action === HELLO && r.urn === `urn:uuid:${late.id}`);
      const hello = seen().find((r) => r.action === HELLO && r.urn === `urn:uuid:${late.id}`) as Reply;
      expect(hello.xaddrs).toEqual([xaddrOf(late)]);
      expect(hello.scopes).toContain('onvif://www.onvif.org/name/late-pc');

      alive.delete(late.id); // no more heartbeats: the registry marks it offline after its timeout
      await waitSeen('Bye of late-pc', (r) => r.action === BYE && r.urn === `urn:uuid:${late.id}`);
      const found = JSON.parse(await l.client(['onvif-probe', '1000'])) as Reply[];
      expect(urns(found)).not.toContain(`urn:uuid:${late.id}`);
    });

    it('says Bye when a camera is removed', async () => {
      const gone = await l.register('gone-pc');
      alive.add(gone.id);
      await waitSeen('Hello of gone-pc', (r) => r.action === HELLO && r.urn === `urn:uuid:${gone.id}`);
      await call(l.nc, Registry.remove, { id: gone.id });
      alive.delete(gone.id);
      await waitSeen('Bye of gone-pc', (r) => r.action === BYE && r.urn === `urn:uuid:${gone.id}`);
    });

    it('says Hello again, with a higher MetadataVersion, when a camera is renamed', async () => {
      const camera = cameras[1] as CameraRecord;
      const urn = `urn:uuid:${camera.id}`;
      const versionOf = async () =>
        (JSON.parse(await l.client(['onvif-probe', '800'])) as Reply[]).find((f) => f.urn === urn)
          ?.metadataVersion ?? 0;
      const before = await versionOf();
      await call(l.nc, Registry.update, { id: camera.id, patch: { name: 'Lab bench' } });
      await waitSeen(
        'Hello with the new name',
        (r) =>
          r.action === HELLO &&
          r.urn === urn &&
          (r.scopes ?? []).includes('onvif://www.onvif.org/name/Lab%20bench'),
      );
      expect(await versionOf()).toBeGreaterThan(before);
    });

    it('keeps watching the cameras through a nats-server restart', async () => {
      await l.nats.restart();
      const after = await waitForRegistration(l, 'after-restart');
      alive.add(after.id);
      await waitSeen(
        'Hello of a camera registered after the restart',
        (r) => r.action === HELLO && r.urn === `urn:uuid:${after.id}`,
      );
      const found = JSON.parse(await l.client(['onvif-probe', '1000'])) as Reply[];
      expect(urns(found)).toContain(`urn:uuid:${after.id}`);
      expect(found.length).toBeGreaterThanOrEqual(3);
      await call(l.nc, Registry.remove, { id: after.id });
      alive.delete(after.id);
      await waitSeen(
        'Bye of the camera registered after the restart',
        (r) => r.action === BYE && r.urn === `urn:uuid:${after.id}`,
      );
    });

    it('never announces nor matches a NonDiscoverable camera, and says Hello when it is Discoverable again', async () => {
      const hidden = cameras[2] as CameraRecord;
      await call(l.nc, Registry.update, { id: hidden.id, patch: { discoveryMode: 'NonDiscoverable' } });
      await waitSeen(
        'Bye of the hidden camera',
        (r) => r.action === BYE && r.urn === `urn:uuid:${hidden.id}`,
      );

      const r = resolve(`urn:uuid:${hidden.id}`);
      const p = probe('');
      const replies = await sendAndCollect(l, [p.xml, r.xml]);
      expect(urns(byRequest(replies, p.id))).not.toContain(`urn:uuid:${hidden.id}`);
      expect(byRequest(replies, p.id)).toHaveLength(2);
      expect(byRequest(replies, r.id)).toEqual([]);

      const hellosBefore = seen().filter(
        (x) => x.action === HELLO && x.urn === `urn:uuid:${hidden.id}`,
      ).length;
      await call(l.nc, Registry.update, { id: hidden.id, patch: { discoveryMode: 'Discoverable' } });
      await waitFor('Hello of the camera made Discoverable', () =>
        Promise.resolve(
          seen().filter((x) => x.action === HELLO && x.urn === `urn:uuid:${hidden.id}`).length > hellosBefore,
        ),
      );
    });
  });
});
