/**
 * `make bench-discovery`: 1,000 cameras in a real port registry, announced by the discovery
 * service in a network namespace; one Probe (the npm onvif library's) at a time, five times.
 * Writes bench/results/discovery.json with the medians: matches received, when the last one
 * arrived after the Probe was sent, and the CPU the service spent answering.
 */
import { fixtureBytes } from '../libs/ws-discovery/test/fixtures.js';
import { DiscoveryLab, sendAndCollect } from '../services/discovery/test/discovery.lab.js';
import { median, writeResult } from './stats.js';

const CAMERAS = 1000;
const RUNS = 5;

it(`answers one Probe for ${CAMERAS} cameras`, async () => {
  const lab = await DiscoveryLab.start('bench-discovery', {
    portRange: '20000-21999',
    // Five Probes of 1,000 matches from one source in a few seconds: over the default reply-bytes
    // budget (the amplification bound, tested in amplification.test.ts). This measures the cost of
    // answering, so the budget is lifted.
    discoveryEnv: {
      DISCOVERY_RATE_LIMIT_BURST: '1000',
      DISCOVERY_REPLY_BYTES_BURST: '100000000',
      DISCOVERY_REPLY_BYTES_PER_S: '100000000',
    },
  });
  if (!lab) throw new Error('bench-discovery needs a network namespace (run as root)');
  try {
    const ids: string[] = [];
    for (let i = 0; i < CAMERAS; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, CAMERAS - i) }, (_, j) => lab.register(`bench-pc-${i + j}`)),
      );
      batch.forEach((c) => ids.push(c.id));
    }
    ids.forEach((id) => lab.heartbeat(id));
    await lab.waitMetric('desk_onvif_discovery_cameras_announced', {}, (v) => v === CAMERAS, 180_000);
    await lab.waitMetric(
      'desk_onvif_discovery_announcements_total',
      { type: 'hello' },
      (v) => v >= CAMERAS,
      60_000,
    );

    const runs: Array<{ matchesReceived: number; lastMatchMs: number; cpuMs: number }> = [];
    const probe = fixtureBytes('npm-onvif-0.8.3-probe.xml').toString();
    for (let run = 0; run < RUNS; run++) {
      const id = `urn:uuid:be4c0000-0000-4000-8000-${String(run).padStart(12, '0')}`;
      const cpuBefore = await lab.metric('process_cpu_seconds_total');
      const replies = await sendAndCollect(lab, [probe.replace(/urn:uuid:[0-9a-f-]+/, id)], {
        timeoutMs: 1500,
      });
      await lab.waitMetric('desk_onvif_discovery_pending_replies', {}, (v) => v === 0);
      const cpuMs = ((await lab.metric('process_cpu_seconds_total')) - cpuBefore) * 1000;
      const matches = replies.filter((r) => r.relatesTo === id && r.urn);
      runs.push({
        matchesReceived: new Set(matches.map((m) => m.urn)).size,
        lastMatchMs: Math.max(...matches.map((m) => m.at ?? 0)),
        cpuMs: Math.round(cpuMs),
      });
    }
    const result = {
      cameras: CAMERAS,
      matchesReceived: median(runs.map((r) => r.matchesReceived)),
      lastMatchMs: median(runs.map((r) => r.lastMatchMs)),
      cpuMs: median(runs.map((r) => r.cpuMs)),
      runs,
      note: 'medians of one Probe at a time; replies wait a random 0-500 ms (APP_MAX_DELAY); cpuMs is the discovery process, scrape included',
    };
    writeResult('discovery', result);
    expect(result.matchesReceived).toBe(CAMERAS);
  } finally {
    await lab.stop();
  }
}, 600_000);
