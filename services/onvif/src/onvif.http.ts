import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { CameraRecord } from '@desk-onvif/contracts';
import {
  Faults,
  SoapFault,
  buildResponse,
  type CameraFeatures,
  type DeviceIdentity,
  type DigestAuthority,
  type Endpoint,
  type SoapEndpoint,
  type SoapExchange,
} from '@desk-onvif/onvif-soap';
import { GUESSES, sleep, type AuthGuard } from './auth.guard.js';
import { isTls } from './camera.server.js';
import type { CameraEffects } from './camera.effects.js';
import type { OnvifConfig } from './config.js';
import type { EventService } from './event.service.js';
import type { OnvifMetrics } from './onvif.metrics.js';
import type { ProfileBook } from './profile.book.js';
import { ReplyBatch } from './reply.batch.js';
import { SnapshotHttp } from './snapshot.http.js';
import { SoapBodyReader, type SoapBody } from './soap.body.js';
import type { UserStore } from './user.store.js';

export interface OnvifHttpDeps {
  config: OnvifConfig;
  endpoint: SoapEndpoint;
  digest: DigestAuthority;
  users: UserStore;
  profiles: ProfileBook;
  effects: CameraEffects;
  events: EventService;
  features: CameraFeatures;
  metrics: OnvifMetrics;
  nc: NatsConnection;
  device: DeviceIdentity;
  guard: AuthGuard;
}

const HOST_HEADER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/;

/**
 * The HTTP side of one camera's endpoint: SOAP on POST (any path: dispatch is by namespace, and
 * clients use /onvif/device_service, /onvif/media_service…), the snapshot on GET /onvif/snapshot.
 * The body is read and limited by SoapBodyReader; everything else is SoapEndpoint's.
 */
export class OnvifHttp {
  private readonly logger = new Logger('onvif-http');
  private readonly bodies: SoapBodyReader;
  private readonly snapshots: SnapshotHttp;
  private readonly replies = new ReplyBatch((err) =>
    this.logger.error({ msg: 'reply not written', err: String(err) }),
  );
  constructor(private readonly d: OnvifHttpDeps) {
    this.bodies = new SoapBodyReader(d);
    this.snapshots = new SnapshotHttp(d);
  }

