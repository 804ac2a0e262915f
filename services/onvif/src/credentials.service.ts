import { Injectable, Logger } from '@nestjs/common';
import { NotFoundError, type CredentialsBootstrap } from '@desk-onvif/contracts';
import type { KV } from '@nats-io/kv';
import { OnvifMetrics } from './onvif.metrics.js';
import { UserStore } from './user.store.js';

/** The KV bucket of camera records, as a token Nest can inject. */
export class CamerasBucket {
  constructor(readonly kv: KV) {}
}

/** `onvif.credentials.bootstrap`: the first Administrator of a camera, from its agent. */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger('credentials');
  constructor(
    private readonly users: UserStore,
    private readonly cameras: CamerasBucket,
    private readonly metrics: OnvifMetrics,
  ) {}

  async bootstrap(
    req: CredentialsBootstrap,
  ): Promise<{ username: string; created: boolean; password?: string }> {
    const entry = await this.cameras.kv.get(req.id);
    if (!entry || entry.operation !== 'PUT') throw new NotFoundError(`no camera ${req.id}`);
    const result = await this.users.bootstrap(req.id, { username: req.username, password: req.password });
    if (result.created) {
      if (result.password !== undefined) this.metrics.usersGenerated.inc();
      this.logger.log({
        msg:
          result.password !== undefined
            ? 'generated the first Administrator'
            : "created the first Administrator from the agent's credentials",
        cameraId: req.id,
        username: result.username,
      });
    }
    return result;
  }
}
