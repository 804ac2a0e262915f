import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import {
  AnyCamera,
  Registry,
  cameraIdOfSubject,
  decodeEvent,
  type CameraRecord,
} from '@desk-onvif/contracts';
import { ContractPipe, RpcErrorFilter } from '@desk-onvif/service-kit';
import type { z } from 'zod';
import { redacted } from './camera.factory.js';
import { PresenceService } from './presence.service.js';
import { RegistryMetrics } from './registry.metrics.js';
import { RegistryService } from './registry.service.js';

type Req<C extends { request: z.ZodType }> = z.infer<C['request']>;

/** Request handlers are shared by the replicas (one queue group); heartbeats reach every replica. */
const QUEUE = { queue: 'port-registry' };

/** NATS edge of the registry: thin, each handler one service call. */
@Controller()
@UseFilters(RpcErrorFilter)
export class RegistryController {
  constructor(
    private readonly registry: RegistryService,
    private readonly presence: PresenceService,
    private readonly metrics: RegistryMetrics,
  ) {}

  /** The agent's own registration is the one reply that carries the publish secret. */
  @MessagePattern(Registry.register.subject, QUEUE)
  async register(@Payload(new ContractPipe(Registry.register)) req: Req<typeof Registry.register>) {
    return { ok: true, camera: await this.registry.register(req) } as const;
  }

  @MessagePattern(Registry.get.subject, QUEUE)
  async get(@Payload(new ContractPipe(Registry.get)) req: Req<typeof Registry.get>) {
    return { ok: true, camera: redacted(await this.registry.get(req.id)) } as const;
  }

  @MessagePattern(Registry.list.subject, QUEUE)
  async list(@Payload(new ContractPipe(Registry.list)) req: Req<typeof Registry.list>) {
    const page = await this.registry.list(req);
    return { ok: true, ...page, cameras: page.cameras.map((c: CameraRecord) => redacted(c)) } as const;
  }

  @MessagePattern(Registry.update.subject, QUEUE)
  async update(@Payload(new ContractPipe(Registry.update)) req: Req<typeof Registry.update>) {
    return { ok: true, camera: redacted(await this.registry.update(req.id, req.patch)) } as const;
  }

  @MessagePattern(Registry.remove.subject, QUEUE)
  async remove(@Payload(new ContractPipe(Registry.remove)) req: Req<typeof Registry.remove>) {
    await this.registry.remove(req.id);
    return { ok: true, id: req.id } as const;
  }

  @MessagePattern(Registry.portUnusable.subject, QUEUE)
  async portUnusable(
    @Payload(new ContractPipe(Registry.portUnusable)) req: Req<typeof Registry.portUnusable>,
  ) {
    return { ok: true, camera: redacted(await this.registry.portUnusable(req)) } as const;
  }

  @EventPattern<string>(AnyCamera.heartbeat.subject)
  async heartbeat(@Payload() data: unknown, @Ctx() ctx: NatsContext): Promise<void> {
    const id = cameraIdOfSubject(ctx.getSubject());
    try {
      decodeEvent(AnyCamera.heartbeat, data instanceof Uint8Array ? data : new Uint8Array());
    } catch {
      this.metrics.invalidRequests.inc({ subject: AnyCamera.heartbeat.subject });
      return;
    }
    if (id) await this.presence.heartbeat(id);
  }
}
