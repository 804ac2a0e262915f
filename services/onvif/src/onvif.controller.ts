import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import { AnyCameraRequests, ForbiddenError, Onvif, cameraIdOfRequestSubject } from '@desk-onvif/contracts';
import { ContractPipe, RpcErrorFilter } from '@desk-onvif/service-kit';
import type { z } from 'zod';
import { CredentialsService } from './credentials.service.js';

type Req<C extends { request: z.ZodType }> = z.infer<C['request']>;

/** Requests are shared by the replicas (one queue group). */
const QUEUE = { queue: 'onvif' };

/** NATS edge of the onvif service. */
@Controller()
@UseFilters(RpcErrorFilter)
export class OnvifController {
  constructor(private readonly credentials: CredentialsService) {}

  @MessagePattern(Onvif.bootstrapCredentials.subject, QUEUE)
  async bootstrap(
    @Payload(new ContractPipe(Onvif.bootstrapCredentials)) req: Req<typeof Onvif.bootstrapCredentials>,
  ) {
    return { ok: true, ...(await this.credentials.bootstrap(req)) } as const;
  }

  /** An enrolled agent's bootstrap: the camera of the subject (only its credential publishes there). */
  @MessagePattern<string>(AnyCameraRequests.bootstrapCredentials.subject, QUEUE)
  async bootstrapCamera(
    @Payload(new ContractPipe(AnyCameraRequests.bootstrapCredentials))
    req: Req<typeof Onvif.bootstrapCredentials>,
    @Ctx() ctx: NatsContext,
  ) {
    if (cameraIdOfRequestSubject(ctx.getSubject()) !== req.id)
      throw new ForbiddenError(`this credential is not camera ${req.id}'s`);
    return { ok: true, ...(await this.credentials.bootstrap(req)) } as const;
  }
}
