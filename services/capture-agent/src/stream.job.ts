import {
  DEFAULT_AUDIO_SETTINGS,
  type AudioSettings,
  type CameraRecord,
  type CaptureSourceSetting,
  type EncoderSettings,
} from '@desk-onvif/contracts';
import {
  type CaptureJob,
  type CapturePlatform,
  type CaptureSource,
  type Encoder,
  type RtspTarget,
  windowsGrabber,
  type WindowsGrabber,
} from '@desk-onvif/ffmpeg-args';
import type { AgentConfig } from './config.js';

export const SNAPSHOT_FD = 3;
export const PROGRESS_FD = 4;
export const SUB_SNAPSHOT_FD = 5;
export const ACTIVITY_FD = 6;

/** The small copy the activity detector reads (made from the sub): 64x36 keeps a typed word visible, at 10 frames a second. */
export const ACTIVITY_FRAME = { width: 64, height: 36, fps: 10 } as const;
/** rgb24: a change of colour at equal brightness moves the copy too (a grey one would not). */
export const ACTIVITY_CHANNELS = 3;

type SettingsConfig = Pick<
  AgentConfig,
  'fps' | 'mainSize' | 'subSize' | 'mainBitrateKbps' | 'subBitrateKbps' | 'gop'
> &
  Partial<Pick<AgentConfig, 'audioCodec' | 'audioOnSub'>>;

/** The audio settings of the local config: AAC-LC 48 kHz, or G.711 μ-law (8 kHz, 64 kbit/s). */
export function configuredAudio(config: Pick<SettingsConfig, 'audioCodec' | 'audioOnSub'>): AudioSettings {
  const sub = config.audioOnSub ?? false;
  return config.audioCodec === 'pcmu'
    ? { codec: 'pcmu', bitrateKbps: 64, sampleRate: 8000, main: true, sub }
    : { ...DEFAULT_AUDIO_SETTINGS, sub };
}

/**
 * The encoding the agent streams with: settings received from ONVIF (kept in the state file) win;
 * otherwise the camera record's, with whatever the local config sets explicitly on top. Audio is
 * there only when the camera can capture it (`withAudio`): then the ONVIF or record settings, or
 * the local config's.
 */
export function effectiveSettings(
  record: EncoderSettings,
  config: SettingsConfig,
  fromOnvif: EncoderSettings | undefined,
  withAudio = false,
): EncoderSettings {
  const audio = withAudio ? (fromOnvif?.audio ?? record.audio ?? configuredAudio(config)) : undefined;
  if (fromOnvif) {
    const { audio: _ignored, ...video } = fromOnvif;
    return audio ? { ...video, audio } : video;
  }
  const stream = (base: EncoderSettings['main'], size: typeof config.mainSize, kbps: number | undefined) => ({
    width: size?.width ?? base.width,
    height: size?.height ?? base.height,
    fps: config.fps ?? base.fps,
    bitrateKbps: kbps ?? base.bitrateKbps,
    gop: config.gop ?? base.gop,
  });
  return {
    main: stream(record.main, config.mainSize, config.mainBitrateKbps),
    sub: stream(record.sub, config.subSize, config.subBitrateKbps),
    ...(record.imaging ? { imaging: record.imaging } : {}),
    ...(record.osd?.length ? { osd: record.osd } : {}),
    ...(audio ? { audio } : {}),
    ...(record.source ? { source: record.source } : {}),
  };
}

/** A camera's capture source setting as the argument builders take it. */
export function captureSourceOf(setting: CaptureSourceSetting): CaptureSource {
  switch (setting.kind) {
    case 'desktop':
      return { kind: 'desktop' };
    case 'monitor':
      return { kind: 'monitor', index: setting.index };
    case 'region':
      return {
        kind: 'region',
        rect: { x: setting.x, y: setting.y, width: setting.width, height: setting.height },
      };
    case 'window':
      return { kind: 'window', title: setting.title };
  }
}

/**
 * Whether ffmpeg needs more than the source names: a monitor's bounds (x11grab, gdigrab), a
 * window's id (x11grab). The desktop, a region, a monitor on ddagrab and a window on gdigrab do not.
 */
