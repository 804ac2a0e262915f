import { BlockList } from 'node:net';
import { cameraRecord } from '../test/camera.fixture.js';
import { Registry } from 'prom-client';
import { CameraDirectory } from './camera.directory.js';
import { DiscoveryMetrics } from './discovery.metrics.js';
import { DiscoveryResponder, type ResponderSettings } from './discovery.responder.js';
import { MessageDedup } from './message.dedup.js';
import { MessageSequence } from './message.sequence.js';
import type { ListenAddress } from './network.interfaces.js';
import { RateLimiter } from './rate.limiter.js';
import { ReplyBudget } from './reply.budget.js';
import { ReplyScheduler, type Timers } from './reply.scheduler.js';

const A = '6f1e2d3c-4b5a-5968-8778-695a4b3c2d1e';
const B = '7a2f3e4d-5c6b-5a79-8887-7a6b5c4d3e2f';
const probe = (id: string, body = '<d:Probe/>', soap = 'http://www.w3.org/2003/05/soap-envelope') =>
  Buffer.from(
    `<s:Envelope xmlns:s="${soap}" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">` +
      `<s:Header><a:MessageID>${id}</a:MessageID></s:Header><s:Body>${body}</s:Body></s:Envelope>`,
  );

function setup(
  settings: Partial<ResponderSettings> = {},
  capacity = 100,
  budget = new ReplyBudget(1e9, 1e9, 0, 100),
) {
  const sent: Array<{ xml: string; port: number; address: string }> = [];
  const delays: number[] = [];
  const due: Array<() => void> = [];
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      delays.push(ms);
      due.push(fn);
      return due.length;
    },
    clearTimeout: () => undefined,
  };
  const directory = new CameraDirectory(['Streaming']);
  directory.apply(A, cameraRecord({ id: A, name: 'Front desk', onvifPort: 8090 }), 1);
  directory.apply(B, cameraRecord({ id: B, name: 'Lab', onvifPort: 8091 }), 1);
  const listening: ListenAddress[] = [{ name: 'eth0', address: '192.168.1.20', cidr: '192.168.1.20/24' }];
  const allowed = new BlockList();
  allowed.addSubnet('192.168.1.0', 24);
  const registry = new Registry();
  const metrics = new DiscoveryMetrics(registry, {
    announced: () => 0,
    pendingReplies: () => 0,
    trackedSources: () => 0,
    rememberedMessageIds: () => 0,
  });
  const responder = new DiscoveryResponder({
    settings: { maxDatagramBytes: 16384, replyMaxDelayMs: 500, publicHost: undefined, ...settings },
    directory,
    listening,
    allowed,
    limiter: new RateLimiter(1, 2, 100),
    budget,
    dedup: new MessageDedup(100, 10_000),
    scheduler: new ReplyScheduler(capacity, timers),
    sequence: new MessageSequence(1_700_000_000_000),
    socket: {
      send: (payload, port, address) => {
        sent.push({ xml: payload.toString(), port, address });
        return Promise.resolve();
      },
    },
    metrics,
    now: () => 0,
    random: () => 0.999,
  });
  const dropped = async (reason: string) =>
    (await registry.getSingleMetric('desk_onvif_discovery_probes_dropped_total')?.get())?.values
      .filter((v) => v.labels.reason === reason)
      .reduce((s, v) => s + v.value, 0) ?? 0;
  // Every datagram handled, then every delay elapsed.
  const sut = {
    handle: (datagram: Buffer, source: { address: string; port: number }) => {
      responder.handle(datagram, source);
      // Paced replies are scheduled while the first ones run: until none is left.
      while (due.length > 0) due.splice(0).forEach((fn) => fn());
    },
  };
  const counter = async (name: string) =>
    (await registry.getSingleMetric(name)?.get())?.values.reduce((s, v) => s + v.value, 0) ?? 0;
  return { sut, sent, delays, dropped, directory, counter };
}

const prober = { address: '192.168.1.50', port: 40000 };

