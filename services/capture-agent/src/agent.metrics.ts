import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { RestartReason, StreamState } from './ffmpeg.supervisor.js';

/** The resolution of the event-loop delay metrics (desk_agent_nodejs_eventloop_lag_*), ms. */
export const EVENT_LOOP_MONITORING_MS = 100;

const STATES: StreamState[] = ['starting', 'streaming', 'stalled', 'restarting', 'stopped', 'error'];

/** The agent's Prometheus metrics (DESIGN.md, "Observability"): ffmpeg restarts, fps, bitrate, state. */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly restarts = new Counter({
    name: 'desk_agent_ffmpeg_restarts_total',
    help: 'ffmpeg restarts by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly fps = new Gauge({
    name: 'desk_agent_fps',
    help: 'Frames per second ffmpeg reports',
    registers: [this.registry],
  });
  private readonly bitrate = new Gauge({
    name: 'desk_agent_bitrate_kbps',
    help: 'Bitrate of the streams, kbit/s (the CBR target when ffmpeg cannot measure RTSP output)',
    registers: [this.registry],
  });
  private readonly state = new Gauge({
    name: 'desk_agent_stream_state',
    help: '1 for the current state of the capture',
    labelNames: ['state'],
    registers: [this.registry],
  });
  private readonly connected = new Gauge({
    name: 'desk_agent_nats_connected',
    help: '1 while connected to NATS',
    registers: [this.registry],
  });
  private readonly registered = new Gauge({
    name: 'desk_agent_registered',
    help: '1 once registered with the registry in this run',
    registers: [this.registry],
  });

  private readonly audio = new Gauge({
    name: 'desk_agent_audio_state',
    help: '1 for the current state of the audio (streaming, lost, off, unavailable)',
    labelNames: ['state'],
    registers: [this.registry],
  });

  constructor() {
    // The event-loop delay histogram's timer wakes the loop every `eventLoopMonitoringPrecision` ms:
    // at prom-client's 10 ms default that was 100 wakeups a second, most of the idle agent's (issue
    // 12: the agent ≤ 2 % of a core). 100 ms still shows any stall worth an alert.
    collectDefaultMetrics({
      register: this.registry,
      prefix: 'desk_agent_',
      eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_MS,
    });
    this.setState('stopped');
    for (const reason of [
      'exit',
      'stall',
      'spawn-error',
      'settings',
      'source',
      'assignment',
      'audio',
    ] satisfies RestartReason[])
      this.restarts.inc({ reason }, 0);
  }

  restart(reason: RestartReason): void {
    this.restarts.inc({ reason });
  }

  setState(state: StreamState): void {
    for (const s of STATES) this.state.set({ state: s }, s === state ? 1 : 0);
  }

  setAudio(state: 'streaming' | 'lost' | 'off' | 'unavailable'): void {
    for (const s of ['streaming', 'lost', 'off', 'unavailable'] as const)
      this.audio.set({ state: s }, s === state ? 1 : 0);
  }

  setRates(fps: number, bitrateKbps: number): void {
    this.fps.set(fps);
    this.bitrate.set(bitrateKbps);
  }

  setConnected(up: boolean): void {
    this.connected.set(up ? 1 : 0);
  }

  setRegistered(up: boolean): void {
    this.registered.set(up ? 1 : 0);
  }
}
