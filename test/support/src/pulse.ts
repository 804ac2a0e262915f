import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnTracked, waitUntilReady, type Spawned } from './processes.js';

const run = promisify(execFile);
const RATE = 48_000;

/** Whether PulseAudio (the daemon and pactl/pacat) is installed; a reason when not. */
export function pulseAudioMissing(): string | undefined {
  for (const tool of ['pulseaudio', 'pactl', 'pacat'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return `${tool} is not installed (Debian: pulseaudio, pulseaudio-utils; scripts/ensure-system-deps.sh)`;
  return undefined;
}

/**
 * A real PulseAudio daemon of a test's own (`pulseaudio -n`: no default configuration), with a
 * native-protocol socket and a null sink in a temporary directory: what is played into the sink is
 * what its monitor (`<sink>.monitor`, the default source's monitor) captures, as on a desktop.
 * Clients reach it through `env` (PULSE_SERVER); nothing touches a sound server of the machine.
 */
export class PulseAudio {
  private sinkModule: string | undefined;

  private constructor(
    private readonly dir: string,
    private readonly proc: Spawned,
    readonly sink: string,
  ) {}

  static async start(): Promise<PulseAudio> {
    const dir = mkdtempSync(join(tmpdir(), 'desk-onvif-pulse-'));
    const socket = join(dir, 'native');
    const sink = `desk_${Math.random().toString(36).slice(2, 8)}`;
    const proc = spawnTracked(
      process.env.PULSEAUDIO_BIN ?? 'pulseaudio',
      [
        ...['-n', '--daemonize=no', '--use-pid-file=no', '--exit-idle-time=-1', '--log-target=stderr'],
        // Root runs it too (CI): it says so on stderr and goes on, as a per-user daemon.
        ...['-L', `module-native-protocol-unix socket=${socket} auth-anonymous=1`],
      ],
      {
        PATH: process.env.PATH,
        HOME: dir,
        XDG_RUNTIME_DIR: dir,
        PULSE_RUNTIME_PATH: dir,
        PULSE_STATE_PATH: dir,
      },
    );
    const pulse = new PulseAudio(dir, proc, sink);
    try {
      await waitUntilReady(proc, `pulseaudio on ${socket}`, async () => {
        await pulse.pactl(['info']);
        return true;
      });
      await pulse.addSink();
      return pulse;
    } catch (err) {
      await pulse.stop();
      throw err;
    }
  }

  /** What a client needs to reach this daemon. */
  get env(): { PULSE_SERVER: string } {
    return { PULSE_SERVER: `unix:${join(this.dir, 'native')}` };
  }

  get monitor(): string {
    return `${this.sink}.monitor`;
  }

  async pactl(args: string[]): Promise<string> {
    const env = { ...process.env, ...this.env, HOME: this.dir };
    return (await run('pactl', args, { env, timeout: 10_000 })).stdout;
  }

  /** The sink (and its monitor, the agent's device) appears, the default one: a sound card plugged in. */
  async addSink(): Promise<void> {
    this.sinkModule = (
      await this.pactl(['load-module', 'module-null-sink', `sink_name=${this.sink}`, 'rate=48000'])
    ).trim();
    await this.pactl(['set-default-sink', this.sink]);
  }

  /** The sink and its monitor go away: a USB headset unplugged. */
  async removeSink(): Promise<void> {
    if (this.sinkModule) await this.pactl(['unload-module', this.sinkModule]);
    this.sinkModule = undefined;
  }

  /** A player writing into the sink in real time (pacat, low latency), tone or silence, and clicks. */
  player(): PulsePlayer {
    return new PulsePlayer(this);
  }

  output(): string {
    return this.proc.output();
  }

  async stop(): Promise<void> {
    await this.proc.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Plays mono 48 kHz into the sink through pacat, paced by the clock and kept 300 ms ahead (a 150 ms
 * buffer in PulseAudio: no underrun on a busy machine): a steady tone or silence, and clicks at a given wall-clock time. When sample 0 was
 * heard is read from pacat itself (`--verbose` prints the stream's playback time every 50 ms): the
 * stream starts playing a few hundred ms after it is created, which a player trusting its own clock
 * would put into every click. `ready` resolves once that is known.
 */
export class PulsePlayer {
  private readonly proc: Spawned;
  private timer: NodeJS.Timeout | undefined;
  /** Wall-clock time (ms) of sample 0. */
  private origin = 0;
  private written = 0;
  private phase = 0;
  private hz = 0;
  private readonly clicks: number[] = [];
  readonly ready: Promise<void>;

  constructor(pulse: PulseAudio) {
    this.proc = spawnTracked(
      'pacat',
      [
        ...['--verbose', '--playback', `--device=${pulse.sink}`, '--raw', '--format=s16le'],
        ...[`--rate=${RATE}`, '--channels=1', '--latency-msec=150'],
      ],
      { ...process.env, ...pulse.env },
      undefined,
      { stdin: 'pipe' },
    );
    this.proc.child.stdin?.on('error', () => undefined);
    this.proc.child.stderr?.on('data', (b: Buffer) => this.calibrate(b.toString()));
    this.ready = waitUntilReady(this.proc, 'pacat playing', () =>
      this.proc.output().includes('Stream successfully created'),
    )
      .then(() => {
        this.origin = Date.now();
        this.pump();
        this.timer = setInterval(() => this.pump(), 10);
      })
      .then(() =>
        waitUntilReady(this.proc, 'pacat to report its playback time', () => this.heard !== undefined),
      );
  }

  /**
   * When sample 0 was heard, by the reports of the last second: the earliest, as a report read late
   * only says later; only the last second's, as an underrun (a starved pacat) really moves it later.
   */
  private heard: number | undefined;
  private readonly reports: { at: number; origin: number }[] = [];

  private calibrate(text: string): void {
    const now = Date.now();
    for (const m of text.matchAll(/Time: ([\d.]+) sec/g)) {
      const played = Number(m[1]);
      if (!(played > 0.1)) continue; // 0 until the stream has started
      this.reports.push({ at: now, origin: now - played * 1000 });
    }
    while (this.reports.length && this.reports[0]!.at < now - 1000) this.reports.shift();
    if (!this.reports.length) return;
    this.heard = Math.min(...this.reports.map((r) => r.origin));
    this.origin = this.heard;
  }

  /** A continuous sine of `hz` from now on; 0 is silence. */
  tone(hz: number): void {
    this.hz = hz;
  }

  /**
   * A 40 ms full-scale 2 kHz burst heard at wall-clock time `atMs` (at least 250 ms from now, as
   * 300 ms are already written).
   */
  clickAt(atMs: number): void {
    const sample = Math.round(((atMs - this.origin) / 1000) * RATE);
    if (sample < this.written) throw new Error(`a click at ${atMs} is already played or written`);
    this.clicks.push(sample);
  }

  private pump(): void {
    const due = Math.round(((Date.now() - this.origin) / 1000 + 0.3) * RATE) - this.written;
    if (due <= 0) return;
    const pcm = Buffer.alloc(due * 2);
    const burst = Math.round(RATE * 0.04);
    for (let i = 0; i < due; i++) {
      const n = this.written + i;
      let v = 0;
      if (this.hz > 0) {
        this.phase += (2 * Math.PI * this.hz) / RATE;
        v = 0.5 * Math.sin(this.phase);
      }
      const click = this.clicks.find((c) => n >= c && n < c + burst);
      if (click !== undefined) v = 0.95 * Math.sin((2 * Math.PI * 2000 * (n - click)) / RATE);
      pcm.writeInt16LE(Math.round(v * 32767), i * 2);
    }
    this.phase %= 2 * Math.PI;
    this.written += due;
    this.proc.child.stdin?.write(pcm);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.proc.child.stdin?.end();
    await this.proc.stop();
  }
}
