import { Body, Controller, Delete, Get, Param, Post, Req } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { Inject } from '@nestjs/common';
import { Enrolment, IssueEnrolmentRequestSchema, call } from '@desk-onvif/contracts';
import { NATS_CONNECTION } from '@desk-onvif/service-kit';
import { AuditLog, auditedCall } from './audit.log.js';
import { AdminOnly } from './auth.guard.js';
import { parseBody } from './auth.controller.js';
import { ConsoleNotFoundError } from './errors.js';
import { type ConsoleRequest } from './http.types.js';

const TIMEOUT_MS = 5000;
const TOKEN_ID = /^[a-z0-9]{16,32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Enrolment tokens and camera bindings through the registry's Enrolment requests, administrators
 * only, each change audited. A new token is answered once, with the agent configuration to paste
 * (`{"enrollmentToken": "…"}`); the registry keeps only its hash, and no list shows it again.
 */
@AdminOnly()
@Controller('api')
export class EnrolmentController {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly audit: AuditLog,
  ) {}

  @Get('enrolments')
  async list() {
    const { enrolments } = await call(this.nc, Enrolment.list, {}, TIMEOUT_MS);
    return { enrolments: enrolments.sort((a, b) => b.createdAt.localeCompare(a.createdAt)) };
  }

  @Post('enrolments')
  async issue(@Body() body: unknown, @Req() req: ConsoleRequest) {
    const request = parseBody(IssueEnrolmentRequestSchema, body ?? {});
    return auditedCall(this.audit, req, 'enrolment.issue', undefined, request, async () => {
      const { token, enrolment } = await call(this.nc, Enrolment.issue, request, TIMEOUT_MS);
      return { enrolment, token, agentConfig: { enrollmentToken: token } };
    });
  }

  @Delete('enrolments/:id')
  async revoke(@Param('id') id: string, @Req() req: ConsoleRequest) {
    if (!TOKEN_ID.test(id)) throw new ConsoleNotFoundError(`no enrolment token ${id}`);
    return auditedCall(this.audit, req, 'enrolment.revoke', id, undefined, async () => {
      const { enrolment } = await call(this.nc, Enrolment.revoke, { id }, TIMEOUT_MS);
      return { enrolment };
    });
  }

  /** The camera's credential stops working; its PC must enrol again with a new token. */
  @Post('cameras/:id/revoke')
  async revokeCamera(@Param('id') id: string, @Req() req: ConsoleRequest) {
    if (!UUID.test(id)) throw new ConsoleNotFoundError(`no camera ${id}`);
    return auditedCall(this.audit, req, 'camera.revoke', id, undefined, async () => {
      const { revoked } = await call(this.nc, Enrolment.revokeCameras, { cameraId: id }, TIMEOUT_MS);
      return { revoked };
    });
  }

  /** Forget the camera's key: its PC, re-installed, enrols again and keeps its id and port. */
  @Post('cameras/:id/binding/reset')
  async resetBinding(@Param('id') id: string, @Req() req: ConsoleRequest) {
    if (!UUID.test(id)) throw new ConsoleNotFoundError(`no camera ${id}`);
    return auditedCall(this.audit, req, 'camera.binding.reset', id, undefined, async () => {
      const { cameraId } = await call(this.nc, Enrolment.resetBinding, { cameraId: id }, TIMEOUT_MS);
      return { cameraId };
    });
  }
}
