import { Controller } from '@nestjs/common';
import { ObservabilityController } from '@desk-onvif/service-kit';
import { Public } from './auth.guard.js';

/**
 * service-kit's `/healthz` and `/metrics`, open without a session (readiness probes, Prometheus):
 * counts, never data. The only difference from every other service is the console's auth guard.
 */
@Public()
@Controller()
export class HealthController extends ObservabilityController {}
