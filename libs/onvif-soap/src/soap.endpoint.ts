import { buildFault, buildResponse, CONTENT_TYPE } from './envelope.build.js';
import {
  EnvelopeReader,
  parseEnvelope,
  type ParseLimits,
  type ShapeSource,
  type SoapRequest,
  type SoapVersion,
} from './envelope.parse.js';
import { EnvelopeShapes } from './envelope.shapes.js';
import { parseDigestHeader, type DigestAuthority } from './http-digest.js';
import { Ns } from './namespaces.js';
import {
  mayCall,
  type DeviceIdentity,
  type Effect,
  type CameraFeatures,
  DEFAULT_FEATURES,
  type Endpoint,
  type ExtraProfile,
  type OnvifUserInfo,
  type Operation,
} from './operation.types.js';
import { findOperation, serviceOfNamespace } from './operations.js';
import { Faults, SoapFault } from './soap.fault.js';
import {
  readUsernameToken,
  verifyUsernameToken,
  type AuthFailure,
  type UsernameTokenPolicy,
} from './wsse.auth.js';
import type { CameraRecord } from '@desk-onvif/contracts';

/** A camera's users as the endpoint needs them: who exists, at what level, with which password. */
export interface CameraUsers {
  list: readonly OnvifUserInfo[];
  passwordOf(username: string): string | undefined;
}

export interface SoapHttpRequest {
  method: string;
  /** The request target as sent (path and query): HTTP Digest signs it. */
  uri: string;
  contentType: string | undefined;
  authorization: string | undefined;
  /**
   * The body as text, or as an EnvelopeReader (from `reader()`) has already read it while it
   * arrived: the envelope (with what EnvelopeShapes may learn of it, `shape`), or the fault that
   * refused it part way; or as `shaped()` found it.
   */
  body: string | { envelope: SoapRequest; shape?: ShapeSource | undefined } | { refused: SoapFault };
}

export interface SoapCallContext {
  camera: CameraRecord;
  /** HTTPS, event bounds; DEFAULT_FEATURES when the service says nothing. */
  features?: CameraFeatures;
  users: CameraUsers;
  extraProfiles: readonly ExtraProfile[];
  endpoint: Endpoint;
  device: DeviceIdentity;
  now: Date;
  /** The request came over TLS. */
  secure?: boolean;
}

export type Outcome = 'ok' | 'fault' | 'auth_failed' | 'bad_request';

/** What the HTTP layer sends, and what it must do first (an effect) and count. */
export interface SoapExchange {
  version: SoapVersion;
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  service: string;
  operation: string;
  outcome: Outcome;
  authFailure?: AuthFailure;
  /** The username a refused request claimed (for throttling password guesses per user), if any. */
  claimedUser?: string;
  caller?: OnvifUserInfo;
  effect?: Effect;
}

export interface EndpointPolicy extends UsernameTokenPolicy {
  /** Plain HTTP is refused for everything but PRE_AUTH operations (before any credential is read). */
  requireTls?: boolean;
  digest: DigestAuthority;
  limits: ParseLimits;
}

/** Header blocks this endpoint understands (SOAP 1.2 Part 1 §5.2.3): WS-Security and WS-Addressing. */
const UNDERSTOOD = new Set([
  Ns.wsse,
  'http://www.w3.org/2005/08/addressing',
  'http://schemas.xmlsoap.org/ws/2004/08/addressing',
]);

/**
 * One SOAP request, end to end and without I/O: content type, envelope, dispatch by namespace and
 * local name, authentication (UsernameToken, then HTTP Digest; PRE_AUTH operations need neither,
 * ONVIF Core 5.9.4), the user level, then the operation. Effects are returned for the caller to run.
 */
export class SoapEndpoint {
  /** Envelopes answered before, by their markup: parsed again without the parser. */
  readonly shapes = new EnvelopeShapes();

  constructor(private readonly policy: EndpointPolicy) {}

  /**
   * The request a whole body parses to when it has the shape of one answered before (see
   * envelope.shapes.ts), without parsing it; undefined otherwise: it is then read by `reader()`.
   */
  shaped(contentType: string | undefined, body: string): SoapRequest | undefined {
    return isSoapMedia(mediaOf(contentType)) ? this.shapes.match(body) : undefined;
  }

