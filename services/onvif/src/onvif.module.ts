import { randomBytes } from 'node:crypto';
import cluster from 'node:cluster';
import { Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { Buckets, roleInboxPrefix } from '@desk-onvif/contracts';
import { DEFAULT_PARSE_LIMITS, DigestAuthority, NonceCache, SoapEndpoint } from '@desk-onvif/onvif-soap';
import {
  HEALTH_CHECKS,
  METRICS_REGISTRY,
  ObservabilityController,
  NATS_CONNECTION,
  natsConnectionProviders,
  natsHealthCheck,
  natsSettingsOf,
  createMetricsRegistry,
  openBucket,
  watchBucket,
  type HealthCheck,
} from '@desk-onvif/service-kit';
import type { Registry } from 'prom-client';
import { AuthGuard } from './auth.guard.js';
import { CameraEffects } from './camera.effects.js';
import { CameraListeners } from './camera.listeners.js';
import { EventSystem } from './event.system.js';
import { cameraTlsOf, ONVIF_CONFIG, throttlePolicyOf, type OnvifConfig } from './config.js';
import { CamerasBucket, CredentialsService } from './credentials.service.js';
import { MediaAuthController } from './media-auth.controller.js';
import { OnvifController } from './onvif.controller.js';
import { clusterWideMetrics, workerBus } from './onvif.cluster.js';
import { OnvifHttp } from './onvif.http.js';
import { OnvifMetrics } from './onvif.metrics.js';
import { PasswordSealer } from './password.sealer.js';
import { ProfileBook } from './profile.book.js';
import { UserAdmin } from './user.admin.js';
import { UserStore } from './user.store.js';

const VERSION = '0.1.0';

/** Follows KV `users`, `profiles` and then KV `cameras` for the life of the app; closes everything on shutdown. */
class Watchers implements OnModuleInit, OnApplicationShutdown {
  private readonly abort = new AbortController();
  private readonly logger = new Logger('watch');
  constructor(
    private readonly users: UserStore,
    private readonly cameras: CamerasBucket,
    private readonly listeners: CameraListeners,
    private readonly events: EventSystem,
    private readonly profiles: ProfileBook,
  ) {}
  onModuleInit(): void {
    this.events.start((id) => this.listeners.camera(id));
    this.users
      .migrateLegacy()
      .then((moved) => {
        if (moved > 0) this.logger.log({ msg: 'ONVIF users moved into one set per camera', moved });
      })
      .catch((err: unknown) =>
        this.logger.error({ msg: 'could not move the former user keys', err: String(err) }),
      );
    const onError = (bucket: string) => (err: unknown) =>
      this.logger.warn({ msg: 'watch restarting', bucket, err: String(err) });
    void watchBucket(
      this.users.kv,
      { onEntry: (e) => this.users.apply(e), onReset: () => this.users.reset() },
      this.abort.signal,
      onError(Buckets.users),
    );
    const book = this.events.book;
    if (book)
      void watchBucket(
        book.kv,
        { onEntry: (e) => book.apply(e) },
        this.abort.signal,
        onError(Buckets.eventSubscriptions),
      );
    void watchBucket(
      this.profiles.kv,
      { onEntry: (e) => this.profiles.apply(e), onReset: () => this.profiles.reset() },
      this.abort.signal,
      onError(Buckets.profiles),
    );
    // A reset keeps the listeners: the current records that follow move or keep each one.
    void watchBucket(
      this.cameras.kv,
      { onEntry: (e) => this.listeners.apply(e) },
      this.abort.signal,
      onError(Buckets.cameras),
    );
  }
  onApplicationShutdown(): void {
    this.abort.abort();
    this.events.stop();
    this.listeners.closeAll();
  }
}

/**
 * KV `event-subscriptions`, whose age limit is the longest termination granted (a minute more): an
 * entry is written again on every renewal, so one past it is a subscription nobody kept alive. A
 * bucket made with another limit (ONVIF_EVENTS_MAX_TERMINATION_MS changed) is opened as it is.
 */
async function subscriptionBucket(nc: NatsConnection, config: OnvifConfig) {
  try {
    return await openBucket(nc, Buckets.eventSubscriptions, {
      create: true,
      replicas: config.KV_REPLICAS,
      ttlMs: config.EVENTS_MAX_TERMINATION_MS + 60_000,
    });
  } catch (err) {
    new Logger('events').warn({
      msg: 'event-subscriptions bucket opened with its own settings',
      err: String(err),
    });
    return openBucket(nc, Buckets.eventSubscriptions, { create: false });
  }
}

@Module({})
export class OnvifModule {
  static forRoot(config: OnvifConfig): DynamicModule {
    const tls = cameraTlsOf(config);
    return {
      module: OnvifModule,
      controllers: [OnvifController, MediaAuthController, ObservabilityController],
      providers: [
        { provide: ONVIF_CONFIG, useValue: config },
        ...natsConnectionProviders(natsSettingsOf(config, 'onvif', roleInboxPrefix('onvif'))),
        {
          // The registry creates `cameras`; binding does not need it to exist yet (the watch retries).
          provide: CamerasBucket,
          inject: [NATS_CONNECTION],
          useFactory: async (nc: NatsConnection) =>
            new CamerasBucket(await openBucket(nc, Buckets.cameras, { create: false })),
        },
        {
          provide: UserStore,
          inject: [NATS_CONNECTION],
          useFactory: async (nc: NatsConnection) =>
            new UserStore(
              await openBucket(nc, Buckets.users, { create: true, replicas: config.KV_REPLICAS }),
              new PasswordSealer(Buffer.from(config.USERS_KEY, 'base64')),
              () => new Date(),
            ),
        },
        {
          provide: NonceCache,
          // A token's nonce lives until Created + window, and Created may be a window ahead.
          useFactory: () => new NonceCache(config.NONCE_CACHE_SIZE, 2 * config.CREATED_WINDOW_MS),
        },
        {
          provide: DigestAuthority,
          useFactory: () =>
            new DigestAuthority({
              realm: config.DIGEST_REALM,
              secret: randomBytes(32),
              nonceTtlMs: 300_000,
              maxTrackedNonces: config.NONCE_CACHE_SIZE,
            }),
        },
        {
          provide: SoapEndpoint,
          inject: [NonceCache, DigestAuthority],
          useFactory: (nonces: NonceCache, digest: DigestAuthority) =>
            new SoapEndpoint({
              windowMs: config.CREATED_WINDOW_MS,
              allowPasswordText: config.ALLOW_PASSWORD_TEXT,
              requireTls: config.REQUIRE_TLS,
              nonces,
              digest,
              limits: { ...DEFAULT_PARSE_LIMITS, maxDepth: config.MAX_XML_DEPTH },
            }),
        },
        {
          provide: METRICS_REGISTRY,
          // A worker's /metrics answers for every worker (onvif.cluster.ts).
          useFactory: () => {
            const registry = createMetricsRegistry('onvif');
            return cluster.isWorker ? clusterWideMetrics(registry) : registry;
          },
        },
        {
          provide: OnvifMetrics,
          inject: [METRICS_REGISTRY, NonceCache, DigestAuthority, UserStore, SoapEndpoint],
          useFactory: (
            registry: Registry,
            nonces: NonceCache,
            digest: DigestAuthority,
            users: UserStore,
            endpoint: SoapEndpoint,
          ) => new OnvifMetrics(registry, nonces, digest, users, endpoint.shapes),
        },
        {
          provide: ProfileBook,
          inject: [NATS_CONNECTION],
          useFactory: async (nc: NatsConnection) =>
            new ProfileBook(
              await openBucket(nc, Buckets.profiles, { create: true, replicas: config.KV_REPLICAS }),
            ),
        },
        {
          provide: AuthGuard,
          inject: [METRICS_REGISTRY],
          useFactory: (registry: Registry) =>
            new AuthGuard(throttlePolicyOf(config), registry, Date.now, workerBus()),
        },
        {
          provide: CameraEffects,
          inject: [NATS_CONNECTION, UserStore, ProfileBook],
          useFactory: (nc: NatsConnection, users: UserStore, profiles: ProfileBook) =>
            new CameraEffects(nc, users, profiles, config.AGENT_TIMEOUT_MS),
        },
        {
          provide: EventSystem,
          inject: [NATS_CONNECTION, METRICS_REGISTRY],
          useFactory: async (nc: NatsConnection, registry: Registry) =>
            new EventSystem(nc, config, registry, await subscriptionBucket(nc, config)),
        },
        {
          provide: OnvifHttp,
          inject: [
            SoapEndpoint,
            DigestAuthority,
            UserStore,
            ProfileBook,
            CameraEffects,
            OnvifMetrics,
            NATS_CONNECTION,
            EventSystem,
            AuthGuard,
          ],
          useFactory: (
            endpoint: SoapEndpoint,
            digest: DigestAuthority,
            users: UserStore,
            profiles: ProfileBook,
            effects: CameraEffects,
            metrics: OnvifMetrics,
            nc: NatsConnection,
            events: EventSystem,
            guard: AuthGuard,
          ) =>
            new OnvifHttp({
              events: events.service,
              // HTTPS on (ONVIF_TLS_CERT/KEY): Profile T is claimed when its other features are
              // served too (claimedProfiles: Streaming, Media2, imaging).
              features: { https: tls !== undefined, ...EventSystem.features(config) },
              guard,
              config,
              endpoint,
              digest,
              users,
              profiles,
              effects,
              metrics,
              nc,
              device: { manufacturer: config.MANUFACTURER, firmwareVersion: VERSION },
            }),
        },
        {
          provide: CameraListeners,
          inject: [OnvifHttp, NATS_CONNECTION, UserStore, ProfileBook, OnvifMetrics, EventSystem],
          useFactory: (
            http: OnvifHttp,
            nc: NatsConnection,
            users: UserStore,
            profiles: ProfileBook,
            metrics: OnvifMetrics,
            events: EventSystem,
          ) =>
            new CameraListeners(config, http, nc, users, profiles, metrics, tls, (id) =>
              events.cameraClosed(id),
            ),
        },
        {
          provide: Watchers,
          inject: [UserStore, CamerasBucket, CameraListeners, EventSystem, ProfileBook],
          useFactory: (u: UserStore, c: CamerasBucket, l: CameraListeners, e: EventSystem, p: ProfileBook) =>
            new Watchers(u, c, l, e, p),
        },
        CredentialsService,
        UserAdmin,
        {
          provide: HEALTH_CHECKS,
          inject: [NATS_CONNECTION, CameraListeners],
          useFactory: (nc: NatsConnection, listeners: CameraListeners): HealthCheck[] => [
            natsHealthCheck(nc),
            { name: 'listeners', check: () => `${listeners.size} cameras` },
          ],
        },
      ],
    };
  }
}
