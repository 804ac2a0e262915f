import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Onvif } from '@desk-onvif/contracts';
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
}
