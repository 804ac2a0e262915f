import { existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  type CameraEvent,
  type CameraRecord,
  cameraSubjects,
  type CaptureSourceSetting,
  type EncoderSettings,
  encodeEvent,
  type Identity,
  identityKey,
  InvalidRequestError,
} from '@desk-onvif/contracts';
import {
  buildCaptureArgs,
  type CapturePlatform,
  type CaptureSource,
  redactArgs,
  type Encoder,
  type WindowsGrabber,
  OSD_FONT,
} from '@desk-onvif/ffmpeg-args';
import type { AgentMetrics } from './agent.metrics.js';
import type { AudioDevice } from './audio.device.js';
import { AudioPresence } from './audio.presence.js';
import { CameraResponder } from './camera.responder.js';
import type { AgentConfig } from './config.js';
import { FfmpegSupervisor } from './ffmpeg.supervisor.js';
import { errorMessage, type Logger, withContext } from './logger.js';
import { NatsSession } from './nats.session.js';
import type { PublishUpstream } from './publish.proxy.js';
import type { AgentState, StateStore } from './state.store.js';
import { ActivityDetector } from './activity.detector.js';
import { SessionMonitor, sessionMonitorCommand } from './session.monitor.js';
import {
  ACTIVITY_FD,
  ACTIVITY_CHANNELS,
  ACTIVITY_FRAME,
  captureJob,
  captureSourceOf,
  effectiveSettings,
  grabberName,
  PROGRESS_FD,
  SNAPSHOT_FD,
  SUB_SNAPSHOT_FD,
  sourceNeedsLookup,
} from './stream.job.js';

export interface AgentDeps {
  config: AgentConfig;
  platform: CapturePlatform;
  identity: Identity;
  version: string;
  ffmpeg: string;
  /** As the binary says (`-version`), and whether it takes -stats_period. */
  ffmpegVersion: string;
  statsPeriod: boolean;
  /** Whether it takes -fps_mode (5.1 and later); else -vsync. */
  fpsMode: boolean;
  /** Windows: the grabber in use (the configured one, or gdigrab when this ffmpeg lacks ddagrab). */
  grabber: WindowsGrabber | undefined;
  encoder: Encoder;
  /** The configured source, resolved for this platform (monitor bounds, window id). */
  source: CaptureSource;
  /** Looks up what a source set in the camera's settings needs on this platform (run.command.ts). */
  resolveSource: (source: CaptureSource) => Promise<CaptureSource>;
  store: StateStore;
  metrics: AgentMetrics;
  logger: Logger;
  /** The audio devices ffmpeg can open now (listAudioDevices), asked at start and when AudioDeviceWatch says. */
  listAudio: () => Promise<AudioDevice[]>;
  /** The sound server's event stream (deviceEventsCommand): undefined, the timer alone. */
  audioEvents?: { command: string; args: string[] };
  /** Where ffmpeg publishes (run.command.ts starts it): credentials stay off its command line. */
  publishProxy?: { port: number; localPath(stream: 'main' | 'sub'): string };
}

/**
 * One camera: streams with the cached assignment at once if there is one, registers over NATS in
 * the background, restarts ffmpeg when the assignment or the settings change, answers the camera's
 * requests and sends heartbeats (DESIGN.md, "The capture agent").
 */
export class CaptureAgent {
  private state: AgentState | undefined;
  private readonly key: string;
  private readonly supervisor: FfmpegSupervisor;
  private readonly responder: CameraResponder;
  private readonly session: NatsSession;
  private heartbeat: NodeJS.Timeout | undefined;
  private latest: { jpeg: Buffer; at: Date } | undefined;
  private latestSub: { jpeg: Buffer; at: Date } | undefined;
  private readonly activity: ActivityDetector;
  private activityTimer: NodeJS.Timeout | undefined;
  private sessionMonitor: SessionMonitor | undefined;
  private rates = { fps: 0, bitrateKbps: 0 };
  private restarts = 0;
  private readonly startedAt = Date.now();
  private registered = false;
  private connected = false;
  private wasStreaming = false;
  private readonly log: Logger;
  private readonly audio: AudioPresence;
  /**
   * What ffmpeg captures: the camera settings' source (set by an administrator), else the configured
   * one, resolved for this platform; `key` names the setting it was resolved from.
   */
  private source: { key: string; resolved: CaptureSource };
  private resolvingSource = false;

