import { isDeepStrictEqual } from 'node:util';
import type { AudioSettings, AudioState } from '@desk-onvif/contracts';
import type { CapturePlatform } from '@desk-onvif/ffmpeg-args';
import type { AgentMetrics } from './agent.metrics.js';
import { chooseAudioDevice, type AudioDevice } from './audio.device.js';
import { AudioDeviceWatch } from './audio.watch.js';
import type { AgentConfig } from './config.js';
import { errorMessage, type Logger } from './logger.js';

/** The devices in ffmpeg's command line. */
export interface AudioInput {
  device: string;
  microphone?: string;
}

export interface AudioPresenceDeps {
  config: AgentConfig;
  platform: CapturePlatform;
  /** The audio devices ffmpeg can open now (listAudioDevices). */
  listAudio: () => Promise<AudioDevice[]>;
  /** The sound server's event stream (deviceEventsCommand): undefined, the timers alone. */
  audioEvents?: { command: string; args: string[] };
  metrics: AgentMetrics;
  logger: Logger;
}

/** What the camera does about a change of devices. */
export interface AudioPresenceHost {
  /** The audio settings streamed now (they depend on `capable`); undefined: none. */
  audioSettings(): AudioSettings | undefined;
  /** The camera has just become one with audio while running: its settings are reported. */
  becameCapable(): void;
  /** ffmpeg must restart with `input`. */
  restart(): void;
}

/**
 * The camera's audio devices over time: which to capture (`input`, in ffmpeg's command line),
 * whether the camera has audio at all (`capable`: its profiles say so), and its state for status,
 * heartbeat and metrics. A device found makes the camera one with audio; one that went away leaves
 * ffmpeg streaming video (its audio input ended) and says so; one that came back (or a microphone)
 * restarts ffmpeg with audio. When to look is AudioDeviceWatch's.
 */
export class AudioPresence {
  input: AudioInput | undefined;
  capable = false;
  state: AudioState = { state: 'off' };
  private watch: AudioDeviceWatch | undefined;
  private polling = false;

  constructor(
    private readonly d: AudioPresenceDeps,
    private readonly host: AudioPresenceHost,
  ) {}

  /** Which devices are there, before the first ffmpeg: its command line depends on them. */
  async probe(): Promise<void> {
    if (this.d.config.audio === 'off') return;
    this.capable = this.d.config.audio === 'on';
    await this.poll(false);
  }

  start(): void {
    if (this.d.config.audio === 'off') return;
    this.watch = new AudioDeviceWatch({
      check: () => void this.poll(true),
      lostPollMs: this.d.config.audioPollMs,
      idlePollMs: this.d.config.audioIdlePollMs,
      listeningPollMs: this.d.config.audioListeningPollMs,
      events: this.d.audioEvents,
      logger: this.d.logger,
    });
    this.watch.start();
  }

  stop(): void {
    this.watch?.stop();
  }

  /** ffmpeg wrote to stderr: with audio in its command line, that may be its input failing. */
  ffmpegSaidSomething(): void {
    if (this.input) this.watch?.nudge();
  }

  private async poll(running: boolean): Promise<void> {
    if (this.polling) return; // a slow listing is not asked again on top of itself
    const c = this.d.config;
    const log = this.d.logger;
    let listed: AudioDevice[];
    this.polling = true;
    try {
      listed = await this.d.listAudio();
    } catch (err) {
      log.warn('audio devices not listed', { err: errorMessage(err) });
      return;
    } finally {
      this.polling = false;
    }
    const choice = chooseAudioDevice(this.d.platform, c.audioDevice, listed);
    const microphone = c.microphone && listed.some((d) => d.name === c.microphone) ? c.microphone : undefined;
    const now = choice.device ? { device: choice.device, ...(microphone ? { microphone } : {}) } : undefined;
    if (now && !this.capable) {
      this.capable = true;
      if (running) this.host.becameCapable();
    }
    const had = this.input;
    const changed = JSON.stringify(had) !== JSON.stringify(now);
    if (!this.capable) {
      this.set({ state: 'unavailable', detail: choice.device ? undefined : choice.why });
      return;
    }
    if (!running) {
      this.input = now;
    } else if (now && changed) {
      log.info(
        had ? 'audio devices changed: restarting ffmpeg' : 'audio device here: restarting ffmpeg with audio',
        {
          device: now.device,
          microphone: now.microphone,
        },
      );
      this.input = now;
      this.host.restart();
    } else if (!now && had) {
      // ffmpeg's audio input has ended; the video goes on. The device's return restarts ffmpeg.
      log.warn('audio device lost: streaming video without audio until it returns', {
        device: had.device,
        why: choice.device ? undefined : choice.why,
      });
      this.input = undefined;
    }
    const settings = this.host.audioSettings();
    if (!settings) this.set({ state: 'off' });
    else if (this.input) this.set({ state: 'streaming', device: this.input.device, codec: settings.codec });
    else this.set({ state: 'lost', codec: settings.codec, detail: choice.device ? undefined : choice.why });
  }

  private set(next: AudioState): void {
    this.watch?.setLost(next.state === 'lost');
    const clean = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)) as AudioState;
    if (isDeepStrictEqual(clean, this.state)) return;
    this.state = clean;
    this.d.metrics.setAudio(clean.state);
  }
}
