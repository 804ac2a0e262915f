import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');

/** One check of a service's health: resolves to a short status or throws. */
export interface HealthCheck {
  name: string;
  check(): Promise<string> | string;
}

/** A registry with the default process metrics, labelled with the service name. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

interface PlainResponse {
  status(code: number): PlainResponse;
  json(body: unknown): void;
}

/** `/metrics` and `/healthz`; a service provides METRICS_REGISTRY and HEALTH_CHECKS. */
@Controller()
export class ObservabilityController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[],
  ) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** 200 when every check passes, 503 naming the ones that fail. */
  @Get('healthz')
  async health(@Res() res: PlainResponse): Promise<void> {
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