  constructor(private readonly d: AgentDeps) {
    this.source = { key: sourceKey(undefined), resolved: d.source };
    this.key = identityKey(d.identity);
    // STYLE.md 7: every line says which camera it is about.
    const log = withContext(d.logger, () => (this.state ? { cameraId: this.state.camera.id } : {}));
    this.log = log;
    // 16x9 cells of 4x4 pixels; a quarter of a cell's pixels must move for it to count.
    this.activity = new ActivityDetector({
      ...ACTIVITY_FRAME,
      channels: ACTIVITY_CHANNELS,
      cellsX: 16,
      cellsY: 9,
      pixelThreshold: d.config.activityThreshold,
      cellShare: 0.25,
      minCells: 1,
      holdMs: d.config.activityHoldMs,
    });
    this.supervisor = new FfmpegSupervisor(
      {
        command: d.ffmpeg,
        args: () => this.args(),
        snapshotFd: SNAPSHOT_FD,
        progressFd: PROGRESS_FD,
        subSnapshotFd: SUB_SNAPSHOT_FD,
        ...(d.config.activityDetection ? { activityFd: ACTIVITY_FD } : {}),
        stallTimeoutMs: d.config.stallTimeoutMs,
        backoff: { initialMs: d.config.backoffInitialMs, maxMs: d.config.backoffMaxMs, resetAfterMs: 60_000 },
        stopGraceMs: 3000,
        stderr: { lines: 20, perMs: 10_000 },
        logger: log.child({ part: 'ffmpeg' }),
        redact: (line) => redactArgs(line.split(' ')).join(' '),
      },
      {
        state: (s) => {
          d.metrics.setState(s);
          this.captureEvent(s);
        },
        restart: (reason) => {
          this.restarts += 1;
          d.metrics.restart(reason);
        },
        snapshot: (jpeg) => (this.latest = { jpeg, at: new Date() }),
        subSnapshot: (jpeg) => (this.latestSub = { jpeg, at: new Date() }),
        activity: (chunk) => {
          for (const t of this.activity.push(chunk, Date.now())) this.activityEvent(t === 'started');
        },
        // A new ffmpeg: its first small frame has nothing to be compared with.
        spawned: () => {
          if (this.activity.reset()) this.activityEvent(false);
        },
        // ffmpeg says little once streaming: a line while it has audio may be its input failing.
        stderr: () => this.audio.ffmpegSaidSomething(),
        progress: (p) => {
          const target = this.settings ? this.settings.main.bitrateKbps + this.settings.sub.bitrateKbps : 0;
          // ffmpeg cannot count bytes sent over RTSP (bitrate=N/A): report the CBR target then.
          this.rates = { fps: p.fps, bitrateKbps: p.bitrateKbps || target };
          d.metrics.setRates(this.rates.fps, this.rates.bitrateKbps);
        },
      },
    );
    this.audio = new AudioPresence(
      { ...d, logger: log.child({ part: 'audio' }) },
      {
        audioSettings: () => this.settings?.audio,
        becameCapable: () => {
          const id = this.state?.camera.id;
          const streamed = this.settings;
          if (id && streamed && this.registered) void this.session.reportSettings(id, streamed);
        },
        restart: () => {
          if (this.state) void this.supervisor.restart('audio');
        },
      },
    );
    this.responder = new CameraResponder(
      {
        settings: (s) => this.applySettings(s),
        // The sub profile's snapshot at the sub size; the main one until the first sub JPEG.
        snapshot: (stream) => (stream === 'sub' ? (this.latestSub ?? this.latest) : this.latest),
      },
      log.child({ part: 'rpc' }),
    );
    this.session = new NatsSession(
      d.config,
      { identity: d.identity, agent: { version: d.version, platform: d.platform } },
      {
        connected: (nc) => this.onConnected(nc),
        disconnected: () => {
          this.connected = false;
          d.metrics.setConnected(false);
        },
        registered: (camera) => this.adopt(camera, true),
      },
      log.child({ part: 'nats' }),
    );
  }

