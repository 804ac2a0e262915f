import {
  type CapturePlatform,
  type CaptureSource,
  chooseGrabber,
  resolveEncoder,
  type WindowsGrabber,
} from '@desk-onvif/ffmpeg-args';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { AgentMetrics } from './agent.metrics.js';
import { listAudioDevices } from './audio.device.js';
import { deviceEventsCommand } from './audio.watch.js';
import { CaptureAgent } from './capture.agent.js';
import { AgentEnrolment } from './enrolment.client.js';
import type { AgentConfig } from './config.js';
import { ffmpegFeatures } from './ffmpeg.probe.js';
import { detectIdentity, identitySourceFor } from './identity.js';
import { LocalServer } from './local.server.js';
import { errorMessage, type Logger } from './logger.js';
import {
  ffmpegPath,
  windowsMonitors,
  workingHardwareEncoders,
  x11Monitors,
  x11WindowId,
  noMonitorsMessage,
} from './platform.probe.js';
import { PublishProxy } from './publish.proxy.js';
import { StateStore } from './state.store.js';
import { grabberName, sourceNeedsLookup } from './stream.job.js';

/** `run`: the agent until SIGINT/SIGTERM, then ffmpeg stopped, NATS drained, exit 0. */
export async function runAgent(config: AgentConfig, platform: CapturePlatform, version: string, log: Logger) {
  const store = new StateStore(config.stateDir);
  const ffmpeg = ffmpegPath(config.ffmpegPath);
  const { features, cached } = await ffmpegFeatures(ffmpeg, config.stateDir);
  // The grabber this ffmpeg has: ddagrab arrived in FFmpeg 6.0, gdigrab is in every Windows build.
  const choice = platform === 'win32' ? chooseGrabber(config.grabber, features) : undefined;
  if (choice?.fallback) log.warn(choice.fallback, { configured: config.grabber });
  const grabber: WindowsGrabber | undefined = choice?.grabber;
  const encoder =
    config.encoder === 'auto'
      ? resolveEncoder('auto', platform, await workingHardwareEncoders(ffmpeg, platform, features.encoders))
      : config.encoder;
  const source = await resolveSource(config.source, config, platform, grabber);
  const identity = await detectIdentity(identitySourceFor(platform), config.mode, {
    hostId: config.hostId,
    hostName: config.hostName,
  });
  const metrics = new AgentMetrics();
  // ffmpeg publishes through it: the camera's publish secret never reaches ffmpeg's command line.
  let agent: CaptureAgent | undefined = undefined;
  const proxy = await PublishProxy.start({
    upstream: (stream) => agent?.publishUpstream(stream),
    // The configured CA, else the site CA pinned at enrolment (the media server has the site's
    // certificate too): an enrolled agent needs no AGENT_MEDIA_CA for rtsps://.
    ca: mediaCaOf(
      config.mediaCa ? await readFile(config.mediaCa) : undefined,
      new AgentEnrolment(config.credentials, log),
    ),
    checkPeerUid: platform === 'linux',
    logger: log.child({ part: 'publish-proxy' }),
  });
  agent = new CaptureAgent({
    config,
    platform,
    identity,
    version,
    ffmpeg,
    ffmpegVersion: features.version,
    statsPeriod: features.statsPeriod,
    fpsMode: features.fpsMode,
    grabber,
    encoder,
    source,
    // A source an administrator sets (the camera's settings) is looked up the same way.
    resolveSource: (wanted) => resolveSource(wanted, config, platform, grabber),
    store,
    metrics,
    logger: log,
    listAudio: () => listAudioDevices(ffmpeg, platform),
    audioEvents: deviceEventsCommand(platform),
    publishProxy: proxy,
  });
  await agent.probeAudio();
  log.info('agent starting', {
    version,
    mode: config.mode,
    ffmpeg,
    ffmpegVersion: features.version,
    ffmpegProbe: cached ? 'cached' : 'asked',
    // Without -stats_period (ffmpeg < 4.4) progress comes every 0.5 s: stall detection is the same.
    statsPeriod: features.statsPeriod,
    fpsMode: features.fpsMode,
    grabber: grabberName(platform, source, grabber),
    encoder,
    source: source.kind,
    hostId: identity.hostId,
    audio: agent.status().audio,
  });
  // ffmpeg first (the first frame is what a user waits for), then the local endpoints.
  agent.start();
  const server = new LocalServer(metrics, () => agent.status());
  let metricsPort = 0;
  if (config.metricsPort > 0) {
    try {
      metricsPort = await server.listen(config.metricsPort);
    } catch (err) {
      // Two per-user agents on one PC cannot share the port: the second streams without metrics.
      log.warn('local /metrics not served', { port: config.metricsPort, err: errorMessage(err) });
    }
  }
  store.saveRuntime({ pid: process.pid, metricsPort, startedAt: new Date().toISOString() });
  if (metricsPort) log.info('local /metrics and /status', { url: `http://127.0.0.1:${metricsPort}` });

  await new Promise<void>((resolve) => {
    const signals: NodeJS.Signals[] =
      platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGBREAK'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.once(s, () => resolve());
  });
  log.info('stopping');
  await agent.stop();
  await proxy.close();
  await server.close();
  store.clearRuntime();
  log.info('stopped');
}

/** Looks up what ffmpeg needs but a source names by index or title (see `sourceNeedsLookup`). */
async function resolveSource(
  src: CaptureSource,
  config: AgentConfig,
  platform: CapturePlatform,
  grabber: WindowsGrabber | undefined,
): Promise<CaptureSource> {
  if (!sourceNeedsLookup(src, platform, grabber)) return src;
  if (src.kind === 'monitor') {
    const monitors = platform === 'win32' ? await windowsMonitors() : await x11Monitors(config.display);
    const m = monitors.find((x) => x.index === src.index);
    if (!m)
      throw new Error(
        monitors.length
          ? `monitor ${src.index} not found (monitors: ${monitors.map((x) => x.index).join(', ')})`
          : `monitor ${src.index}: ${noMonitorsMessage(platform)}`,
      );
    return { ...src, bounds: m.bounds };
  }
  if (src.kind === 'window') return { ...src, windowId: await x11WindowId(config.display, src.title) };
  return src;
}

function mediaCaOf(configured: Buffer | undefined, enrolment: AgentEnrolment): () => Buffer | undefined {
  return () => {
    if (configured) return configured;
    const enrolled = enrolment.current();
    return enrolled ? readFileSync(enrolled.caFile) : undefined;
  };
}
