import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CapturePlatform } from '@desk-onvif/ffmpeg-args';
import { Backoff } from './backoff.js';
import { errorMessage, type Logger } from './logger.js';

/**
 * A `pactl subscribe` line that can change which audio devices there are: a source added or
 * removed, or the server's defaults changed (`@DEFAULT_MONITOR@` follows the default sink). A
 * source's `change` events (idle, running, volume) are not: streaming itself makes them.
 */
export function isDeviceEvent(line: string): boolean {
  return /^Event '(new|remove)' on source #\d+/.test(line) || /^Event 'change' on server #/.test(line);
}

/** The sound server's event stream on this platform: PulseAudio's (PipeWire's pactl too) on Linux. */
export function deviceEventsCommand(
  platform: CapturePlatform,
): { command: string; args: string[] } | undefined {
  return platform === 'linux' ? { command: 'pactl', args: ['subscribe'] } : undefined;
}

export interface AudioWatchOptions {
  /** Look at the devices again (the agent's listing and choice). */
  check: () => void;
  /** While a device is lost: how often to look for its return. */
  lostPollMs: number;
  /** Otherwise: how often to look anyway (events and ffmpeg's own errors say it sooner). */
  idlePollMs: number;
  /**
   * The same while the event stream is heard (a safety net then: a source that comes or goes is
   * an event); `idlePollMs` when absent.
   */
  listeningPollMs?: number;
  /** The sound server's event stream; undefined where there is none (Windows: polling only). */
  events: { command: string; args: string[] } | undefined;
  logger: Logger;
  /** Several reasons at once (a sink going makes a few events) are one look. */
  settleMs?: number;
  /**
   * Nudged looks are at least this far apart: an ffmpeg that keeps warning about something else
   * must not turn into a listing every second.
   */
  minGapMs?: number;
}

/**
 * When the agent looks at its audio devices: at once when the sound server says a source came or
 * went (Linux: one long-lived `pactl subscribe`, instead of an ffmpeg listing every few seconds),
 * soon after ffmpeg complains about its input (`nudge`), often while a device is lost, seldom
 * otherwise, and very seldom while the events are heard. A listing spawns ffmpeg (DirectShow
 * enumerates every device on Windows): every 5 s that cost the PC ~1.6 % of a core for nothing
 * while audio streamed, every 30 s still ~0.25 %.
 */
export class AudioDeviceWatch {
  private timer: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;
  private respawn: NodeJS.Timeout | undefined;
  private child: ChildProcess | undefined;
  private lost = false;
  private lastNudged = 0;
  private stopped = false;
  private readonly backoff = new Backoff({ initialMs: 5000, maxMs: 60_000, resetAfterMs: 60_000 });

  constructor(private readonly opts: AudioWatchOptions) {}

  start(): void {
    this.listen();
    this.schedule();
  }

  /** Whether the devices in use are lost: the timer looks often then. */
  setLost(lost: boolean): void {
    if (lost === this.lost) return;
    this.lost = lost;
    this.schedule();
  }

  /** Something suggests the devices changed: look shortly, once for a burst of reasons. */
  nudge(): void {
    if (this.stopped || this.settle) return;
    const gapLeft = this.lastNudged + (this.opts.minGapMs ?? 2000) - Date.now();
    this.settle = setTimeout(
      () => {
        this.settle = undefined;
        this.lastNudged = Date.now();
        this.opts.check();
      },
      Math.max(this.opts.settleMs ?? 250, gapLeft),
    );
  }

  /** Whether the sound server's events are being heard now. */
  get listening(): boolean {
    return this.child !== undefined;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.settle);
    clearTimeout(this.respawn);
    this.child?.kill();
    this.child = undefined;
  }

  /** How often the timer looks now: often while lost, seldom while the events are heard. */
  get pollMs(): number {
    if (this.lost) return this.opts.lostPollMs;
    return this.child ? (this.opts.listeningPollMs ?? this.opts.idlePollMs) : this.opts.idlePollMs;
  }

  private schedule(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    this.timer = setInterval(() => this.opts.check(), this.pollMs);
  }

  private listen(): void {
    const events = this.opts.events;
    if (!events || this.stopped) return;
    const log = this.opts.logger;
    const child = spawn(events.command, events.args, {
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
    });
    const startedAt = Date.now();
    child.once('spawn', () => {
      this.child = child;
      this.schedule();
      // Whatever happened while nobody listened.
      this.nudge();
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (isDeviceEvent(line)) this.nudge();
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT')
        log.info('no pactl: audio devices are looked at on a timer only', { everyMs: this.opts.idlePollMs });
      else log.warn('sound server events not heard', { err: errorMessage(err) });
    });
    child.once('close', (code) => {
      const wasListening = this.child === child;
      if (wasListening) this.child = undefined;
      if (this.stopped || !wasListening) return; // never started (ENOENT): the timer alone
      this.schedule(); // nobody listens until it is back: the idle period meanwhile
      const delayMs = this.backoff.next(Date.now() - startedAt);
      log.warn('sound server events ended: listening again', { code, delayMs });
      this.respawn = setTimeout(() => this.listen(), delayMs);
    });
  }
}
