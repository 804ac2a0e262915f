import { parseDatagram } from '@desk-onvif/ws-discovery';
import { waitFor } from '@desk-onvif/test-support';
import { DATAGRAM_CASES, fixtureBytes } from '../../../libs/ws-discovery/test/fixtures.js';
import { fuzzDatagrams } from '../../../libs/ws-discovery/test/fuzz.corpus.js';
import { DiscoveryLab, sendAndCollect } from './discovery.lab.js';

/**
 * 100,000 random and mutated datagrams, seeded from the codec's table of real messages, into the
 * running service: it must not crash, not reply, and not grow. Rate limits are lifted so that
 * every datagram reaches the parser, and cameras are announced so that a reply was possible.
 */
const lab = await DiscoveryLab.start('the discovery fuzz test', {
  discoveryEnv: {
    DISCOVERY_RATE_LIMIT_PER_S: '1000000',
    DISCOVERY_RATE_LIMIT_BURST: '1000000',
    DISCOVERY_REPLY_MAX_DELAY_MS: '0',
    // Room for a whole batch, so that pacing by batches loses nothing.
    DISCOVERY_RECV_BUFFER_BYTES: '4194304',
    // A small old space: what a datagram leaves behind (over ~1 KB each) ends the process here,
    // and full collections come often enough for the heap troughs below to mean something.
    NODE_OPTIONS: '--max-old-space-size=128',
  },
});
const suite = lab ? describe : describe.skip;

const TOTAL = 100_000;
const BATCH = 1000;
const frame = (d: Uint8Array) => {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(d.byteLength);
  return Buffer.concat([head, d]);
};

suite('discovery under fuzzing', () => {
  const l = lab as DiscoveryLab;
  const metric = (name: string, labels: Record<string, string> = {}) => l.metric(name, labels);

  beforeAll(async () => {
    const cameras = [await l.register('fuzz-a'), await l.register('fuzz-b')];
    cameras.forEach((c) => l.heartbeat(c.id));
    await l.waitMetric('desk_onvif_discovery_cameras_announced', {}, (v) => v === 2);
  });
  afterAll(() => l.stop());

  it('survives 100,000 random and mutated datagrams: no crash, no reply, memory flat', async () => {
    const started = Date.now();
    // A real Probe from the same kind of sender is answered: the silence below means something.
    expect(await sendAndCollect(l, [fixtureBytes('npm-onvif-0.8.3-probe.xml')])).toHaveLength(2);

    const seeds = DATAGRAM_CASES.map((c) => fixtureBytes(c.file));
    // Mutations that are still a valid Probe or Resolve would rightly be answered: left out.
    const invalid = (function* () {
      for (const d of fuzzDatagrams(seeds, Number.MAX_SAFE_INTEGER, 20251121)) {
        const parsed = parseDatagram(d);
        if (
          d.byteLength <= 60_000 &&
          !(parsed.ok && (parsed.message.kind === 'probe' || parsed.message.kind === 'resolve'))
        )
          yield d;
      }
    })();

    const sender = l.spawnClient(['fuzz', '127.0.0.1', '300'], 'pipe');
    const stdin = sender.child.stdin as NodeJS.WritableStream;
    const lines = () =>
      sender
        .output()
        .split('\n')
        .filter((s) => s.startsWith('{'));
    const received = () => metric('desk_onvif_discovery_datagrams_received_total');
    const base = await received();
    // Heap used includes garbage not yet collected, so one reading says little; the lowest of many
    // readings (the troughs right after collections) follows the live heap. Early troughs (after
    // warm-up) against late ones: what grows per datagram shows as tens of MB.
    const heapEarly: number[] = [];
    const heapLate: number[] = [];
    let rssWarm = 0;
    let sent = 0;
    // Batches, each acknowledged by the sender and then absorbed by the service, so that the
    // socket's receive buffer never overflows; until the service has read TOTAL datagrams.
    while ((await received()) - base < TOTAL) {
      const chunk: Buffer[] = [];
      for (let i = 0; i < BATCH; i++) chunk.push(frame(invalid.next().value as Uint8Array));
      chunk.push(frame(new Uint8Array()));
      const acks = lines().length;
      if (!stdin.write(Buffer.concat(chunk))) await new Promise((r) => stdin.once('drain', r));
      await waitFor('fuzz sender checkpoint', () => Promise.resolve(lines().length > acks), 30_000);
      sent += BATCH;
      // Read all of it, or (should the kernel have dropped some) stopped moving for a while.
      let last = -1;
      let still = 0;
      await waitFor(
        'the service to read the batch',
        async () => {
          const now = await received();
          still = now === last ? still + 1 : 0;
          last = now;
          return now - base >= sent || still >= 5;
        },
        30_000,
        20,
      );
      const heap = await metric('nodejs_heap_size_used_bytes');
      if (sent >= 10_000 && sent < 40_000) heapEarly.push(heap);
      if (sent >= 70_000) heapLate.push(heap);
      if (rssWarm === 0 && sent >= 10_000) rssWarm = await metric('process_resident_memory_bytes');
    }
    stdin.end();
    await sender.exited;
    const final = JSON.parse(lines().at(-1) as string) as { sent: number; replies: number; done?: boolean };

    expect(final).toMatchObject({ done: true, replies: 0 });
    expect((await received()) - base).toBeGreaterThanOrEqual(TOTAL);
    expect(await metric('desk_onvif_discovery_matches_sent_total')).toBe(2);
    expect((await fetch(`${l.discovery.baseUrl}/healthz`)).status).toBe(200);
    // Flat: what grows per datagram would show here as tens of MB.
    const heapGrowth = Math.min(...heapLate) - Math.min(...heapEarly);
    const rssGrowth = (await metric('process_resident_memory_bytes')) - rssWarm;
    console.log(
      `fuzz: ${final.sent} sent in ${Date.now() - started} ms, heap growth ${(heapGrowth / 1e6).toFixed(1)} MB, rss growth ${(rssGrowth / 1e6).toFixed(1)} MB`,
    );
    // 60,000 datagrams lie between the two windows: 32 MB is about half a KB each.
    expect(heapGrowth).toBeLessThan(32e6);
    expect(rssGrowth).toBeLessThan(64e6);
    expect(await metric('desk_onvif_discovery_pending_replies')).toBe(0);
    expect(await metric('desk_onvif_discovery_tracked_sources')).toBeLessThanOrEqual(4);
    expect(
      await metric('desk_onvif_discovery_probes_dropped_total', { reason: 'malformed' }),
    ).toBeGreaterThan(TOTAL / 2);
  }, 300_000);
});
