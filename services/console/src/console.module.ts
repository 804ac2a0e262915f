import { roleInboxPrefix } from '@desk-onvif/contracts';
import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConsoleBuckets } from '@desk-onvif/contracts';
import {
  HEALTH_CHECKS,
  METRICS_REGISTRY,
  NATS_CONNECTION,
  createMetricsRegistry,
  natsConnectionProviders,
  natsHealthCheck,
  natsSettingsOf,
  openBucket,
  watchBucket,
  type HealthCheck,
} from '@desk-onvif/service-kit';
import { AccountStore } from './account.store.js';
import { AccountsController } from './accounts.controller.js';
import { AuditLog } from './audit.log.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { CameraAdmin } from './camera.admin.js';
import { CamerasController } from './cameras.controller.js';
import { CONSOLE_CONFIG, type ConsoleConfig } from './config.js';
import { DoctorResponder } from './doctor.responder.js';
import { EnrolmentController } from './enrolment.controller.js';
import { DoctorService } from './doctor.service.js';
import { FleetService } from './fleet.service.js';
import { HealthController } from './health.controller.js';
import { HttpErrorFilter } from './http.filter.js';
import { LoginThrottle } from './login.throttle.js';
import { OnvifUsersController } from './onvif-users.controller.js';
import { SessionStore } from './session.store.js';
import { ThumbnailCache } from './thumbnail.cache.js';
import { LiveViews } from './live.view.js';
import { WebController } from './web.controller.js';

const YEAR_MS = 365 * 86_400_000;

class StopWatches implements OnApplicationShutdown {
  constructor(readonly abort: AbortController) {}
  onApplicationShutdown(): void {
    this.abort.abort();
  }
}

/** The console's KV buckets, created on first start (its credential may create only these). */
export async function openConsoleBuckets(
  nc: NatsConnection,
  config: Pick<ConsoleConfig, 'KV_REPLICAS' | 'SESSION_MAX_S'>,
) {
  const replicas = config.KV_REPLICAS;
  const { Kvm } = await import('@nats-io/kv');
  const kvm = new Kvm(nc);
  return {
    accounts: await openBucket(nc, ConsoleBuckets.accounts, { create: true, replicas, history: 5 }),
    sessions: await kvm.create(ConsoleBuckets.sessions, {
      replicas,
      history: 1,
      ttl: config.SESSION_MAX_S * 1000,
    }),
    audit: await kvm.create(ConsoleBuckets.audit, { replicas, history: 1, ttl: YEAR_MS }),
  };
}

@Module({})
export class ConsoleModule {
  static forRoot(config: ConsoleConfig): DynamicModule {
    const abort = new AbortController();
    return {
      module: ConsoleModule,
      controllers: [
        AuthController,
        AccountsController,
        CamerasController,
        EnrolmentController,
        OnvifUsersController,
        WebController,
        HealthController,
      ],
      providers: [
        { provide: CONSOLE_CONFIG, useValue: config },
        ...natsConnectionProviders(natsSettingsOf(config, 'console', roleInboxPrefix('console'))),
        {
          provide: 'BUCKETS',
          inject: [NATS_CONNECTION],
          useFactory: (nc: NatsConnection) => openConsoleBuckets(nc, config),
        },
        {
          provide: AccountStore,
          inject: ['BUCKETS'],
          useFactory: (b: Awaited<ReturnType<typeof openConsoleBuckets>>) => new AccountStore(b.accounts),
        },
        {
          provide: AuditLog,
          inject: ['BUCKETS'],
          useFactory: (b: Awaited<ReturnType<typeof openConsoleBuckets>>) => new AuditLog(b.audit),
        },
        {
          provide: SessionStore,
          inject: ['BUCKETS'],
          useFactory: (b: Awaited<ReturnType<typeof openConsoleBuckets>>) => {
            const store = new SessionStore(b.sessions, {
              idleS: config.SESSION_IDLE_S,
              maxS: config.SESSION_MAX_S,
            });
            void watchBucket(
              b.sessions,
              { onEntry: (e) => store.apply(e), onReset: () => store.reset() },
              abort.signal,
              (err) =>
                console.error(
                  JSON.stringify({
                    level: 'warn',
                    context: 'sessions',
                    msg: 'watch restarting',
                    err: String(err),
                  }),
                ),
            );
            return store;
          },
        },
        {
          provide: LoginThrottle,
          useFactory: () =>
            new LoginThrottle({ maxFailures: config.LOGIN_MAX_FAILURES, lockoutS: config.LOGIN_LOCKOUT_S }),
        },
        { provide: METRICS_REGISTRY, useFactory: () => createMetricsRegistry('console') },
        {
          provide: HEALTH_CHECKS,
          inject: [NATS_CONNECTION],
          useFactory: (nc: NatsConnection): HealthCheck[] => [natsHealthCheck(nc)],
        },
        { provide: StopWatches, useFactory: () => new StopWatches(abort) },
        FleetService,
        CameraAdmin,
        DoctorService,
        DoctorResponder,
        ThumbnailCache,
        LiveViews,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    };
  }
}
