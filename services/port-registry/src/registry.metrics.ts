import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CameraView } from './camera.view.js';
import { inRange, rangeSize, type PortRange } from './port-allocator.js';

export type RegistrationOutcome = 'created' | 'existing' | 'updated' | 'exhausted' | 'invalid' | 'error';

/** The registry's own metrics; cameras and ports are read from the view at scrape time. */
export class RegistryMetrics {
  readonly registrations: Counter<'outcome'>;
  readonly registrationSeconds: Histogram;
  readonly portMoves: Counter<'reason'>;
  readonly presenceTransitions: Counter<'to'>;
  readonly invalidRequests: Counter<'subject'>;
  readonly heartbeats: Counter<'result'>;

  constructor(registry: Registry, view: CameraView, range: PortRange) {
    this.registrations = new Counter({
      name: 'desk_onvif_registry_registrations_total',
      help: 'Registrations by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.registrationSeconds = new Histogram({
      name: 'desk_onvif_registry_registration_seconds',
      help: 'Time to answer a registration',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    this.portMoves = new Counter({
      name: 'desk_onvif_registry_port_moves_total',
      help: 'Cameras moved to another ONVIF port, by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.presenceTransitions = new Counter({
      name: 'desk_onvif_registry_presence_transitions_total',
      help: 'Online/offline transitions written by this replica',
      labelNames: ['to'],
      registers: [registry],
    });
    this.invalidRequests = new Counter({
      name: 'desk_onvif_registry_invalid_requests_total',
      help: 'Requests and events refused as invalid, by subject',
      labelNames: ['subject'],
      registers: [registry],
    });
    this.heartbeats = new Counter({
      name: 'desk_onvif_registry_heartbeats_total',
      help: 'Heartbeats received, by result',
      labelNames: ['result'],
      registers: [registry],
    });
    new Gauge({
      name: 'desk_onvif_registry_cameras',
      help: 'Cameras by mode and state',
      labelNames: ['mode', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const mode of ['shared', 'per-user'])
          for (const state of ['online', 'offline']) this.set({ mode, state }, 0);
        for (const { value } of view.cameras.values()) {
          this.inc({ mode: value.mode, state: value.online ? 'online' : 'offline' });
        }
      },
    });
    new Gauge({
      name: 'desk_onvif_registry_ports',
      help: 'ONVIF ports of the configured range by state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        let used = 0;
        let blocked = 0;
        const now = new Date();
        for (const [port, claim] of view.claims) {
          if (!inRange(port, range)) continue;
          if ('cameraId' in claim) used++;
          else if (new Date(claim.until) > now) blocked++;
        }
        this.set({ state: 'used' }, used);
        this.set({ state: 'blocked' }, blocked);
        this.set({ state: 'free' }, rangeSize(range) - used - blocked);
      },
    });
  }
}
