import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import {
  AnyCameraRequests,
  ForbiddenError,
  Onvif,
  OnvifUsers,
  cameraIdOfRequestSubject,
} from '@desk-onvif/contracts';
import { ContractPipe, RpcErrorFilter } from '@desk-onvif/service-kit';
import type { z } from 'zod';
import { CredentialsService } from './credentials.service.js';
import { UserAdmin } from './user.admin.js';

type Req<C extends { request: z.ZodType }> = z.infer<C['request']>;

/** Requests are shared by the replicas (one queue group). */
const QUEUE = { queue: 'onvif' };

/** NATS edge of the onvif service. */
@Controller()
@UseFilters(RpcErrorFilter)
export class OnvifController {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly userAdmin: UserAdmin,
  ) {}

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

  /** A camera's ONVIF users, for administrators (only the console's and admin's credentials publish here). */
  @MessagePattern(OnvifUsers.list.subject, QUEUE)
  async listUsers(@Payload(new ContractPipe(OnvifUsers.list)) req: Req<typeof OnvifUsers.list>) {
    return { ok: true, users: await this.userAdmin.list(req.id) } as const;
  }

  @MessagePattern(OnvifUsers.add.subject, QUEUE)
  async addUser(@Payload(new ContractPipe(OnvifUsers.add)) req: Req<typeof OnvifUsers.add>) {
    return { ok: true, ...(await this.userAdmin.add(req)) } as const;
  }

  @MessagePattern(OnvifUsers.set.subject, QUEUE)
  async setUser(@Payload(new ContractPipe(OnvifUsers.set)) req: Req<typeof OnvifUsers.set>) {
    return { ok: true, ...(await this.userAdmin.set(req)) } as const;
  }

  @MessagePattern(OnvifUsers.remove.subject, QUEUE)
  async removeUser(@Payload(new ContractPipe(OnvifUsers.remove)) req: Req<typeof OnvifUsers.remove>) {
    return { ok: true, ...(await this.userAdmin.remove(req)) } as const;
  }
}
