import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { CameraRecord } from '@desk-onvif/contracts';
import {
  buildFault,
  CONTENT_TYPE,
  Faults,
  MAX_SHAPE_CHARS,
  SoapFault,
  buildResponse,
  type CameraFeatures,
  type DeviceIdentity,
  type DigestAuthority,
  type Endpoint,
  type EnvelopeReader,
  type SoapEndpoint,
  type SoapExchange,
  type SoapHttpRequest,
  type SoapRequest,
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

type SoapBody = SoapHttpRequest['body'];

/** A chunk of the body is decoded and parsed this much at a time (ONVIF requests fit in one). */
const PARSE_SLICE_BYTES = 4096;

/** Past this much, an oversized body is not even read to its end. */
const DRAIN_LIMIT_BYTES = 32 * 1024 * 1024;

const HOST_HEADER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/;

/**
 * The HTTP side of one camera's endpoint: SOAP on POST (any path: dispatch is by namespace, and
 * clients use /onvif/device_service, /onvif/media_service…), the snapshot on GET /onvif/snapshot.
 * The body is limited before it is read; everything else is SoapEndpoint's.
 */
export class OnvifHttp {
  private readonly logger = new Logger('onvif-http');
  /** Each keep-alive connection's envelope reader, reused from one request to the next. */
  private readonly readers = new WeakMap<Socket, EnvelopeReader>();
  private readonly snapshots: SnapshotHttp;
  private readonly replies = new ReplyBatch((err) =>
    this.logger.error({ msg: 'reply not written', err: String(err) }),
  );
  constructor(private readonly d: OnvifHttpDeps) {
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
    this.readBody(req, res, (body) => {
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
   * Reads the body up to MAX_BODY_BYTES, parsing it as it arrives (EnvelopeReader), so that a
   * hostile body is refused at the slice that breaks a limit: the fault goes out at once, the
   * connection closes after it and the rest is neither parsed nor read. A body over MAX_BODY_BYTES
   * is not kept: the rest is read and dropped so that the client, still sending, gets its 413
   * rather than a reset; past DRAIN_LIMIT_BYTES the connection is cut.
   */
  private readBody(req: IncomingMessage, res: ServerResponse, done: (body: SoapBody) => void): void {
    const max = this.d.config.MAX_BODY_BYTES;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > DRAIN_LIMIT_BYTES) return this.tooLarge(res, true);
    // No SOAP content type: nothing to parse; SoapEndpoint answers 415 once the body is in. A body
    // announced larger than the limit is not parsed either: it gets its 413.
    const socket = req.socket;
    const reader =
      declared > max
        ? undefined
        : this.d.endpoint.reader(req.headers['content-type'], this.readers.get(socket));
    // Kept for the connection's next request only once this one has been read whole.
    this.readers.delete(socket);
    // Made when the parser is needed: a body of a known shape never is.
    let decoder: StringDecoder | undefined;
    let size = 0;
    let refused = false;
    const refuse = (err: unknown) => {
      refused = true;
      res.shouldKeepAlive = false;
      // Read nothing more of it (libuv would go on reading what the client keeps sending): the
      // connection closes once the fault is out, the unread rest is the kernel's to drop.
      socket.pause();
      done({ refused: err instanceof SoapFault ? err : Faults.internal() });
    };
    let shaped: SoapRequest | undefined;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (refused) return;
      // A whole body in one chunk, of a shape answered before: no parsing (envelope.shapes.ts).
      // latin1 decodes ASCII as UTF-8 does, and shapes are ASCII; any other body finds none.
      if (size === declared && size === chunk.length && size <= MAX_SHAPE_CHARS && reader) {
        shaped = this.d.endpoint.shaped(req.headers['content-type'], chunk.toString('latin1'));
        if (shaped) return;
      }
      if (size > DRAIN_LIMIT_BYTES) {
        req.removeAllListeners('data');
        this.tooLarge(res, true);
      } else if (size <= max && reader) {
        try {
          // In slices: a request refused part way costs one slice's decoding and parsing, not the
          // rest of a 64 KB chunk.
          decoder ??= new StringDecoder('utf8');
          for (let at = 0; at < chunk.length; at += PARSE_SLICE_BYTES) {
            reader.write(decoder.write(chunk.subarray(at, at + PARSE_SLICE_BYTES)));
          }
        } catch (err) {
          refuse(err);
        }
      }
    });
    req.on('end', () => {
      if (refused) return;
      if (size > max) {
        if (size <= DRAIN_LIMIT_BYTES) this.tooLarge(res, false);
        return;
      }
      if (!reader) return done('');
      if (shaped) {
        // The reader, unused, stays the connection's.
        this.readers.set(socket, reader);
        return done({ envelope: shaped });
      }
      let envelope: SoapRequest;
      try {
        if (decoder) reader.write(decoder.end());
        envelope = reader.end();
      } catch (err) {
        return refuse(err);
      }
      this.readers.set(socket, reader);
      done({ envelope, shape: reader.shapeSource() });
    });
    req.on('error', () => res.destroy());
  }

  /** 413 with a SOAP fault (SOAP 1.2 Part 2 §7.5.2.2); the connection closes after it. */
  private tooLarge(res: ServerResponse, cut: boolean): void {
    this.d.metrics.httpRejected.inc({ status: '413' });
    const fault = Faults.wellFormed(`request body larger than ${this.d.config.MAX_BODY_BYTES} bytes`);
    res.shouldKeepAlive = false;
    res.writeHead(413, { 'Content-Type': CONTENT_TYPE['1.2'], Connection: 'close' });
    res.end(buildFault('1.2', fault), () => {
      if (cut) res.socket?.destroy();
    });
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