describe('DiscoveryResponder', () => {
  it('answers a Probe with one ProbeMatches per camera, unicast to the prober, within the delay', () => {
    const { sut, sent, delays } = setup();
    sut.handle(probe('urn:uuid:p1'), prober);
    expect(sent).toHaveLength(2);
    expect(sent.every((s) => s.address === '192.168.1.50' && s.port === 40000)).toBe(true);
    expect(sent.map((s) => /<d:XAddrs>([^<]*)/.exec(s.xml)?.[1]).sort()).toEqual([
      'http://192.168.1.20:8090/onvif/device_service',
      'http://192.168.1.20:8091/onvif/device_service',
    ]);
    expect(sent.every((s) => s.xml.includes('<a:RelatesTo>urn:uuid:p1</a:RelatesTo>'))).toBe(true);
    expect(delays.every((d) => d >= 0 && d < 500)).toBe(true);
    const numbers = sent.map((s) => Number(/MessageNumber="(\d+)"/.exec(s.xml)?.[1]));
    expect(numbers).toEqual([1, 2]);
  });

  it('puts the public host in XAddrs when one is configured', () => {
    const { sut, sent } = setup({ publicHost: 'cams.example.test' });
    sut.handle(probe('urn:uuid:p2'), prober);
    expect(sent[0]?.xml).toContain('http://cams.example.test:');
  });

  it('matches scopes, and answers a Resolve for one camera', () => {
    const { sut, sent } = setup();
    sut.handle(
      probe('urn:uuid:p3', '<d:Probe><d:Scopes>onvif://www.onvif.org/name/Lab</d:Scopes></d:Probe>'),
      prober,
    );
    sut.handle(
      probe(
        'urn:uuid:r1',
        `<d:Resolve><a:EndpointReference><a:Address>urn:uuid:${A}</a:Address></a:EndpointReference></d:Resolve>`,
      ),
      { ...prober, address: '192.168.1.51' },
    );
    expect(sent.map((s) => /<a:Address>urn:uuid:([^<]*)/.exec(s.xml)?.[1])).toEqual([B, A]);
    expect(sent[1]?.xml).toContain('ResolveMatches');
  });

  it('answers SOAP 1.1 in SOAP 1.1', () => {
    const { sut, sent } = setup();
    sut.handle(probe('urn:uuid:p4', '<d:Probe/>', 'http://schemas.xmlsoap.org/soap/envelope/'), prober);
    expect(sent[0]?.xml).toContain('xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"');
  });

  it.each([
    ['not_allowed', { address: '10.1.1.1', port: 40000 }, probe('urn:uuid:x1')],
    ['oversized', prober, Buffer.alloc(20_000, 0x20)],
    ['malformed', prober, Buffer.from('<nope')],
    ['not_a_request', prober, Buffer.from(probe('urn:uuid:x2').toString().replace('<d:Probe/>', '<d:Bye/>'))],
    [
      'unsupported_match_rule',
      prober,
      probe('urn:uuid:x3', '<d:Probe><d:Scopes MatchBy="urn:x:ldap">ldap:///o=x</d:Scopes></d:Probe>'),
    ],
  ])('drops silently: %s', async (reason, source, datagram) => {
    const { sut, sent, dropped } = setup();
    sut.handle(datagram, source);
    expect(sent).toEqual([]);
    expect(await dropped(reason)).toBe(1);
  });

  it('answers a repeated MessageID once, and a source beyond its rate not at all', async () => {
    const { sut, sent, dropped } = setup();
    sut.handle(probe('urn:uuid:same'), prober);
    sut.handle(probe('urn:uuid:same'), prober);
    sut.handle(probe('urn:uuid:third'), prober);
    expect(sent).toHaveLength(2);
    expect(await dropped('duplicate')).toBe(1);
    expect(await dropped('rate_limited')).toBe(1);
  });

  it('does not answer at all when the replies would overflow the queue', async () => {
    const { sut, sent, dropped } = setup({}, 1);
    sut.handle(probe('urn:uuid:p5'), prober);
    expect(sent).toEqual([]);
    expect(await dropped('queue_full')).toBe(1);
  });
});

describe('the reply-bytes budget (no amplification)', () => {
  it('paces the replies one source is owed beyond its burst, and drops what would wait too long', async () => {
    // The size of one ProbeMatches, so that the budget does not depend on what the scopes say.
    const one = setup();
    one.sut.handle(probe('urn:uuid:budget-size'), prober);
    const size = Buffer.byteLength(one.sent[0]?.xml ?? '');
    // Room for one ProbeMatches at once and one more within the deferral bound.
    const { sut, sent, delays, counter } = setup({}, 100, new ReplyBudget(size, 1.5 * size, 1000, 100));
    sut.handle(probe('urn:uuid:budget-1'), prober);
    sut.handle(probe('urn:uuid:budget-2'), prober);
    expect(sent.length).toBe(2);
    expect(await counter('desk_onvif_discovery_replies_paced_total')).toBe(1);
    expect(await counter('desk_onvif_discovery_replies_over_budget_total')).toBe(2);
    expect(delays.some((d) => d > 0 && d <= 1000)).toBe(true);
    expect(await counter('desk_onvif_discovery_reply_bytes_total')).toBe(
      sent.reduce((s, r) => s + Buffer.byteLength(r.xml), 0),
    );
  });
});