  /**
   * A reader for a body about to arrive, so that it is parsed (and refused) as it comes; undefined
   * when the content type is no SOAP one: `handle` then refuses it without reading the body.
   * `previous`, the reader of the connection's last request, is reused when it read it whole.
   */
  reader(contentType: string | undefined, previous?: EnvelopeReader): EnvelopeReader | undefined {
    if (!isSoapMedia(mediaOf(contentType))) return undefined;
    return previous?.reset() ? previous : new EnvelopeReader(this.policy.limits);
  }

  handle(req: SoapHttpRequest, ctx: SoapCallContext): SoapExchange {
    const media = mediaOf(req.contentType);
    const declared: SoapVersion = media === 'text/xml' ? '1.1' : '1.2';
    const base = { service: 'unknown', operation: 'unknown' };
    if (!isSoapMedia(media)) {
      const fault = Faults.wellFormed(
        `Content-Type "${media || '(none)'}" is not SOAP: use application/soap+xml`,
      );
      return { ...this.fault(declared, fault, base, 'bad_request'), status: 415 };
    }
    let parsed: SoapRequest;
    let shape: ShapeSource | undefined;
    if (typeof req.body !== 'string') {
      if ('refused' in req.body) return this.fault(declared, req.body.refused, base, 'bad_request');
      parsed = req.body.envelope;
      shape = req.body.shape;
    } else {
      try {
        parsed = parseEnvelope(req.body, this.policy.limits);
      } catch (err) {
        return this.fault(declared, asFault(err), base, 'bad_request');
      }
    }
    const { version, header, operation: opNode } = parsed;
    // SOAP 1.2 Part 2 §7.1.4: application/soap+xml carries SOAP 1.2 only.
    if (media === 'application/soap+xml' && version === '1.1') {
      return this.fault(
        '1.2',
        Faults.versionMismatch('a SOAP 1.1 envelope sent as application/soap+xml'),
        base,
        'bad_request',
      );
    }
    const service = serviceOfNamespace(opNode.ns);
    const op = findOperation(opNode.ns, opNode.local);
    const names = { service, operation: op ? op.name : 'unknown' };
    const misunderstood = header?.children.find(
      (h) =>
        !UNDERSTOOD.has(h.ns) &&
        h.attrs.some((a) => a.local === 'mustUnderstand' && /^(1|true)$/.test(a.value)),
    );
    if (misunderstood) {
      return this.fault(
        version,
        Faults.mustUnderstand(`header block {${misunderstood.ns}}${misunderstood.local} is not understood`),
        names,
        'bad_request',
      );
    }
    if (!op)
      return this.fault(version, Faults.actionNotSupported(`{${opNode.ns}}${opNode.local}`), names, 'fault');
    // Profile T with HTTPS required: over plain HTTP only what a client needs to find its way
    // (PRE_AUTH: the clock, the services and their https XAddrs); no credential is even read.
    if (this.policy.requireTls && ctx.secure !== true && op.access !== 'PRE_AUTH') {
      const exchange = this.fault(
        version,
        Faults.notAuthorized(
          `this camera requires HTTPS: use https://${ctx.endpoint.host}:${ctx.endpoint.port}${req.uri.split('?')[0] ?? ''}`,
        ),
        names,
        'auth_failed',
      );
      exchange.authFailure = 'tls-required';
      return exchange;
    }

    const auth = this.authenticate(req, header, ctx, op);
    if (!auth.ok) {
      if (auth.reason === 'replay-cache-full') {
        // Not the client's fault, and no credential was refused: a Receiver fault to retry later.
        const exchange = this.fault(version, Faults.replayCacheFull(), names, 'fault');
        exchange.authFailure = auth.reason;
        exchange.headers['Retry-After'] = '1';
        return exchange;
      }
      const fault = Faults.notAuthorized();
      const exchange = this.fault(version, fault, names, 'auth_failed');
      exchange.authFailure = auth.reason;
      if (auth.username !== undefined) exchange.claimedUser = auth.username;
      // ONVIF Core 5.9.1: HTTP Digest asks again with 401 and a challenge; WS-Security answers 400.
      if (auth.challenge) {
        exchange.status = 401;
        exchange.headers['WWW-Authenticate'] = this.policy.digest.challenge(
          ctx.now,
          auth.reason === 'stale-nonce',
        );
      }
      return exchange;
    }
    try {
      const result = op.handle({
        camera: ctx.camera,
        features: ctx.features ?? DEFAULT_FEATURES,
        users: ctx.users.list,
        caller: auth.caller,
        extraProfiles: ctx.extraProfiles,
        request: opNode,
        now: ctx.now,
        endpoint: ctx.endpoint,
        device: ctx.device,
      });
      // Answered: its shape is one worth knowing (never that of a request refused).
      if (shape) this.shapes.learn(shape);
      return {
        version,
        status: 200,
        headers: { 'Content-Type': CONTENT_TYPE[version] },
        body: buildResponse(version, result.body),
        ...names,
        outcome: 'ok',
        ...(auth.caller ? { caller: auth.caller } : {}),
        ...(result.effect ? { effect: result.effect } : {}),
      };
    } catch (err) {
      return {
        ...this.fault(version, asFault(err), names, 'fault'),
        ...(auth.caller ? { caller: auth.caller } : {}),
      };
    }
  }

