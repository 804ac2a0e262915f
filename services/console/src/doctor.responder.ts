import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { ConsoleRequests, decodeRequest, encodeJson, toErrorBody } from '@desk-onvif/contracts';
import { NATS_CONNECTION } from '@desk-onvif/service-kit';
import { CONSOLE_CONFIG, type ConsoleConfig } from './config.js';
import { DoctorService } from './doctor.service.js';
import { ConsoleError } from './errors.js';

/**
 * `console.doctor` over NATS (queue group `console`): the admin CLI's `doctor <camera>` runs the
 * same checks as the browser, with the console's live view of heartbeats and port moves.
 */
@Injectable()
export class DoctorResponder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('doctor');
  private sub: Subscription | undefined;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    private readonly doctor: DoctorService,
  ) {}

  onModuleInit(): void {
    const contract = ConsoleRequests.doctor;
    this.sub = this.nc.subscribe(contract.subject, {
      queue: 'console',
      callback: (err, msg) => {
        if (err) return;
        void (async () => {
          try {
            const { id } = decodeRequest(contract, msg.data);
            const endpoints = {
              cameraHost: this.config.CAMERA_HOST ?? hostname(),
              rtspPort: this.config.RTSP_PORT,
            };
            msg.respond(encodeJson({ ok: true, ...(await this.doctor.diagnose(id, endpoints)) }));
          } catch (e) {
            const body =
              e instanceof ConsoleError
                ? { code: e.code, message: e.message }
                : (this.logUnexpected(e), toErrorBody(e));
            msg.respond(encodeJson({ ok: false, error: body }));
          }
        })();
      },
    });
  }

  private logUnexpected(e: unknown): void {
    if (!(e instanceof Error && 'code' in e)) this.logger.error(e);
  }

  onApplicationShutdown(): void {
    this.sub?.unsubscribe();
  }
}
