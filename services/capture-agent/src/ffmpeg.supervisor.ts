import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import { Backoff, type BackoffPolicy } from './backoff.js';
import { JpegSplitter } from './jpeg.splitter.js';
import { errorMessage, type Logger } from './logger.js';
import { ProgressParser, type ProgressReport } from './progress.parser.js';
import { StderrBudget } from './stderr.budget.js';

export type StreamState = 'starting' | 'streaming' | 'stalled' | 'restarting' | 'stopped' | 'error';
/**
 * Why ffmpeg was restarted: it exited, stalled or could not be spawned (backed off); or the agent
 * asked (at once): new encoder `settings`, a new capture `source` (the settings' desktop, monitor,
 * region or window), a new `assignment`, audio devices that came or went (`audio`).
 */
export type RestartReason = 'exit' | 'stall' | 'spawn-error' | 'settings' | 'source' | 'assignment' | 'audio';

export interface SupervisorOptions {
  command: string;
  /** Called at every start: the arguments follow the current settings and assignment. */
  args: () => string[];
  snapshotFd: number;
  progressFd: number;
  /** The sub-size JPEGs, when ffmpeg writes them (ffmpeg-args' `snapshot.subFd`). */
  subSnapshotFd?: number;
  /** The small rgb24 copy for the activity detector (ffmpeg-args' `activity`). */
  activityFd?: number;
  /** No new frame in ffmpeg's progress output for this long → restart (reason `stall`). */
  stallTimeoutMs: number;
  backoff: BackoffPolicy;
  /** SIGTERM first (ffmpeg then closes its RTSP sessions cleanly), SIGKILL after this. */
  stopGraceMs: number;
  stderr: { lines: number; perMs: number };
  logger: Logger;
  /** The child's environment; the agent's own by default. */
  env?: NodeJS.ProcessEnv;
  /** Applied to every stderr line before it is logged: ffmpeg may print URLs with credentials. */
  redact: (line: string) => string;
}

export interface SupervisorEvents {
  state?(state: StreamState): void;
  progress?(report: ProgressReport): void;
  snapshot?(jpeg: Buffer): void;
  subSnapshot?(jpeg: Buffer): void;
  /** Raw rgb24 bytes as they arrive. */
  activity?(chunk: Buffer): void;
  /** A new ffmpeg was spawned. */
  spawned?(): void;
  /** ffmpeg wrote to stderr (what, redacted, goes to the log within its budget). */
  stderr?(): void;
  restart?(reason: RestartReason, delayMs: number): void;
}

/**
 * Runs one ffmpeg and keeps it running: restarts after an exit with a capped exponential backoff,
 * restarts on a stall read from `-progress`, logs stderr within a budget, and stops it for good
 * (SIGTERM, then SIGKILL) so that no ffmpeg outlives the agent.
 */
export class FfmpegSupervisor {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stateNow: StreamState = 'stopped';
  private pendingReason: RestartReason | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private stopping = true;
  private readonly backoff: Backoff;
  private lastFrame = 0;
  private lastFrameAt = 0;
  private streamingSince: number | undefined;
  private startedAt = 0;

  constructor(
    private readonly opts: SupervisorOptions,
    private readonly on: SupervisorEvents = {},
  ) {
    this.backoff = new Backoff(opts.backoff);
  }

  get state(): StreamState {
    return this.stateNow;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Milliseconds since the current ffmpeg began streaming, 0 when it is not streaming. */
  get streamingForMs(): number {
    return this.streamingSince === undefined ? 0 : Date.now() - this.streamingSince;
  }

  start(): void {
    if (!this.stopping) return;
    this.stopping = false;
    this.launch();
  }

  /** Restarts now (new settings or assignment): no backoff, the new arguments at once. */
  async restart(reason: RestartReason): Promise<void> {
    if (this.stopping) return;
    if (this.child) {
      this.pendingReason = reason;
      await this.terminate();
      return;
    }
    clearTimeout(this.restartTimer);
    this.backoff.reset();
    this.launch();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.stallTimer);
    await this.terminate();
    this.setState('stopped');
  }