  handle(camera: CameraRecord, req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/onvif/snapshot') {
      this.snapshots.handle(camera, req, res).catch((err: unknown) => this.failed(camera, res, err));
      return;
    }
    if (req.method !== 'POST') {
      this.d.metrics.httpRejected.inc({ status: '405' });
      res
        .writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain' })
        .end('ONVIF endpoints take SOAP over POST\n');
      return;
    }
    this.bodies.read(req, res, (body) => {
      try {
        this.soap(camera, req, res, body);
      } catch (err) {
        this.failed(camera, res, err);
      }
    });
  }

  /** Last resort: a request must never become an unhandled rejection, which would end the process. */
  private failed(camera: CameraRecord, res: ServerResponse, err: unknown): void {
    this.logger.error({ msg: 'request failed', cameraId: camera.id, err: String(err) });
    res.destroy();
  }

  /**
   * Answers a SOAP request. Most answers are built in this tick and go out with the turn's other
   * replies (ReplyBatch); an effect (a setting, a user, an event subscription) is awaited first.
   */
  private soap(camera: CameraRecord, req: IncomingMessage, res: ServerResponse, body: SoapBody): void {
    const started = performance.now();
    const now = new Date();
    const endpoint = this.endpointOf(camera, req);
    let exchange: SoapExchange;
    let delayMs = 0;
    try {
      exchange = this.d.endpoint.handle(
        {
          method: 'POST',
          uri: req.url ?? '/',
          contentType: req.headers['content-type'],
          authorization: req.headers.authorization,
          body,
        },
        {
          camera,
          users: this.d.users.usersOf(camera.id),
          extraProfiles: this.d.profiles.of(camera.id),
          endpoint,
          device: this.d.device,
          features: this.d.features,
          now,
          secure: isTls(req),
        },
      );
      const throttled = this.throttle(camera, req, exchange);
      exchange = throttled.exchange;
      delayMs = throttled.delayMs;
    } catch (err) {
      exchange = this.internalFault(camera, err);
    }
    if (!exchange.effect) return this.answer(camera, res, exchange, delayMs, started);
    this.withEffect(camera, req, res, exchange, { ...endpoint, now }).then(
      (done) => this.answer(camera, res, done, delayMs, started),
      (err: unknown) => this.failed(camera, res, err),
    );
  }

  private internalFault(camera: CameraRecord, err: unknown): SoapExchange {
    this.logger.error({ msg: 'request failed', cameraId: camera.id, err: String(err) });
    return this.d.endpoint.fault(
      '1.2',
      Faults.internal(),
      { service: 'unknown', operation: 'unknown' },
      'fault',
    );
  }

  /** The effect an answered request asks for (an event service request's, or a change), then its answer. */
  private async withEffect(
    camera: CameraRecord,
    req: IncomingMessage,
    res: ServerResponse,
    exchange: SoapExchange,
    endpoint: { host: string; port: number; now: Date },
  ): Promise<SoapExchange> {
    const effect = exchange.effect!;
    if (effect.kind === 'events') return this.events(camera, req, res, exchange, effect.command, endpoint);
    try {
      await this.d.effects.run(camera, effect);
      this.logger.log({
        msg: 'camera changed',
        cameraId: camera.id,
        operation: exchange.operation,
        by: exchange.caller?.username,
      });
      return exchange;
    } catch (err) {
      const fault = err instanceof SoapFault ? err : Faults.internal();
      if (!(err instanceof SoapFault))
        this.logger.error({
          msg: 'effect failed',
          cameraId: camera.id,
          operation: exchange.operation,
          err: String(err),
        });
      return this.d.endpoint.fault(
        exchange.version,
        fault,
        { service: exchange.service, operation: exchange.operation },
        'fault',
      );
    }
  }

  /** Counts and times the answer, then sends it: late when it refuses a wrong password (throttle). */
  private answer(
    camera: CameraRecord,
    res: ServerResponse,
    exchange: SoapExchange,
    delayMs: number,
    started: number,
  ): void {
    if (exchange.authFailure) {
      this.d.metrics.authFailures.inc({ reason: exchange.authFailure });
      this.logger.debug({
        msg: 'not authorized',
        cameraId: camera.id,
        operation: exchange.operation,
        reason: exchange.authFailure,
      });
    }
    this.d.metrics.soapAnswered(
      exchange.service,
      exchange.operation,
      exchange.outcome,
      (performance.now() - started) / 1000,
    );
    const { status, headers, body } = exchange;
    if (delayMs > 0) void sleep(delayMs).then(() => this.replies.send(res, status, headers, body));
    else this.replies.send(res, status, headers, body);
  }

  /** An event service request: answered from the subscriptions, a PullMessages may wait. */
  private async events(
    camera: CameraRecord,
    req: IncomingMessage,
    res: ServerResponse,
    exchange: SoapExchange,
    command: Parameters<EventService['run']>[0],
    endpoint: { host: string; port: number; now: Date },
  ): Promise<SoapExchange> {
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    try {
      const body = await this.d.events.run(command, {
        cameraId: camera.id,
        uri: req.url ?? '/',
        host: endpoint.host,
        port: endpoint.port,
        now: endpoint.now,
        signal: gone.signal,
      });
      return { ...exchange, body: buildResponse(exchange.version, body) };
    } catch (err) {
      if (!(err instanceof SoapFault))
        this.logger.error({ msg: 'event request failed', cameraId: camera.id, err: String(err) });
      return this.d.endpoint.fault(
        exchange.version,
        err instanceof SoapFault ? err : Faults.internal(),
        { service: exchange.service, operation: exchange.operation },
        'fault',
      );
    }
  }

  /**
   * Password guessing (auth.throttle.ts): a request whose credentials were looked at is refused
   * while its address or user is locked out, whatever the password; a wrong one is answered late.
   * PRE_AUTH operations and requests without credentials are not concerned.
   */
  private throttle(
    camera: CameraRecord,
    req: IncomingMessage,
    exchange: SoapExchange,
  ): { exchange: SoapExchange; delayMs: number } {
    const username = exchange.caller?.username ?? exchange.claimedUser;
    if (username === undefined) return { exchange, delayMs: 0 };
    const source = req.socket.remoteAddress ?? '';
    const check = this.d.guard.check('soap', source, camera.id, username);
    if (check.locked) {
      const retryS = Math.ceil(check.retryAfterMs / 1000);
      const refused = this.d.endpoint.fault(
        exchange.version,
        Faults.notAuthorized(`too many wrong passwords: locked out, retry in ${retryS} s`),
        exchange,
        'auth_failed',
      );
      refused.headers['Retry-After'] = String(retryS);
      return { exchange: { ...refused, authFailure: 'throttled' }, delayMs: 0 };
    }
    if (exchange.authFailure && GUESSES.has(exchange.authFailure))
      return { exchange, delayMs: this.d.guard.failed('soap', source, camera.id, username) };
    if (exchange.caller) this.d.guard.succeeded(source, camera.id, username);
    return { exchange, delayMs: 0 };
  }

  /** Where clients reach this camera: the configured public host, else the host they used. */
  private endpointOf(camera: CameraRecord, req: IncomingMessage): Endpoint {
    const c = this.d.config;
    const host = c.PUBLIC_HOST ?? hostOf(req.headers.host) ?? req.socket.localAddress ?? '127.0.0.1';
    const endpoint: Endpoint = {
      host,
      port: camera.onvifPort,
      mediaHost: c.MEDIA_HOST ?? host,
      rtspPort: c.RTSP_PORT,
      tls: c.TLS_CERT !== undefined,
    };
    if (c.RTSPS_PORT !== undefined) endpoint.rtspsPort = c.RTSPS_PORT;
    return endpoint;
  }
}

function hostOf(header: string | undefined): string | undefined {
  if (!header || !HOST_HEADER.test(header)) return undefined;
  const host = header.startsWith('[') ? header.slice(1, header.indexOf(']')) : header.split(':')[0];
  return host || undefined;
}
