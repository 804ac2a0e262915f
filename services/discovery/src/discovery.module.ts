import { Module, type DynamicModule } from '@nestjs/common';
import { Buckets, roleInboxPrefix } from '@desk-onvif/contracts';
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
  type HealthCheck,
} from '@desk-onvif/service-kit';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Registry } from 'prom-client';
import { Announcer } from './announcer.js';
import { CameraDirectory } from './camera.directory.js';
import { DISCOVERY_CONFIG, type DiscoveryConfig } from './config.js';
import { DiscoveryMetrics } from './discovery.metrics.js';
import { DiscoveryResponder } from './discovery.responder.js';
import { DiscoveryRuntime } from './discovery.runtime.js';
import { DiscoverySocket } from './discovery.socket.js';
import { claimedProfiles, DEFAULT_FEATURES } from '@desk-onvif/onvif-soap';
import { MessageDedup } from './message.dedup.js';
import { MessageSequence } from './message.sequence.js';
import { allowedNetworks, type ListenAddress } from './network.interfaces.js';
import { RateLimiter } from './rate.limiter.js';
import { ReplyBudget } from './reply.budget.js';
import { ReplyScheduler } from './reply.scheduler.js';

const CAMERAS_KV = Symbol('CAMERAS_KV');

/** The discovery service: no NATS handlers, a KV watch in, UDP out, /metrics and /healthz. */
@Module({})
export class DiscoveryModule {
  static forRoot(config: DiscoveryConfig, listening: ListenAddress[]): DynamicModule {
    const directory = new CameraDirectory(
      // The onvif service's claims for the same features: GetScopes and discovery announce one
      // list, built by cameraScopes.
      claimedProfiles({ ...DEFAULT_FEATURES, https: config.ONVIF_HTTPS }),
    );
    const limiter = new RateLimiter(
      config.RATE_LIMIT_PER_S,
      config.RATE_LIMIT_BURST,
      config.MAX_TRACKED_SOURCES,
    );
    const budget = new ReplyBudget(
      config.REPLY_BYTES_PER_S,
      config.REPLY_BYTES_BURST,
      config.REPLY_MAX_DEFER_MS,
      config.MAX_TRACKED_SOURCES,
    );
    const dedup = new MessageDedup(config.DEDUP_SIZE, config.DEDUP_TTL_MS);
    const scheduler = new ReplyScheduler(config.MAX_PENDING_REPLIES);
    const socket = new DiscoverySocket(
      config.PORT,
      listening.map((l) => l.address),
      config.RECV_BUFFER_BYTES,
    );
    const sequence = new MessageSequence(Date.now());
    return {
      module: DiscoveryModule,
      controllers: [ObservabilityController],
      providers: [
        { provide: DISCOVERY_CONFIG, useValue: config },
        ...natsConnectionProviders(natsSettingsOf(config, 'discovery', roleInboxPrefix('discovery'))),
        {
          provide: CAMERAS_KV,
          inject: [NATS_CONNECTION],
          // Bound, not created: the registry owns the bucket; the watch retries until it exists.
          useFactory: (nc: NatsConnection) => openBucket(nc, Buckets.cameras, { create: false }),
        },
        { provide: METRICS_REGISTRY, useFactory: () => createMetricsRegistry('discovery') },
        {
          provide: DiscoveryMetrics,
          inject: [METRICS_REGISTRY],
          useFactory: (registry: Registry) =>
            new DiscoveryMetrics(registry, {
              announced: () => directory.size,
              pendingReplies: () => scheduler.size,
              trackedSources: () => limiter.size,
              rememberedMessageIds: () => dedup.size,
            }),
        },
        {
          provide: DiscoveryRuntime,
          inject: [CAMERAS_KV, DiscoveryMetrics],
          useFactory: (kv: KV, metrics: DiscoveryMetrics) => {
            const responder = new DiscoveryResponder({
              settings: {
                maxDatagramBytes: config.MAX_DATAGRAM_BYTES,
                replyMaxDelayMs: config.REPLY_MAX_DELAY_MS,
                publicHost: config.PUBLIC_HOST,
              },
              directory,
              listening,
              allowed: allowedNetworks(config.ALLOWED_NETWORKS, listening),
              limiter,
              budget,
              dedup,
              scheduler,
              sequence,
              socket,
              metrics,
              now: () => Date.now(),
              random: Math.random,
            });
            const announcer = new Announcer(socket, listening, config.PUBLIC_HOST, sequence, metrics);
            return new DiscoveryRuntime(kv, socket, responder, directory, announcer, scheduler, metrics);
          },
        },
        {
          provide: HEALTH_CHECKS,
          inject: [NATS_CONNECTION],
          useFactory: (nc: NatsConnection): HealthCheck[] => [
            natsHealthCheck(nc),
            {
              name: 'udp',
              check: () =>
                socket.isOpen
                  ? `port ${config.PORT} on ${listening.map((l) => l.address).join(', ')}`
                  : Promise.reject(new Error('socket closed')),
            },
            { name: 'cameras', check: () => `${directory.size} announced` },
          ],
        },
      ],
    };
  }
}
