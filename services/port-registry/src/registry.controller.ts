import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import {
  AnyCamera,
  AnyCameraRequests,
  ForbiddenError,
  Registry,
  cameraIdOf,
  cameraIdOfRequestSubject,
  cameraIdOfSubject,
  identityKey,
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

  /**
   * An enrolled agent's registration: only that camera's credential may publish on this subject,
   * so the id in it is trusted, and the identity must be the one that id derives from.
   */
  @MessagePattern<string>(AnyCameraRequests.register.subject, QUEUE)
  async registerCamera(
    @Payload(new ContractPipe(AnyCameraRequests.register)) req: Req<typeof Registry.register>,
    @Ctx() ctx: NatsContext,
  ) {
    const id = cameraIdOfRequestSubject(ctx.getSubject());
    if (id === undefined || cameraIdOf(identityKey(req.identity)) !== id)
      throw new ForbiddenError(`this identity is not camera ${id ?? '?'}`);
    return { ok: true, camera: await this.registry.register(req) } as const;
  }

  /** The encoding an enrolled agent streams: its own camera's settings, nothing else of the record. */
  @MessagePattern<string>(AnyCameraRequests.reportSettings.subject, QUEUE)
  async reportSettings(
    @Payload(new ContractPipe(AnyCameraRequests.reportSettings))
    req: Req<typeof AnyCameraRequests.reportSettings>,
    @Ctx() ctx: NatsContext,
  ) {
    const id = cameraIdOfRequestSubject(ctx.getSubject());
    if (id === undefined) throw new ForbiddenError('no camera id in the subject');
    return {
      ok: true,
      camera: redacted(await this.registry.update(id, { settings: req.settings })),
    } as const;
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
