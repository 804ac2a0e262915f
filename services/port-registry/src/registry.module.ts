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
import { CameraStore } from './camera.store.js';
import { CameraView } from './camera.view.js';
import { REGISTRY_CONFIG, type RegistryConfig } from './config.js';
import { PresenceService } from './presence.service.js';
import { RegistryController } from './registry.controller.js';
import { RegistryMetrics } from './registry.metrics.js';
import { Clock, EventPublisher } from './registry.ports.js';
import { RegistryService } from './registry.service.js';

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
    return {
      module: RegistryModule,
      controllers: [RegistryController, ObservabilityController],
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
