import { z } from 'zod';
import { env, loadConfig, natsConfigShape } from '@desk-onvif/service-kit';

/** Every variable is `REGISTRY_<NAME>`; see the README's configuration table. */
export const registryConfigShape = {
  ...natsConfigShape,
  /** ONVIF ports handed out, inclusive; DeskCamera's 8090-8110 by default. */
  PORT_RANGE: env.portRange().default({ start: 8090, end: 8110 }),
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  HTTP_PORT: env.int(0, 65535).default(9101),
  /** A camera with no heartbeat for this long goes offline. */
  HEARTBEAT_TIMEOUT_MS: env.int(1000, 3_600_000).default(15_000),
  /** How long a port reported unbindable stays out of use. */
  PORT_BLOCK_MS: env.int(1000, 30 * 86_400_000).default(3_600_000),
  /** JetStream replicas of the KV buckets: 1 on one server, 3 in a cluster. */
  KV_REPLICAS: env.int(1, 5).default(1),
  /** The onvif node new cameras are assigned to. */
  DEFAULT_NODE: z.string().min(1).max(64).default('default'),
  LOG_LEVEL: env.logLevel().default('info'),
  /**
   * What the registry holds to enrol cameras and revoke them (libs/nats-auth `registry-trust/`):
   * the account JWT, the operator and registry signing keys, the system account's claims-updater
   * credential. Without it, enrolment and revocation answer UNAVAILABLE.
   */
  TRUST_DIR: z.string().min(1).optional(),
  /** The NATS URLs put into enrolment tokens: where agents connect (default: NATS_URL). */
  ENROL_NATS_URLS: env.url(['nats', 'tls']).optional(),
};

export type RegistryConfig = ReturnType<typeof loadRegistryConfig>;

export function loadRegistryConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig('REGISTRY_', registryConfigShape, source);
}

export const REGISTRY_CONFIG = Symbol('REGISTRY_CONFIG');
