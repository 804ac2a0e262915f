import { Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Buckets, roleInboxPrefix } from '@desk-onvif/contracts';
import {
  HEALTH_CHECKS,
  METRICS_REGISTRY,
  ObservabilityController,
  RPC_ERROR_HOOK,
  type RpcErrorHook,
  NATS_CONNECTION,
  natsConnectionProviders,
  natsHealthCheck,
  natsSettingsOf,
  createMetricsRegistry,
  openBucket,
  watchBucket,
  type HealthCheck,
} from '@desk-onvif/service-kit';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Registry } from 'prom-client';
import { AccountPublisher } from './account.publisher.js';
import { CameraStore } from './camera.store.js';
import { ENROLMENT, EnrolmentController } from './enrolment.controller.js';
import { EnrolmentService } from './enrolment.service.js';
import { EnrolmentStore } from './enrolment.store.js';
import { loadTrustMaterial } from './trust.material.js';
import { CameraView } from './camera.view.js';
import { REGISTRY_CONFIG, type RegistryConfig } from './config.js';
import { PresenceService } from './presence.service.js';
import { RegistryController } from './registry.controller.js';
import { RegistryMetrics } from './registry.metrics.js';
import { Clock, EventPublisher } from './registry.ports.js';
import { RegistryService } from './registry.service.js';

/**
 * Enrolment's state and the account's revocations: at start, the whole revocation list in KV is
 * pushed to nats-server again (it survives a restart of either), retried until it is accepted.
 */
class RevocationSync implements OnModuleInit, OnApplicationShutdown {
  private stopped = false;
  constructor(
    private readonly enrolment: EnrolmentService | null,
    private readonly publisher: AccountPublisher | null,
  ) {}
  onModuleInit(): void {
    if (!this.enrolment) return;
    const enrolment = this.enrolment;
    void (async () => {
      for (let delay = 250; !this.stopped; delay = Math.min(delay * 2, 10_000)) {
        try {
          const count = await enrolment.pushRevocations();
          console.log(JSON.stringify({ level: 'info', context: 'trust', msg: 'revocations pushed', count }));
          return;
        } catch (err) {
          console.error(
            JSON.stringify({
              level: 'warn',
              context: 'trust',
              msg: 'revocations not pushed yet',
              err: String(err),
            }),
          );
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    })();
  }
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.publisher?.close();
  }
}

/** Keeps the view current with two bucket watches for the life of the app. */
class ViewWatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly abort = new AbortController();
  constructor(
    private readonly store: CameraStore,
    private readonly view: CameraView,
  ) {}
  onModuleInit(): void {
    const onError = (err: unknown) =>
      console.error(
        JSON.stringify({ level: 'warn', context: 'view', msg: 'watch restarting', err: String(err) }),
      );
    void watchBucket(
      this.store.cameras,
      { onEntry: (e) => this.view.applyCamera(e), onReset: () => this.view.cameras.clear() },
      this.abort.signal,
      onError,
    );
    void watchBucket(
      this.store.ports,
      { onEntry: (e) => this.view.applyClaim(e), onReset: () => this.view.claims.clear() },
      this.abort.signal,
      onError,
    );
  }
  onApplicationShutdown(): void {
    this.abort.abort();
  }
}

@Module({})
export class RegistryModule {
  static forRoot(config: RegistryConfig): DynamicModule {
    const trust = loadTrustMaterial(config);
    return {
      module: RegistryModule,
      controllers: [RegistryController, EnrolmentController, ObservabilityController],
      providers: [
        { provide: REGISTRY_CONFIG, useValue: config },
        ...natsConnectionProviders(natsSettingsOf(config, 'port-registry', roleInboxPrefix('registry'))),
        {
          provide: CameraStore,
          inject: [NATS_CONNECTION],
          useFactory: async (nc: NatsConnection) => {
            const opts = { create: true, replicas: config.KV_REPLICAS };
            return new CameraStore(
              await openBucket(nc, Buckets.cameras, { ...opts, history: 5 }),
              await openBucket(nc, Buckets.ports, opts),
            );
          },
        },
        {
          provide: EventPublisher,
          inject: [NATS_CONNECTION],
          useFactory: (nc: NatsConnection) => new EventPublisher(nc),
        },
        { provide: METRICS_REGISTRY, useFactory: () => createMetricsRegistry('port-registry') },
        { provide: CameraView, useFactory: () => new CameraView() },
        {
          provide: RegistryMetrics,
          inject: [METRICS_REGISTRY, CameraView],
          useFactory: (registry: Registry, view: CameraView) =>
            new RegistryMetrics(registry, view, config.PORT_RANGE),
        },
        {
          provide: HEALTH_CHECKS,
          inject: [NATS_CONNECTION, CameraStore],
          useFactory: (nc: NatsConnection, store: CameraStore): HealthCheck[] => [
            natsHealthCheck(nc),
            { name: 'kv', check: async () => `${(await store.cameras.status()).values} cameras` },
          ],
        },
        {
          provide: RPC_ERROR_HOOK,
          inject: [RegistryMetrics],
          useFactory:
            (metrics: RegistryMetrics): RpcErrorHook =>
            (code, subject) => {
              if (code === 'INVALID_REQUEST') metrics.invalidRequests.inc({ subject });
            },
        },
        {
          provide: AccountPublisher,
          useFactory: () =>
            trust
              ? new AccountPublisher(
                  trust,
                  config.NATS_URL.split(',').map((u) => u.trim()),
                  config.NATS_CA,
                )
              : null,
        },
        {
          provide: ENROLMENT,
          inject: [NATS_CONNECTION, AccountPublisher, Clock],
          useFactory: async (nc: NatsConnection, publisher: AccountPublisher | null, clock: Clock) => {
            if (!trust || !publisher) return null;
            const opts = { create: true, replicas: config.KV_REPLICAS };
            const store = new EnrolmentStore(
              await openBucket(nc, Buckets.enrolments, opts),
              await openBucket(nc, Buckets.bindings, opts),
            );
            return new EnrolmentService(store, trust, publisher, clock);
          },
        },
        {
          provide: RevocationSync,
          inject: [ENROLMENT, AccountPublisher],
          useFactory: (e: EnrolmentService | null, p: AccountPublisher | null) => new RevocationSync(e, p),
        },
        Clock,
        RegistryService,
        PresenceService,
        {
          provide: ViewWatcher,
          inject: [CameraStore, CameraView],
          useFactory: (s: CameraStore, v: CameraView) => new ViewWatcher(s, v),
        },
      ],
    };
  }
}