  private launch(): void {
    if (this.stopping) return;
    let args: string[];
    try {
      args = this.opts.args();
    } catch (err) {
      this.opts.logger.error('cannot build the ffmpeg command line', { err: errorMessage(err) });
      this.setState('error');
      // Backed off like a crash: arguments that cannot be built now may be buildable later
      // (new settings, a new assignment), and a tight retry loop would burn a core.
      this.scheduleRestart('spawn-error', this.backoff.next(0));
      return;
    }
    this.setState('starting');
    this.startedAt = Date.now();
    this.lastFrame = 0;
    this.lastFrameAt = this.startedAt;
    this.streamingSince = undefined;
    const piped = new Set(
      [2, this.opts.snapshotFd, this.opts.progressFd, this.opts.subSnapshotFd, this.opts.activityFd].filter(
        (fd): fd is number => fd !== undefined,
      ),
    );
    const stdio: StdioOptions = Array.from({ length: Math.max(...piped) + 1 }, (_, fd) =>
      piped.has(fd) ? 'pipe' : 'ignore',
    );
    const child = spawn(this.opts.command, args, {
      stdio,
      windowsHide: true,
      env: this.opts.env ?? process.env,
    });
    this.child = child;
    this.opts.logger.info('ffmpeg started', { pid: child.pid });
    this.on.spawned?.();
    this.exited = new Promise((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null, err?: Error) => {
        if (done) return;
        done = true;
        this.onExit(child, code, signal, err);
        resolve();
      };
      child.once('exit', (code, signal) => finish(code, signal));
      child.once('error', (err) => finish(null, null, err));
    });
    this.attachOutputs(child);
    clearInterval(this.stallTimer);
    this.stallTimer = setInterval(() => this.checkStall(child), Math.min(1000, this.opts.stallTimeoutMs / 4));
  }

  private attachOutputs(child: ChildProcess): void {
    const log = this.opts.logger;
    const budget = new StderrBudget(
      { ...this.opts.stderr, maxLineChars: 500, tailLines: 10 },
      (line) => log.warn('ffmpeg', { pid: child.pid, line: this.opts.redact(line) }),
      (count) => log.warn('ffmpeg stderr lines suppressed', { pid: child.pid, count }),
    );
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      budget.push(s);
      this.on.stderr?.();
    });
    child.once('exit', () => budget.flush());
    const progress = new ProgressParser();
    const progressOut = child.stdio[this.opts.progressFd] as Readable | null;
    progressOut?.setEncoding('utf8').on('data', (s: string) => {
      for (const report of progress.push(s)) this.onProgress(report);
    });
    const jpegs = new JpegSplitter();
    const snapshotOut = child.stdio[this.opts.snapshotFd] as Readable | null;
    snapshotOut?.on('data', (chunk: Buffer) => {
      const images = jpegs.push(chunk);
      const latest = images.at(-1);
      if (latest) this.on.snapshot?.(latest);
    });
    const subJpegs = new JpegSplitter();
    const subOut =
      this.opts.subSnapshotFd === undefined
        ? null
        : (child.stdio[this.opts.subSnapshotFd] as Readable | null);
    subOut?.on('data', (chunk: Buffer) => {
      const latest = subJpegs.push(chunk).at(-1);
      if (latest) this.on.subSnapshot?.(latest);
    });
    const activityOut =
      this.opts.activityFd === undefined ? null : (child.stdio[this.opts.activityFd] as Readable | null);
    activityOut?.on('data', (chunk: Buffer) => this.on.activity?.(chunk));
    // A pipe error (the child died mid-write) is an exit, handled there.
    for (const s of [child.stderr, progressOut, snapshotOut, subOut, activityOut]) s?.on('error', () => {});
    this.lastStderr = () => budget.lastLines();
  }

  private lastStderr: () => string[] = () => [];

  private onProgress(report: ProgressReport): void {
    const now = Date.now();
    if (report.frame > this.lastFrame) {
      this.lastFrame = report.frame;
      this.lastFrameAt = now;
      if (this.stateNow !== 'streaming') {
        this.streamingSince = now;
        this.setState('streaming');
      }
    }
    this.on.progress?.(report);
  }

  private checkStall(child: ChildProcess): void {
    if (child !== this.child || this.pendingReason) return;
    const silentMs = Date.now() - this.lastFrameAt;
    if (silentMs < this.opts.stallTimeoutMs) return;
    this.opts.logger.warn('ffmpeg stalled: no new frame', {
      pid: child.pid,
      silentMs,
      frame: this.lastFrame,
    });
    this.setState('stalled');
    this.pendingReason = 'stall';
    void this.terminate();
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, err?: Error): void {
    if (child !== this.child) return;
    clearInterval(this.stallTimer);
    this.child = undefined;
    const streamedMs = this.streamingSince === undefined ? 0 : Date.now() - this.streamingSince;
    this.streamingSince = undefined;
    const reason: RestartReason = err ? 'spawn-error' : (this.pendingReason ?? 'exit');
    this.pendingReason = undefined;
    const fields = {
      pid: child.pid,
      code,
      signal,
      ranMs: Date.now() - this.startedAt,
      ...(err ? { err: err.message } : {}),
      stderr: this.lastStderr().map(this.opts.redact),
    };
    if (this.stopping) {
      this.opts.logger.info('ffmpeg stopped', fields);
      return;
    }
    this.opts.logger.warn('ffmpeg exited', { ...fields, reason });
    if (reason === 'settings' || reason === 'source' || reason === 'assignment') {
      this.backoff.reset();
      this.scheduleRestart(reason, 0);
    } else {
      if (err) this.setState('error');
      this.scheduleRestart(reason, this.backoff.next(streamedMs));
    }
  }

  private scheduleRestart(reason: RestartReason, delayMs: number): void {
    if (this.stateNow !== 'error') this.setState('restarting');
    this.on.restart?.(reason, delayMs);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => this.launch(), delayMs);
  }

  private async terminate(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), this.opts.stopGraceMs);
    await this.exited;
    clearTimeout(killer);
  }

  private setState(state: StreamState): void {
    if (state === this.stateNow) return;
    this.stateNow = state;
    this.on.state?.(state);
  }
}