  /** A fault exchange, e.g. when an effect failed after the operation answered. */
  fault(
    version: SoapVersion,
    fault: SoapFault,
    names: { service: string; operation: string },
    outcome: Outcome,
  ): SoapExchange {
    return {
      version,
      // SOAP 1.1 §6.2: every fault is a 500.
      status: version === '1.1' ? 500 : fault.httpStatus,
      headers: { 'Content-Type': CONTENT_TYPE[version] },
      body: buildFault(version, fault),
      // Named, not spread: a whole exchange passed as `names` must not bring its status and body along.
      service: names.service,
      operation: names.operation,
      outcome,
    };
  }

  private authenticate(
    req: SoapHttpRequest,
    header: Parameters<typeof readUsernameToken>[0],
    ctx: SoapCallContext,
    op: Operation,
  ):
    | { ok: true; caller: OnvifUserInfo | undefined }
    | { ok: false; reason: AuthFailure; challenge: boolean; username?: string } {
    const preAuth = op.access === 'PRE_AUTH';
    const token = readUsernameToken(header);
    let username: string | undefined;
    if (token !== undefined) {
      if (token === 'malformed') {
        if (preAuth) return { ok: true, caller: undefined };
        return { ok: false, reason: 'malformed-token', challenge: false };
      }
      const outcome = verifyUsernameToken(token, ctx.users.passwordOf(token.username), ctx.now, this.policy);
      // A client must be able to read the clock (PRE_AUTH) even when its token is skewed.
      if (!outcome.ok)
        return preAuth
          ? { ok: true, caller: undefined }
          : { ok: false, reason: outcome.reason, challenge: false, username: token.username };
      username = outcome.username;
    } else if (req.authorization && /^\s*digest\s/i.test(req.authorization)) {
      const outcome = this.policy.digest.verify(
        req.authorization,
        req.method,
        req.uri,
        (u) => ctx.users.passwordOf(u),
        ctx.now,
      );
      if (!outcome.ok) {
        if (preAuth) return { ok: true, caller: undefined };
        const claimed = parseDigestHeader(req.authorization)?.username;
        return {
          ok: false,
          reason: outcome.reason,
          challenge: true,
          ...(claimed ? { username: claimed } : {}),
        };
      }
      username = outcome.username;
    } else if (!preAuth) {
      return { ok: false, reason: 'missing-credentials', challenge: true };
    }
    const caller = username === undefined ? undefined : ctx.users.list.find((u) => u.username === username);
    if (username !== undefined && !caller)
      return { ok: false, reason: 'unknown-user', challenge: false, username };
    if (caller && !mayCall(caller.level, op.access))
      return { ok: false, reason: 'level', challenge: false, username: caller.username };
    return { ok: true, caller };
  }
}

function mediaOf(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

function isSoapMedia(media: string): boolean {
  return media === 'application/soap+xml' || media === 'text/xml' || media === 'application/xml';
}

function asFault(err: unknown): SoapFault {
  return err instanceof SoapFault ? err : Faults.internal();
}
