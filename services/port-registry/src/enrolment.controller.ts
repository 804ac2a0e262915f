import { Controller, Inject, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Enrolment, UnavailableError } from '@desk-onvif/contracts';
import { ContractPipe, RpcErrorFilter } from '@desk-onvif/service-kit';
import type { z } from 'zod';
import type { EnrolmentService } from './enrolment.service.js';

/** The enrolment service, or null when the registry runs without REGISTRY_TRUST_DIR. */
export const ENROLMENT = Symbol('ENROLMENT');

type Req<C extends { request: z.ZodType }> = z.infer<C['request']>;

const QUEUE = { queue: 'port-registry' };

/**
 * NATS edge of enrolment. `registry.enrol` is the one subject an enrolment token's credential may
 * publish; the others are the administrator's (the CLI, later the console).
 */
@Controller()
@UseFilters(RpcErrorFilter)
export class EnrolmentController {
  constructor(@Inject(ENROLMENT) private readonly enrolment: EnrolmentService | null) {}

  private get service(): EnrolmentService {
    if (!this.enrolment)
      throw new UnavailableError('enrolment is off: the registry has no REGISTRY_TRUST_DIR');
    return this.enrolment;
  }

  @MessagePattern(Enrolment.enrol.subject, QUEUE)
  async enrol(@Payload(new ContractPipe(Enrolment.enrol)) req: Req<typeof Enrolment.enrol>) {
    return { ok: true, ...(await this.service.enrol(req)) } as const;
  }

  @MessagePattern(Enrolment.issue.subject, QUEUE)
  async issue(@Payload(new ContractPipe(Enrolment.issue)) req: Req<typeof Enrolment.issue>) {
    return { ok: true, ...(await this.service.issue(req)) } as const;
  }

  @MessagePattern(Enrolment.revoke.subject, QUEUE)
  async revoke(@Payload(new ContractPipe(Enrolment.revoke)) req: Req<typeof Enrolment.revoke>) {
    return { ok: true, enrolment: await this.service.revokeToken(req.id) } as const;
  }

  @MessagePattern(Enrolment.list.subject, QUEUE)
  async list(@Payload(new ContractPipe(Enrolment.list)) _req: Req<typeof Enrolment.list>) {
    return { ok: true, enrolments: await this.service.list() } as const;
  }

  @MessagePattern(Enrolment.resetBinding.subject, QUEUE)
  async resetBinding(
    @Payload(new ContractPipe(Enrolment.resetBinding)) req: Req<typeof Enrolment.resetBinding>,
  ) {
    await this.service.resetBinding(req.cameraId);
    return { ok: true, cameraId: req.cameraId } as const;
  }

  @MessagePattern(Enrolment.revokeCameras.subject, QUEUE)
  async revokeCameras(
    @Payload(new ContractPipe(Enrolment.revokeCameras)) req: Req<typeof Enrolment.revokeCameras>,
  ) {
    return { ok: true, revoked: await this.service.revokeCameras(req) } as const;
  }
}
