import { fixtureBytes } from '../../../libs/ws-discovery/test/fixtures.js';
import { DiscoveryLab, sendAndCollect } from './discovery.lab.js';

/** WS-Discovery is a DDoS reflector when it answers anyone: it must not, beyond its limits. */
const lab = await DiscoveryLab.start('the discovery abuse tests', {
  discoveryEnv: { DISCOVERY_RATE_LIMIT_PER_S: '1', DISCOVERY_RATE_LIMIT_BURST: '3' },
});
const suite = lab ? describe : describe.skip;

const onvifProbe = fixtureBytes('npm-onvif-0.8.3-probe.xml').toString();
let n = 0;
/** The npm onvif probe with a MessageID of its own, so that repeats are not what is tested. */
const freshProbe = () =>
  onvifProbe.replace(
    /urn:uuid:[0-9a-f-]+/,
    `urn:uuid:abcdef00-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  );

suite('discovery abuse resistance', () => {
  const l = lab as DiscoveryLab;
  const dropped = (reason: string) => l.metric('desk_onvif_discovery_probes_dropped_total', { reason });

  beforeAll(async () => {
    const cameras = [await l.register('abuse-a'), await l.register('abuse-b')];
    cameras.forEach((c) => l.heartbeat(c.id));
    await l.waitMetric('desk_onvif_discovery_cameras_announced', {}, (v) => v === 2);
  });
  afterAll(() => l.stop());

  it('does not answer probers outside the allowed networks (default: the listening subnet)', async () => {
    // An address of the namespace outside 127.0.0.0/8, the subnet discovery listens on.
    await l.ns.run('ip', ['addr', 'add', '198.51.100.7/32', 'dev', 'lo']);
    const before = await dropped('not_allowed');
    const outside = await sendAndCollect(l, [freshProbe()], { bind: '198.51.100.7', timeoutMs: 1000 });
    expect(outside).toEqual([]);
    expect(await dropped('not_allowed')).toBe(before + 1);
    // The same probe from inside the subnet is answered: the refusal above was the network's.
    const inside = await sendAndCollect(l, [freshProbe()], { bind: '127.0.0.2', timeoutMs: 1000 });
    expect(inside).toHaveLength(2);
  });

  it('answers a flood from one source only up to its rate limit', async () => {
    const before = await dropped('rate_limited');
    const started = Date.now();
    const replies = await sendAndCollect(l, Array.from({ length: 60 }, freshProbe), {
      bind: '127.0.0.3',
      timeoutMs: 1200,
    });
    const elapsedS = (Date.now() - started) / 1000;
    const answered = new Set(replies.map((r) => r.relatesTo)).size;
    // Burst 3, then 1 a second while the flood lasts.
    expect(answered).toBeGreaterThanOrEqual(3);
    expect(answered).toBeLessThanOrEqual(3 + Math.ceil(elapsedS));
    expect(replies).toHaveLength(answered * 2);
    expect(await dropped('rate_limited')).toBeGreaterThanOrEqual(before + 60 - answered);
    // Another source keeps its own budget.
    expect(await sendAndCollect(l, [freshProbe()], { bind: '127.0.0.4', timeoutMs: 1000 })).toHaveLength(2);
  });

  it('drops an oversized datagram unread', async () => {
    const before = await dropped('oversized');
    const huge = freshProbe().replace('<Scopes />', `<Scopes>${'onvif://x/y '.repeat(2000)}</Scopes>`);
    expect(await sendAndCollect(l, [huge], { bind: '127.0.0.5', timeoutMs: 800 })).toEqual([]);
    expect(await dropped('oversized')).toBe(before + 1);
  });
});
