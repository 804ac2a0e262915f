import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { HEALTH_CHECKS, METRICS_REGISTRY, type HealthCheck } from '@desk-onvif/service-kit';
import { Public } from './auth.guard.js';
import type { ConsoleResponse } from './http.types.js';

/** `/healthz` and `/metrics` without a session (readiness probes, Prometheus): counts, never data. */
@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[],
  ) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  @Get('healthz')
  async health(@Res() res: ConsoleResponse): Promise<void> {
    const results: Record<string, string> = {};
    let healthy = true;
    for (const c of this.checks) {
      try {
        results[c.name] = await c.check();
      } catch (err) {
        healthy = false;
        results[c.name] = `failing: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'failing', checks: results });
  }
}
