import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { env, loadConfig, natsConfigShape } from '@desk-onvif/service-kit';

const list = (what: string, ok: (item: string) => boolean) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    )
    .refine((items) => items.length > 0 && items.every(ok), `a comma-separated list of ${what}`);

const isCidr = (v: string) => {
  const [ip, bits, extra] = v.split('/');
  return (
    extra === undefined &&
    ip !== undefined &&
    isIPv4(ip) &&
    (bits === undefined || /^([0-9]|[12][0-9]|3[0-2])$/.test(bits))
  );
};

/** Every variable is `DISCOVERY_<NAME>`; see the service README's configuration table. */
export const discoveryConfigShape = {
  ...natsConfigShape,
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  HTTP_PORT: env.int(0, 65535).default(9103),
  /**
   * Interfaces to listen and announce on: names (`eth0`) or IPv4 addresses, comma-separated.
   * Default: every non-loopback IPv4 interface, as host networking expects.
   */
  INTERFACES: list('interface names or IPv4 addresses', (s) => /^[\w.:@-]+$/.test(s)).optional(),
  /** The host in XAddrs. Default: the address of the interface the prober is on. */
  PUBLIC_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/, 'a host name or an IP address')
    .optional(),
  /** Probers answered, as IPv4 CIDRs. Default: the subnets of the listening interfaces. */
  ALLOWED_NETWORKS: list('IPv4 CIDRs such as 192.168.1.0/24', isCidr).optional(),
  /** The UDP port; WS-Discovery's is 3702, and clients probe no other. */
  PORT: env.int(1, 65535).default(3702),
  /** Per source address: Probes and Resolves answered per second, and the burst allowed. */
  RATE_LIMIT_PER_S: env.int(1, 1_000_000).default(5),
  RATE_LIMIT_BURST: env.int(1, 1_000_000).default(20),
  /**
   * Per source address: ProbeMatches/ResolveMatches bytes sent per second, and at once. Replies
   * beyond are paced, for at most REPLY_MAX_DEFER_MS, then dropped: the bound on what a spoofed
   * victim can be sent (WS-Discovery amplification). The defaults answer 1,000 cameras in ~4 s.
   */
  REPLY_BYTES_PER_S: env.int(1500, 1_000_000_000).default(262_144),
  REPLY_BYTES_BURST: env.int(1500, 1_000_000_000).default(524_288),
  REPLY_MAX_DEFER_MS: env.int(0, 60_000).default(5000),
  /** Source addresses whose rate is tracked at once; the least recently seen is forgotten first. */
  MAX_TRACKED_SOURCES: env.int(16, 1_000_000).default(4096),
  /** Replies waiting for their random delay; a Probe that would overflow it is not answered. */
  MAX_PENDING_REPLIES: env.int(1, 1_000_000).default(20_000),
  /** The socket's receive buffer (capped by net.core.rmem_max): absorbs bursts of probes. */
  RECV_BUFFER_BYTES: env.int(65_536, 64 * 1024 * 1024).default(1024 * 1024),
  /** Datagrams above this size are dropped unread. */
  MAX_DATAGRAM_BYTES: env.int(512, 65_507).default(16_384),
  /** The random delay before each unicast reply is at most this (WS-Discovery APP_MAX_DELAY). */
  REPLY_MAX_DELAY_MS: env.int(0, 5000).default(500),
  /** MessageIDs remembered to answer a repeated Probe once, and for how long. */
  DEDUP_SIZE: env.int(16, 1_000_000).default(4096),
  DEDUP_TTL_MS: env.int(100, 600_000).default(10_000),
  LOG_LEVEL: env.logLevel().default('info'),
  /**
   * The onvif service serves HTTPS (its ONVIF_TLS_CERT is set): the cameras claim Profile T, and
   * the scopes announced here must be the ones GetScopes answers.
   */
  ONVIF_HTTPS: env.bool().default(false),
};

export type DiscoveryConfig = ReturnType<typeof loadDiscoveryConfig>;

export function loadDiscoveryConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig('DISCOVERY_', discoveryConfigShape, source);
}

export const DISCOVERY_CONFIG = Symbol('DISCOVERY_CONFIG');
