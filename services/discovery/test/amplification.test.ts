import { fixtureBytes } from '../../../libs/ws-discovery/test/fixtures.js';
import { DiscoveryLab, sendAndCollect } from './discovery.lab.js';

/**
 * WS-Discovery as an amplifier (issue 9): one Probe matching many cameras must not send a source
 * (possibly a spoofed victim) more than its reply-bytes budget. A small budget and 12 cameras here
 * stand for the default budget and a site of thousands.
 */
const CAMERAS = 12;
const PER_S = 4096;
const BURST = 8192;
const DEFER_MS = 1000;
const lab = await DiscoveryLab.start('the discovery amplification test', {
  discoveryEnv: {
    DISCOVERY_REPLY_BYTES_PER_S: String(PER_S),
    DISCOVERY_REPLY_BYTES_BURST: String(BURST),
    DISCOVERY_REPLY_MAX_DEFER_MS: String(DEFER_MS),
    DISCOVERY_REPLY_MAX_DELAY_MS: '100',
  },
});
const suite = lab ? describe : describe.skip;

const onvifProbe = fixtureBytes('npm-onvif-0.8.3-probe.xml').toString();
let n = 0;
const freshProbe = () =>
  onvifProbe.replace(
    /urn:uuid:[0-9a-f-]+/,
    `urn:uuid:abcdef00-0000-4000-8001-${String(++n).padStart(12, '0')}`,
  );

suite('discovery reply-bytes budget', () => {
  const l = lab as DiscoveryLab;
  let stopHeartbeats = () => undefined as void;

  beforeAll(async () => {
    const ids: string[] = [];
    for (let i = 0; i < CAMERAS; i++) ids.push((await l.register(`amp-${i}`)).id);
    stopHeartbeats = l.keepAlive(() => ids, 1000);
    await l.waitMetric('desk_onvif_discovery_cameras_announced', {}, (v) => v === CAMERAS);
  });
  afterAll(async () => {
    stopHeartbeats();
    await l.stop();
  });

  it('a Probe matching every camera is answered only up to the budget of its source; another source has its own', async () => {
    const overBefore = await l.metric('desk_onvif_discovery_replies_over_budget_total');
    const request = freshProbe();
    const [victim, other] = await Promise.all([
      sendAndCollect(l, [request], { bind: '127.0.0.6', timeoutMs: DEFER_MS + 1500 }),
      sendAndCollect(l, [freshProbe()], { bind: '127.0.0.7', timeoutMs: DEFER_MS + 1500 }),
    ]);
    const bytes = (replies: typeof victim) => replies.reduce((s, r) => s + Buffer.byteLength(r.xml ?? ''), 0);
    const size = bytes(victim) / victim.length;
    // Unbounded, this is CAMERAS replies; bounded: the burst at once plus what the deferral allows.
    expect(size * CAMERAS).toBeGreaterThan(BURST + PER_S * (DEFER_MS / 1000));
    expect(bytes(victim)).toBeLessThanOrEqual(BURST + PER_S * (DEFER_MS / 1000));
    expect(victim.length).toBeGreaterThanOrEqual(Math.floor(BURST / size));
    expect(victim.length).toBeLessThan(CAMERAS);
    expect(new Set(victim.map((r) => r.urn)).size).toBe(victim.length);
    expect(other.length).toBe(victim.length);
    expect(await l.metric('desk_onvif_discovery_replies_over_budget_total')).toBe(
      overBefore + 2 * (CAMERAS - victim.length),
    );
    expect(await l.metric('desk_onvif_discovery_replies_paced_total')).toBeGreaterThan(0);
    expect(await l.metric('desk_onvif_discovery_reply_bytes_total')).toBe(bytes(victim) + bytes(other));
  });
});
