import { loadavg } from 'node:os';
import { waitFor } from '@desk-onvif/test-support';
import {
  chromiumAvailable,
  launchChromium,
  signInThroughPage,
  videoColour,
} from '../services/console/test/chromium.js';
import { WhepRig } from '../services/console/test/whep.rig.js';
import { median, round, updateResult } from './stats.js';

/**
 * make bench-console-webrtc: the camera page's live view by WebRTC, measured in Chromium — from
 * navigation to the camera page to the first decoded frame of its <video> (drawn to a canvas):
 * the grant from the console, the browser's offer and ICE gathering, the WHEP round trip (the hook
 * asked), ICE/DTLS, and H.264 up to a keyframe (one a second). Against test/support's WHEP double
 * (werift), not MediaMTX: no MediaMTX runs on these machines. Written into bench/results/console.json
 * as its own keys (`liveViewWebrtcFirstFrameMs`), beside bench-console's snapshot figure
 * `liveViewFirstImageMs`, which it leaves as it is.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

test('the live view by WebRTC: first decoded frame', async () => {
  if (!chromiumAvailable('bench-console-webrtc')) return;
  const load = [round(loadavg()[0] ?? 0, 1)];
  const rig = await WhepRig.start();
  const chromium = await launchChromium();
  try {
    const password = await rig.konsole.createAdmin('bench');
    const page = await chromium.browser.newPage();
    await signInThroughPage(page, rig.konsole.url, 'bench', password);
    const firstFrame: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      await page.goto(`${rig.konsole.url}/`);
      await page.waitForSelector('[data-fleet-ready=true]');
      await waitFor('no WHEP session left', () => Promise.resolve(rig.whep.sessionCount === 0), 10_000);
      const t0 = performance.now();
      await page.goto(`${rig.konsole.url}/#/camera/${rig.camera.id}`);
      await waitFor(
        'the first decoded frame',
        async () => (await videoColour(page, 'video[data-live-view-webrtc]')) !== undefined,
        30_000,
        20,
      );
      firstFrame.push(performance.now() - t0);
    }
    load.push(round(loadavg()[0] ?? 0, 1));
    updateResult('console', {
      liveViewWebrtcFirstFrameMs: round(median(firstFrame), 0),
      liveViewWebrtc: {
        runs: RUNS,
        samples: firstFrame.map((v) => round(v, 0)),
        loadAverage1m: { start: load[0], end: load[1] },
        notes:
          'from navigation to the camera page to the first decoded frame of the WebRTC <video>, against the WHEP double (werift sending ffmpeg H.264, a keyframe a second; the real hook and console), not MediaMTX',
      },
    });
  } finally {
    await chromium.close();
    await rig.stop();
  }
}, 600_000);