export function sourceNeedsLookup(
  source: CaptureSource,
  platform: CapturePlatform,
  grabber: WindowsGrabber | undefined,
): boolean {
  if (source.kind === 'monitor') return !(platform === 'win32' && grabber === 'ddagrab') && !source.bounds;
  if (source.kind === 'window') return platform === 'linux' && source.windowId === undefined;
  return false;
}

/** `rtsp(s)://host:port` → host and port (MediaMTX's, 8554 or 8322 for RTSPS, when absent). */
export function mediaEndpoint(url: string): { host: string; port: number } {
  const u = new URL(url.trim());
  const port = u.port ? Number(u.port) : u.protocol === 'rtsps:' ? 8322 : 8554;
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port };
}

export interface JobInputs {
  config: AgentConfig;
  platform: CapturePlatform;
  camera: CameraRecord;
  settings: EncoderSettings;
  encoder: Encoder;
  /** The configured source with what the platform had to look up (monitor bounds, window id). */
  source: CaptureSource;
  /** Windows: the grabber this ffmpeg has (the configured one, or gdigrab when it lacks ddagrab). */
  grabber: WindowsGrabber | undefined;
  /** Whether this ffmpeg takes `-stats_period` (4.4 and later). */
  statsPeriod: boolean;
  /** Whether this ffmpeg takes `-fps_mode` (5.1 and later); else `-vsync`. */
  fpsMode: boolean;
  /** The audio devices present now; none: no audio in this ffmpeg, whatever the settings say. */
  audioDevices?: { device: string; microphone?: string };
  /**
   * The agent's loopback publish proxy (publish.proxy.ts): ffmpeg publishes there, without
   * credentials; the proxy adds them. Absent: straight to the media server, credentials in the URL.
   */
  publishProxy?: { port: number; localPath(stream: 'main' | 'sub'): string };
}

export function captureJob(inputs: JobInputs): CaptureJob {
  const { config, platform, camera, settings, encoder, source, audioDevices } = inputs;
  const a = settings.audio;
  const proxy = inputs.publishProxy;
  const target = (url: string, path: string, stream: 'main' | 'sub'): RtspTarget =>
    proxy
      ? { host: '127.0.0.1', port: proxy.port, path: proxy.localPath(stream), user: '', password: '' }
      : { ...mediaEndpoint(url), path, user: camera.publish.user, password: camera.publish.password };
  return {
    platform,
    ...(platform === 'win32' ? { grabber: inputs.grabber ?? config.grabber } : { display: config.display }),
    source,
    encoder,
    drawMouse: config.drawMouse,
    main: settings.main,
    sub: settings.sub,
    ...(settings.imaging ? { picture: settings.imaging } : {}),
    ...(settings.osd?.length ? { osd: settings.osd.map(({ token: _token, ...overlay }) => overlay) } : {}),
    publish: {
      main: target(config.mediaUrl, camera.paths.main, 'main'),
      sub: target(config.subMediaUrl ?? config.mediaUrl, camera.paths.sub, 'sub'),
    },
    snapshot: {
      everySeconds: config.snapshotEverySeconds,
      fd: SNAPSHOT_FD,
      quality: 5,
      subFd: SUB_SNAPSHOT_FD,
    },
    ...(config.activityDetection ? { activity: { fd: ACTIVITY_FD, ...ACTIVITY_FRAME } } : {}),
    // Without -stats_period ffmpeg reports every 0.5 s: the supervisor's stall detection is the same.
    progress: inputs.statsPeriod ? { fd: PROGRESS_FD, periodSeconds: 1 } : { fd: PROGRESS_FD },
    videoSync: inputs.fpsMode ? 'fps_mode' : 'vsync',
    ...(a && (a.main || a.sub) && audioDevices ? { audio: { ...a, ...audioDevices } } : {}),
  };
}

/** What captures: x11grab, gdigrab or ddagrab, or lavfi's test pattern (for the log and `status`). */
export function grabberName(
  platform: CapturePlatform,
  source: CaptureSource,
  grabber: WindowsGrabber | undefined,
): string {
  if (source.kind === 'test-pattern') return 'lavfi testsrc2';
  return platform === 'linux' ? 'x11grab' : windowsGrabber({ source, grabber });
}