  /** For the publish proxy: where `stream` goes now, with the camera's publish credentials. */
  publishUpstream(stream: 'main' | 'sub'): PublishUpstream | undefined {
    const camera = this.state?.camera;
    if (!camera) return undefined;
    const { mediaUrl, subMediaUrl } = this.d.config;
    return {
      mediaUrl: stream === 'main' ? mediaUrl : (subMediaUrl ?? mediaUrl),
      path: camera.paths[stream],
      user: camera.publish.user,
      password: camera.publish.password,
    };
  }

  /** Which audio devices are there, before the first ffmpeg: its command line depends on them. */
  async probeAudio(): Promise<void> {
    await this.audio.probe();
  }

  start(): void {
    const { state, problem } = this.d.store.load();
    if (problem) this.log.warn('ignoring a damaged state file', { problem });
    if (state && state.identityKey === this.key) {
      this.log.info('streaming with the cached assignment', { cameraId: state.camera.id });
      this.state = state;
      this.supervisor.start();
    }
    this.session.start();
    this.heartbeat = setInterval(() => this.sendHeartbeat(), this.d.config.heartbeatMs);
    this.startSessionMonitor();
    this.audio.start();
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    this.audio.stop();
    clearTimeout(this.activityTimer);
    this.sessionMonitor?.stop();
    await this.supervisor.stop();
    this.sendHeartbeat();
    this.responder.close();
    await this.session.close();
  }

  /** What `status` shows, served on the local /status. */
  status() {
    const c = this.state?.camera;
    return {
      state: this.supervisor.state,
      registered: this.registered,
      natsConnected: this.connected,
      enrolment: this.session.enrolmentStatus,
      cameraId: c?.id,
      name: c?.name,
      onvifPort: c?.onvifPort,
      paths: c?.paths,
      ffmpeg: { path: this.d.ffmpeg, version: this.d.ffmpegVersion },
      grabber: grabberName(this.d.platform, this.source.resolved, this.d.grabber),
      encoder: this.d.encoder,
      source: this.source.resolved,
      settings: this.settings,
      audio: this.audio.state,
      fps: this.rates.fps,
      bitrateKbps: this.rates.bitrateKbps,
      restarts: this.restarts,
      ffmpegPid: this.supervisor.pid,
      uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
    };
  }

  private get settings(): EncoderSettings | undefined {
    const s = this.state;
    return s
      ? effectiveSettings(s.camera.settings, this.d.config, s.settings, this.audio.capable)
      : undefined;
  }

  private args(): string[] {
    const s = this.state;
    const settings = this.settings;
    if (!s || !settings) throw new Error('no assignment yet');
    this.followSource(settings.source);
    const job = captureJob({
      ...this.d,
      source: this.source.resolved,
      camera: s.camera,
      settings,
      audioDevices: this.audio.input,
    });
    const args = buildCaptureArgs(job);
    this.log.debug('ffmpeg command line', { args: redactArgs(args) });
    return args;
  }

  private onConnected(nc: NatsConnection): void {
    this.connected = true;
    this.d.metrics.setConnected(true);
    if (this.state) this.responder.listen(nc, this.state.camera.id);
  }

