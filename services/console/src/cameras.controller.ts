import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { z } from 'zod';
import { AuditLog, auditedCall } from './audit.log.js';
import { AdminOnly } from './auth.guard.js';
import { parseBody } from './auth.controller.js';
import { CameraAdmin } from './camera.admin.js';
import { withUrls, type Endpoints } from './camera.urls.js';
import { CONSOLE_CONFIG, type ConsoleConfig } from './config.js';
import { DoctorService } from './doctor.service.js';
import { ConsoleNotFoundError } from './errors.js';
import { FleetService } from './fleet.service.js';
import { queryFleet } from './fleet.query.js';
import { type ConsoleRequest, type ConsoleResponse } from './http.types.js';
import { LiveViews } from './live.view.js';
import { SessionStore } from './session.store.js';
import { ThumbnailCache } from './thumbnail.cache.js';

const QuerySchema = z.object({
  q: z.string().max(200).optional(),
  state: z.enum(['online', 'offline']).optional(),
  mode: z.enum(['shared', 'per-user']).optional(),
  sort: z.enum(['name', 'host', 'state', 'port', 'fps']).optional(),
});
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

@Controller('api/cameras')
export class CamerasController {
  constructor(
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    private readonly fleet: FleetService,
    private readonly admin: CameraAdmin,
    private readonly thumbnails: ThumbnailCache,
    private readonly audit: AuditLog,
    private readonly sessions: SessionStore,
    private readonly doctorService: DoctorService,
    private readonly liveViews: LiveViews,
  ) {}

  @Get()
  async list(@Query() query: unknown, @Req() req: ConsoleRequest) {
    await this.fleet.whenLoaded();
    const e = this.endpoints(req);
    return {
      cameras: queryFleet(this.fleet.list(), parseBody(QuerySchema, query)).map((c) => withUrls(c, e)),
    };
  }

  /** Server-sent events: the whole fleet once, then batched changes as they happen. */
  @Get('events')
  async events(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse): Promise<void> {
    await this.fleet.whenLoaded();
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const e = this.endpoints(req);
    const send = (event: string, data: unknown) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('fleet', { cameras: this.fleet.list().map((c) => withUrls(c, e)) });
    const stop = this.fleet.listen((b) =>
      send('changes', { changed: b.changed.map((c) => withUrls(c, e)), removed: b.removed }),
    );
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    // A revoked session ends its stream too.
    const sessionCheck = setInterval(() => {
      if (!req.session || !this.sessions.isLive(req.session.key)) res.end();
    }, 1000);
    res.on('close', () => {
      stop();
      clearInterval(keepAlive);
      clearInterval(sessionCheck);
    });
  }

  @Get(':id')
  async get(@Param('id') id: string, @Req() req: ConsoleRequest) {
    await this.fleet.whenLoaded();
    const c = this.fleet.get(id);
    if (!c) throw new ConsoleNotFoundError(`no camera ${id}`);
    return withUrls(c, this.endpoints(req));
  }

  @Get(':id/snapshot.jpg')
  async snapshot(
    @Param('id') id: string,
    @Query('stream') stream: string | undefined,
    @Query('fresh') fresh: string | undefined,
    @Res() res: ConsoleResponse,
  ): Promise<void> {
    if (!UUID.test(id) || !this.fleet.get(id)) throw new ConsoleNotFoundError(`no camera ${id}`);
    const jpeg = await this.thumbnails.get(id, stream === 'main' ? 'main' : 'sub', fresh ? 300 : undefined);
    res.writeHead(200, {
      'Content-Type': 'image/jpeg',
      'Cache-Control': 'no-store',
      'Content-Length': jpeg.length,
    });
    res.end(jpeg);
  }

  /**
   * A WebRTC live view of the camera (viewers too): its WHEP endpoint on MediaMTX and a one-minute
   * read token for that stream alone. A POST, so it carries the CSRF token; 503 UNAVAILABLE where
   * no WebRTC server is configured (the page then refreshes snapshots).
   */
  @Post(':id/live-view')
  @HttpCode(200)
  async liveView(
    @Param('id') id: string,
    @Query('stream') stream: string | undefined,
    @Req() req: ConsoleRequest,
  ) {
    await this.fleet.whenLoaded();
    const camera = UUID.test(id) ? this.fleet.get(id) : undefined;
    if (!camera) throw new ConsoleNotFoundError(`no camera ${id}`);
    return this.liveViews.grant(camera, stream === 'sub' ? 'sub' : 'main', req.session!.username);
  }

  /** The seven checks of "the NVR cannot connect", each with what to do. */
  @Get(':id/doctor')
  doctor(@Param('id') id: string, @Req() req: ConsoleRequest) {
    return this.doctorService.diagnose(id, this.endpoints(req));
  }

  @AdminOnly()
  @Patch(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @Req() req: ConsoleRequest) {
    return this.audited(req, 'camera.update', id, body, async () => {
      const { camera, effects } = await this.admin.update(id, body);
      const view = this.fleet.get(camera.id);
      return { camera: view ? withUrls(view, this.endpoints(req)) : undefined, effects };
    });
  }

  @AdminOnly()
  @Delete(':id')
  async remove(@Param('id') id: string, @Req() req: ConsoleRequest) {
    return this.audited(req, 'camera.remove', id, undefined, async () => {
      await this.admin.remove(id);
      return { ok: true };
    });
  }

  endpoints(req: ConsoleRequest): Endpoints {
    return {
      cameraHost: this.config.CAMERA_HOST ?? (req.headers.host ?? '127.0.0.1').replace(/:\d+$/, ''),
      rtspPort: this.config.RTSP_PORT,
    };
  }

  private audited<T>(
    req: ConsoleRequest,
    action: string,
    target: string,
    detail: unknown,
    fn: () => Promise<T>,
  ) {
    return auditedCall(this.audit, req, action, target, detail, fn);
  }
}
