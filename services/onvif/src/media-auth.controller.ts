import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Body, Controller, HttpCode, Inject, Logger, Param, Post, Req, Res } from '@nestjs/common';
import {
  MediaAuthRequestSchema,
  NetworkSet,
  ViewTokenVerifier,
  cameraOfPath,
  decideMediaAuth,
  type MediaAuthDirectory,
  type MediaAuthRequest,
} from '@desk-onvif/media-auth';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@desk-onvif/service-kit';
import { describeIssues } from '@desk-onvif/contracts';
import { AuthGuard, sleep, type AuthChannel } from './auth.guard.js';
import { CameraListeners } from './camera.listeners.js';
import { ONVIF_CONFIG, type OnvifConfig } from './config.js';
import { UserStore } from './user.store.js';

interface PeerRequest {
  socket: { remoteAddress?: string | undefined };
}

const LOOPBACK = new NetworkSet(['127.0.0.0/8', '::1/128']);

interface PlainResponse {
  status(code: number): PlainResponse;
  json(body: unknown): void;
  end(): void;
}

/**
 * MediaMTX's auth hook (authMethod: http, authHTTPAddress → here): one POST per publish, read,
 * api and metrics action; any 2xx allows it. The decision is libs/media-auth's; this is its edge:
 * the cameras served here, their ONVIF users, the internal networks, metrics and a log line.
 */
@Controller('mediamtx')
export class MediaAuthController {
  private readonly logger = new Logger('media-auth');
  private readonly decisions: Counter<'action' | 'result'>;
  private readonly directory: MediaAuthDirectory;
  private readonly internal: NetworkSet;
  private readonly secret: Buffer | undefined;

  constructor(
    @Inject(ONVIF_CONFIG) config: OnvifConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
    listeners: CameraListeners,
    users: UserStore,
    private readonly guard: AuthGuard,
  ) {
    const internal = new NetworkSet(config.MEDIA_INTERNAL_NETWORKS);
    this.internal = internal;
    this.secret = config.MEDIA_AUTH_SECRET === undefined ? undefined : Buffer.from(config.MEDIA_AUTH_SECRET);
    // The console's view tokens (WHEP): verified with the public half only; read once at start.
    const views =
      config.MEDIA_VIEW_PUBLIC_KEY === undefined
        ? undefined
        : new ViewTokenVerifier(readFileSync(config.MEDIA_VIEW_PUBLIC_KEY));
    this.directory = {
      camera: (id) => listeners.camera(id),
      verifyViewer: (id, user, password) => users.verifyPassword(id, user, password) !== undefined,
      isInternal: (ip) => internal.has(ip),
      ...(views ? { verifyViewToken: (token, path) => views.verify(token, path) } : {}),
    };
    this.decisions = new Counter({
      name: 'desk_onvif_media_auth_decisions_total',
      help: 'MediaMTX auth-hook answers by action and result (the reason of the decision)',
      labelNames: ['action', 'result'],
      registers: [registry],
    });
  }

  /**
   * Only MediaMTX may ask (a hook that answers anyone is a password oracle): with
   * ONVIF_MEDIA_AUTH_SECRET, the path must end in it and the caller be in MEDIA_INTERNAL_NETWORKS
   * (compose: MediaMTX on the bridge network); without it, only loopback callers. Anything else is
   * a 404 that says nothing. The path is never logged.
   */
  @Post(['auth', 'auth/:secret'])
  @HttpCode(200)
  async auth(
    @Param('secret') secret: string | undefined,
    @Req() http: PeerRequest,
    @Body() body: unknown,
    @Res() res: PlainResponse,
  ): Promise<void> {
    if (!this.fromMediaServer(secret, http.socket.remoteAddress ?? '')) {
      this.decisions.inc({ action: 'caller', result: 'not-the-media-server' });
      res.status(404).end();
      return;
    }
    const parsed = MediaAuthRequestSchema.safeParse(body);
    if (!parsed.success) {
      this.decisions.inc({ action: 'invalid', result: 'bad-request' });
      res.status(400).json({ error: describeIssues(parsed.error) });
      return;
    }
    const req = parsed.data;
    const guarded = this.guarded(req);
    if (guarded && this.guard.check(guarded.channel, req.ip, guarded.cameraId, guarded.user).locked) {
      // Locked out: refused whatever the password, which is not looked at.
      this.decisions.inc({ action: req.action, result: 'throttled' });
      res.status(403).end();
      return;
    }
    const decision = await decideMediaAuth(req, this.directory);
    this.decisions.inc({ action: req.action, result: decision.reason });
    if (guarded && decision.reason === 'wrong-credentials')
      await sleep(this.guard.failed(guarded.channel, req.ip, guarded.cameraId, guarded.user));
    else if (guarded?.user !== undefined && decision.status === 200)
      this.guard.succeeded(req.ip, guarded.cameraId, guarded.user);
    if (decision.status !== 200 && decision.reason !== 'credentials-required') {
      // Who asked for what and why not; never the password.
      this.logger.log({
        msg: 'media access refused',
        action: req.action,
        path: req.path,
        ip: req.ip,
        user: req.user,
        protocol: req.protocol,
        reason: decision.reason,
      });
    }
    res.status(decision.status).end();
  }

  private fromMediaServer(secret: string | undefined, peer: string): boolean {
    const address = peer.startsWith('::ffff:') ? peer.slice(7) : peer;
    if (!this.secret) return secret === undefined && LOOPBACK.has(address);
    if (secret === undefined || !this.internal.has(address)) return false;
    const given = Buffer.from(secret);
    return given.length === this.secret.length && timingSafeEqual(given, this.secret);
  }

  /**
   * Read and publish attempts with credentials count against the guessing throttle; so do view
   * tokens, per address only: a forged token costs its sender as a wrong password does, but no
   * user is locked out by them (a 256-bit signature is not guessed, and a per-camera lockout would
   * only let anyone on the LAN turn the console's live view off).
   */
  private guarded(
    req: MediaAuthRequest,
  ): { channel: AuthChannel; cameraId: string; user: string | undefined } | undefined {
    if (req.action !== 'read' && req.action !== 'publish') return undefined;
    const target = cameraOfPath(req.path);
    if (!target) return undefined;
    if (req.token !== '') return { channel: 'webrtc-view', cameraId: target.cameraId, user: undefined };
    if (req.user === '') return undefined;
    return req.action === 'read'
      ? { channel: 'rtsp-read', cameraId: target.cameraId, user: req.user }
      : { channel: 'rtsp-publish', cameraId: target.cameraId, user: `publish:${req.user}` };
  }
}