  /** A new or refreshed assignment: saved, and ffmpeg restarted if what it streams changed. */
  private adopt(camera: CameraRecord, fresh: boolean): void {
    const before = this.state;
    const sameCamera = before?.camera.id === camera.id;
    const next: AgentState = {
      version: 1,
      identityKey: this.key,
      camera,
      ...(sameCamera && before.settings ? { settings: before.settings } : {}),
      ...(sameCamera && before.onvif ? { onvif: before.onvif } : {}),
    };
    const argsBefore = before ? this.safeArgs() : undefined;
    this.state = next;
    this.d.store.save(next);
    this.registered = fresh;
    this.d.metrics.setRegistered(fresh);
    const nc = this.session.connection;
    if (nc && !sameCamera) this.responder.listen(nc, camera.id);
    if (!before) this.supervisor.start();
    else if (JSON.stringify(argsBefore) !== JSON.stringify(this.safeArgs()))
      void this.supervisor.restart('assignment');
    // The record must describe what is streamed: GetProfiles is built from it.
    const streamed = this.settings;
    if (fresh && streamed && !isDeepStrictEqual(streamed, camera.settings))
      void this.session.reportSettings(camera.id, streamed);
    if (!next.onvif)
      void this.session.bootstrapOnvif(camera.id, (creds) => {
        if (this.state?.camera.id !== camera.id) return;
        this.state = { ...this.state, onvif: { ...creds, at: new Date().toISOString() } };
        this.d.store.save(this.state);
      });
  }

  private safeArgs(): string[] | undefined {
    try {
      return this.args();
    } catch {
      return undefined;
    }
  }

  /**
   * The settings' source when it is not the one resolved: at once when it needs no lookup (the
   * desktop, a region); otherwise ffmpeg goes on with the current one until the lookup (a monitor's
   * bounds, a window's id) is done, then restarts. One that cannot be found leaves the configured
   * source, said in the log (camera.<id>.settings refuses it before it is kept).
   */
  private followSource(wanted: CaptureSourceSetting | undefined): void {
    const key = sourceKey(wanted);
    if (key === this.source.key) return;
    const source = wanted ? captureSourceOf(wanted) : this.d.source;
    if (!sourceNeedsLookup(source, this.d.platform, this.d.grabber)) {
      this.source = { key, resolved: source };
      return;
    }
    if (this.resolvingSource) return;
    this.resolvingSource = true;
    this.d
      .resolveSource(source)
      .then(
        (resolved) => (this.source = { key, resolved }),
        (err: unknown) => {
          this.log.warn('capture source not found: capturing the configured source', {
            source: wanted,
            err: errorMessage(err),
          });
          this.source = { key, resolved: this.d.source };
        },
      )
      .finally(() => {
        this.resolvingSource = false;
        this.log.info('capture source looked up, restarting ffmpeg', { source: this.source.resolved });
        void this.supervisor.restart('source');
      });
  }

  /** `camera.<id>.settings`: checked by building the command line first, then kept and applied. */
  private async applySettings(settings: EncoderSettings): Promise<EncoderSettings> {
    const s = this.state;
    if (!s) throw new InvalidRequestError('no assignment yet');
    // A new source is looked up before anything is kept: one that is not there is refused.
    const key = sourceKey(settings.source);
    let source = this.source;
    if (key !== source.key) {
      const wanted = settings.source ? captureSourceOf(settings.source) : this.d.source;
      try {
        source = { key, resolved: await this.d.resolveSource(wanted) };
      } catch (err) {
        throw new InvalidRequestError(`capture source: ${errorMessage(err)}`);
      }
    }
    // drawtext needs its font (Debian: fonts-dejavu-core): without it ffmpeg would not start.
    if (settings.osd?.length && !existsSync(OSD_FONT[this.d.platform]))
      throw new InvalidRequestError(
        `OSD needs the font ${OSD_FONT[this.d.platform]}, which is not installed`,
      );
    try {
      buildCaptureArgs(
        captureJob({
          ...this.d,
          source: source.resolved,
          camera: s.camera,
          settings,
          audioDevices: this.audio.input,
        }),
      );
    } catch (err) {
      throw new InvalidRequestError(`settings cannot be used: ${errorMessage(err)}`);
    }
    const newSource = source.key !== this.source.key;
    this.state = { ...s, settings };
    this.source = source;
    this.d.store.save(this.state);
    if (newSource)
      this.log.info('new capture source, restarting ffmpeg', {
        cameraId: s.camera.id,
        source: source.resolved,
        settings,
      });
    else this.log.info('new encoder settings, restarting ffmpeg', { cameraId: s.camera.id, settings });
    // Reply now; the restart (SIGTERM, then the new ffmpeg) goes on in the background.
    void this.supervisor.restart(newSource ? 'source' : 'settings');
    return settings;
  }

