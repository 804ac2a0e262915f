import { Body, Controller, HttpCode, Inject, Logger, Post, Res } from '@nestjs/common';
import {
  MediaAuthRequestSchema,
  NetworkSet,
  decideMediaAuth,
  type MediaAuthDirectory,
} from '@desk-onvif/media-auth';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@desk-onvif/service-kit';
import { describeIssues } from '@desk-onvif/contracts';
import { CameraListeners } from './camera.listeners.js';
import { ONVIF_CONFIG, type OnvifConfig } from './config.js';
import { UserStore } from './user.store.js';

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

  constructor(
    @Inject(ONVIF_CONFIG) config: OnvifConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
    listeners: CameraListeners,
    users: UserStore,
  ) {
    const internal = new NetworkSet(config.MEDIA_INTERNAL_NETWORKS);
    this.directory = {
      camera: (id) => listeners.camera(id),
      verifyViewer: (id, user, password) => users.verifyPassword(id, user, password) !== undefined,
      isInternal: (ip) => internal.has(ip),
    };
    this.decisions = new Counter({
      name: 'desk_onvif_media_auth_decisions_total',
      help: 'MediaMTX auth-hook answers by action and result (the reason of the decision)',
      labelNames: ['action', 'result'],
      registers: [registry],
    });
  }

  @Post('auth')
  @HttpCode(200)
  async auth(@Body() body: unknown, @Res() res: PlainResponse): Promise<void> {
    const parsed = MediaAuthRequestSchema.safeParse(body);
    if (!parsed.success) {
      this.decisions.inc({ action: 'invalid', result: 'bad-request' });
      res.status(400).json({ error: describeIssues(parsed.error) });
      return;
    }
    const req = parsed.data;
    const decision = await decideMediaAuth(req, this.directory);
    this.decisions.inc({ action: req.action, result: decision.reason });
    if (decision.status !== 200 && decision.reason !== 'credentials-required') {
      // Who asked for what and why not; never the password.
      this.logger.log({
        msg: 'media access refused',
        action: req.action,
        path: req.path,
        ip: req.ip,
        user: req.user,
        reason: decision.reason,
      });
    }
    res.status(decision.status).end();
  }
}
