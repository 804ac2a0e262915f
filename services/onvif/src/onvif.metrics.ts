import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DigestAuthority, EnvelopeShapes, NonceCache } from '@desk-onvif/onvif-soap';
import type { UserStore } from './user.store.js';

/**
 * The onvif service's metrics (DESIGN.md, "Observability"). The ONVIF service of a request is
 * `onvif_service`: `service` is the registry's default label (the process), which a metric's own
 * label of that name would silently replace.
 */
export class OnvifMetrics {
  readonly requests: Counter<'onvif_service' | 'operation' | 'outcome'>;
  readonly latency: Histogram<'onvif_service' | 'operation'>;
  readonly authFailures: Counter<'reason'>;
  readonly listenersOpen: Gauge;
  readonly bindFailures: Counter;
  readonly snapshots: Counter<'outcome'>;
  readonly usersGenerated: Counter;
  readonly httpRejected: Counter<'status'>;
  /** The labelled series of each (service, operation, outcome) seen: no label hashing per request. */
  private readonly answered = new Map<
    string,
    { count: { inc(): void }; time: { observe(s: number): void } }
  >();

  constructor(
    registry: Registry,
    nonces: NonceCache,
    digest: DigestAuthority,
    users: UserStore,
    shapes: EnvelopeShapes,
  ) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'desk_onvif_soap_requests_total',
      help: 'SOAP requests by service, operation and outcome (ok, fault, auth_failed, bad_request)',
      labelNames: ['onvif_service', 'operation', 'outcome'],
      registers,
    });
    this.latency = new Histogram({
      name: 'desk_onvif_soap_request_seconds',
      help: 'Time from the last byte of a SOAP request to its response, effects included',
      labelNames: ['onvif_service', 'operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    this.authFailures = new Counter({
      name: 'desk_onvif_auth_failures_total',
      help: 'Refused credentials by reason',
      labelNames: ['reason'],
      registers,
    });
    this.listenersOpen = new Gauge({
      name: 'desk_onvif_listeners_open',
      help: 'Camera ONVIF listeners accepting connections',
      registers,
    });
    this.bindFailures = new Counter({
      name: 'desk_onvif_listener_bind_failures_total',
      help: 'Camera ports that could not be bound (reported to the registry)',
      registers,
    });
    this.snapshots = new Counter({
      name: 'desk_onvif_snapshots_total',
      help: 'Snapshot requests by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.usersGenerated = new Counter({
      name: 'desk_onvif_users_generated_total',
      help: 'Administrators created with a generated password',
      registers,
    });
    this.httpRejected = new Counter({
      name: 'desk_onvif_http_rejected_total',
      help: 'Requests refused before SOAP processing (413 too large, 405 wrong method, 404 unknown path)',
      labelNames: ['status'],
      registers,
    });
    new Gauge({
      name: 'desk_onvif_nonce_cache_entries',
      help: 'UsernameToken nonces remembered against replay',
      registers,
      collect() {
        this.set(nonces.size);
      },
    });
    new Gauge({
      name: 'desk_onvif_unreadable_user_entries',
      help: 'KV users entries that failed their schema or their seal (a wrong ONVIF_USERS_KEY shows here)',
      registers,
      collect() {
        this.set(users.invalidEntries);
      },
    });
    new Counter({
      name: 'desk_onvif_user_change_retries_total',
      help: 'User changes written again because another change of the same camera won the compare-and-set',
      registers,
      collect() {
        this.reset();
        this.inc(users.casRetries);
      },
    });
    new Counter({
      name: 'desk_onvif_replay_cache_refusals_total',
      help: 'Requests refused because the replay cache was full of live nonces (raise ONVIF_NONCE_CACHE_SIZE)',
      registers,
      collect() {
        this.reset();
        this.inc(nonces.refusedFull + digest.refusedFull);
      },
    });
    new Counter({
      name: 'desk_onvif_envelope_shapes_total',
      help: 'Request bodies looked up among the shapes of answered ones (envelope.shapes.ts): hit (not parsed) or miss (parsed), and shapes learnt',
      labelNames: ['result'],
      registers,
      collect() {
        this.reset();
        this.inc({ result: 'hit' }, shapes.counts.hits);
        this.inc({ result: 'miss' }, shapes.counts.misses);
        this.inc({ result: 'learnt' }, shapes.counts.learned);
      },
    });
  }

  /** One SOAP request answered: counted by service, operation and outcome, and timed. */
  soapAnswered(service: string, operation: string, outcome: string, seconds: number): void {
    // Operation names come from the catalogue or are 'unknown': the set of keys stays small.
    const key = `${service} ${operation} ${outcome}`;
    let series = this.answered.get(key);
    if (!series) {
      series = {
        count: this.requests.labels({ onvif_service: service, operation, outcome }),
        time: this.latency.labels({ onvif_service: service, operation }),
      };
      this.answered.set(key, series);
    }
    series.count.inc();
    series.time.observe(seconds);
  }
}