  /** `camera.<id>.event`: capture.started when frames flow, capture.stopped when they stop. */
  private captureEvent(state: string): void {
    const streaming = state === 'streaming';
    if (streaming === this.wasStreaming) return;
    this.wasStreaming = streaming;
    this.publishEvent({ type: streaming ? 'capture.started' : 'capture.stopped', detail: state });
  }

  /** `camera.<id>.event` session.locked / session.unlocked, from the platform's monitor. */
  private startSessionMonitor(): void {
    if (!this.d.config.sessionMonitor) return;
    const cmd = sessionMonitorCommand(process.platform, process.env);
    if ('unavailable' in cmd) {
      this.log.info('no session lock events', { why: cmd.unavailable });
      return;
    }
    this.sessionMonitor = new SessionMonitor(
      cmd,
      (state) => this.publishEvent({ type: state === 'locked' ? 'session.locked' : 'session.unlocked' }),
      this.log.child({ part: 'session' }),
    );
    this.sessionMonitor.start();
  }

  /** `camera.<id>.event` desktop.activity: the detector's transitions (ONVIF motion). */
  private activityEvent(active: boolean): void {
    clearTimeout(this.activityTimer);
    this.activityTimer = undefined;
    if (active) this.armActivityHold();
    this.log.debug('desktop activity', { active });
    this.publishEvent({ type: 'desktop.activity', active });
  }

  /**
   * The hold also ends when frames stop coming (frames that come end it themselves): one timer
   * while active, due when the hold would end, set again for what is left when changes extended
   * it. None while the desktop is still; while it is active, one wakeup per hold (5 s) instead of a
   * 250 ms tick's 4 a second.
   */
  private armActivityHold(): void {
    this.activityTimer = setTimeout(
      () => {
        this.activityTimer = undefined;
        if (this.activity.tick(Date.now())) this.activityEvent(false);
        else if (this.activity.isActive) this.armActivityHold();
      },
      Math.max(1, this.activity.holdLeftMs(Date.now())),
    );
  }

  private publishEvent(event: Omit<CameraEvent, 'at'>): void {
    const nc = this.session.connection;
    const s = this.state;
    if (!nc || !s || !this.connected) return;
    const contract = cameraSubjects(s.camera.id).event;
    try {
      nc.publish(contract.subject, encodeEvent(contract, { ...event, at: new Date().toISOString() }));
    } catch (err) {
      this.log.warn('event not sent', { type: event.type, err: errorMessage(err) });
    }
  }

  private sendHeartbeat(): void {
    const nc = this.session.connection;
    const s = this.state;
    if (!nc || !s || !this.connected) return;
    const contract = cameraSubjects(s.camera.id).heartbeat;
    try {
      nc.publish(
        contract.subject,
        encodeEvent(contract, {
          state: this.supervisor.state,
          fps: this.rates.fps,
          bitrateKbps: this.rates.bitrateKbps,
          encoder: this.d.encoder,
          uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
          errors: this.restarts,
          audio: this.audio.state,
          at: new Date().toISOString(),
        }),
      );
    } catch (err) {
      this.log.warn('heartbeat not sent', { err: errorMessage(err) });
    }
  }
}

function sourceKey(setting: CaptureSourceSetting | undefined): string {
  return JSON.stringify(setting ?? null);
}
