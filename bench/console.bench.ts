import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import {
  AnyCamera,
  Registry,
  call,
  cameraIdOfSubject,
  encodeJson,
  type CameraRecord,
} from '@desk-onvif/contracts';
import { CONSOLE_NODE_FLAGS } from '@desk-onvif/system';
import { FFMPEG, NatsServer, publishHeartbeat, startRegistry, waitFor } from '@desk-onvif/test-support';
import { chromiumAvailable, launchChromium, signInThroughPage } from '../services/console/test/chromium.js';
import { ConsoleProcess } from '../services/console/test/console.process.js';
import { median, round, updateResult } from './stats.js';

/**
 * make bench-console: 1,000 registered cameras whose agents are simulated over NATS (heartbeats
 * every second, snapshot replies with a real JPEG), the real registry and console, measured in
 * Chromium: the fleet usable after navigation, a camera going offline visible in the page (from the
 * registry's camera.offline event), the live view's first image, the console's RSS. Medians of runs.
 */
const N = 1000;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

test('console with 1,000 cameras', async () => {
  if (!chromiumAvailable('bench-console')) return;
  const nats = await NatsServer.start();
  const registry = await startRegistry(nats, {
    REGISTRY_PORT_RANGE: '30000-31999',
    REGISTRY_HEARTBEAT_TIMEOUT_MS: '2000',
    REGISTRY_LOG_LEVEL: 'warn',
  });
  const nc = await nats.connect();
  const jpeg = execFileSync(FFMPEG, [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=0x2850c8:s=320x180'],
    ...['-frames:v', '1', '-f', 'mjpeg', 'pipe:1'],
  ]).toString('base64');
  const cameras: CameraRecord[] = [];
  for (let i = 0; i < N; i += 50)
    cameras.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, N - i) }, (_, k) =>
          call(nc, Registry.register, {
            identity: {
              hostId: `bench-pc-${i + k}`,
              hostName: `PC-${String(i + k).padStart(4, '0')}`,
              mode: 'shared',
            },
          }).then((r) => r.camera),
        ),
      )),
    );
  // The simulated agents: heartbeats for all but the silenced, snapshots for everyone.
  const silenced = new Set<string>();
  const beat = setInterval(() => {
    const at = new Date().toISOString();
    for (const c of cameras) if (!silenced.has(c.id)) publishHeartbeat(nc, c.id, { at });
  }, 1000);
  nc.subscribe(AnyCamera.snapshot.subject, {
    callback: (_e, msg) => {
      if (cameraIdOfSubject(msg.subject))
        msg.respond(
          encodeJson({ ok: true, contentType: 'image/jpeg', jpegBase64: jpeg, at: new Date().toISOString() }),
        );
    },
  });
  const konsole = await ConsoleProcess.start(nats, { CONSOLE_LOG_LEVEL: 'warn' });
  const password = await konsole.createAdmin('bench');
  const chromium = await launchChromium();
  try {
    const page = await chromium.browser.newPage();
    await page.setViewport({ width: 1400, height: 900 });
    await signInThroughPage(page, konsole.url, 'bench', password);
    await waitFor(
      'every camera online',
      async () => {
        const r = await call(nc, Registry.list, { limit: 1000 });
        return r.cameras.filter((c) => c.online).length === N;
      },
      60_000,
      500,
    );

    const usable: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      await page.goto('about:blank');
      const t0 = performance.now();
      await page.goto(`${konsole.url}/`);
      await page.waitForFunction(
        `document.querySelector('[data-fleet-ready=true]') && document.querySelectorAll('[data-camera-id]').length > 0 && (document.querySelector('[data-counts]')?.textContent ?? '').startsWith('${N} cameras')`,
        { timeout: 30_000, polling: 'mutation' },
      );
      usable.push(performance.now() - t0);
    }

    const visible: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const victim = cameras[r * 97 + 5]!;
      await page.goto(`${konsole.url}/`);
      await page.waitForSelector('[data-fleet-ready=true]');
      await page.locator('input[type=search]').fill(victim.name);
      await page.waitForSelector(`[data-camera-id="${victim.id}"][data-state="online"]`);
      const offlineAt = new Promise<number>((resolve) => {
        const sub = nc.subscribe(Registry.event.subject, {
          callback: (_e, msg) => {
            const ev = JSON.parse(new TextDecoder().decode(msg.data)) as { type: string; id: string };
            if (ev.type === 'camera.offline' && ev.id === victim.id) {
              resolve(performance.now());
              sub.unsubscribe();
            }
          },
        });
      });
      silenced.add(victim.id);
      const shown = page
        .waitForSelector(`[data-camera-id="${victim.id}"][data-state="offline"]`, { timeout: 30_000 })
        .then(() => performance.now());
      const [t0, t1] = await Promise.all([offlineAt, shown]);
      visible.push(t1 - t0);
    }

    const firstImage: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const cam = cameras[r * 131 + 11]!;
      await page.goto(`${konsole.url}/`);
      await page.waitForSelector('[data-fleet-ready=true]');
      const t0 = performance.now();
      await page.goto(`${konsole.url}/#/camera/${cam.id}`);
      await page.waitForFunction(
        `(() => { const i = document.querySelector('img[data-live-view]'); return i && i.complete && i.naturalWidth > 0; })()`,
        { timeout: 30_000, polling: 50 },
      );
      firstImage.push(performance.now() - t0);
    }
    // What the RSS is made of (service-kit's /metrics: prom-client's process figures).
    const metrics = (await konsole.request('GET', '/metrics')).body;
    const metricMb = (name: string) =>
      round(Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN) / 1048576, 1);
    const rssKb = Number(
      /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${konsole.pid}/status`, 'utf8'))?.[1] ?? NaN,
    );
    // updateResult: bench-console-webrtc's keys (liveViewWebrtc…) in the same file stay.
    updateResult('console', {
      cameras: N,
      fleetUsableMs: round(median(usable), 0),
      stateChangeVisibleMs: round(median(visible), 0),
      liveViewFirstImageMs: round(median(firstImage), 0),
      consoleRssMb: round(rssKb / 1024, 1),
      consoleHeapUsedMb: metricMb('nodejs_heap_size_used_bytes'),
      consoleHeapTotalMb: metricMb('nodejs_heap_size_total_bytes'),
      consoleExternalMb: metricMb('nodejs_external_memory_bytes'),
      consoleNodeFlags: CONSOLE_NODE_FLAGS.join(' '),
      runs: RUNS,
      samples: {
        fleetUsableMs: usable.map((v) => round(v, 0)),
        stateChangeVisibleMs: visible.map((v) => round(v, 0)),
        liveViewFirstImageMs: firstImage.map((v) => round(v, 0)),
      },
      loadAverage1m: round(loadavg()[0] ?? 0, 1),
      notes:
        'stateChangeVisibleMs: from the registry camera.offline event to the row turning offline in Chromium; liveViewFirstImageMs: from navigation to the camera page to the first snapshot image decoded',
    });
  } finally {
    clearInterval(beat);
    await chromium.close();
    await konsole.stop();
    await nc.close();
    await registry.stop();
    await nats.dispose();
  }
}, 600_000);
