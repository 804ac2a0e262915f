import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { z } from 'zod';
import { env, loadConfig, natsConfigShape } from '@desk-onvif/service-kit';
import { NetworkSet } from '@desk-onvif/media-auth';
import type { ThrottlePolicy } from './auth.throttle.js';

const host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:-]+$/, 'a host name or an IP address');

/** Every variable is `ONVIF_<NAME>`; see the README's configuration table. */
export const onvifConfigShape = {
  ...natsConfigShape,
  /** /metrics and /healthz. */
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  HTTP_PORT: env.int(0, 65535).default(9102),
  /** Where the per-camera ONVIF listeners bind. */
  LISTEN_HOST: z.string().min(1).default('0.0.0.0'),
  /** The host written into XAddrs and snapshot URIs; unset: the Host header of each request. */
  PUBLIC_HOST: host.optional(),
  /** The host of MediaMTX in stream URIs; unset: the public host. */
  MEDIA_HOST: host.optional(),
  RTSP_PORT: env.int(1, 65535).default(8554),
  /**
   * MediaMTX's RTSPS port when it serves RTSPS beside RTSP: Media1 stream URIs say rtsps, Media2
   * answers RtspsUnicast. Unset: rtsp:// only.
   */
  RTSPS_PORT: env.int(1, 65535).optional(),
  /** 32 bytes in base64: the AES-256-GCM key of the ONVIF passwords at rest. Required, no default. */
  USERS_KEY: z
    .string()
    .refine((v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32, {
      message: '32 bytes in base64 (e.g. `openssl rand -base64 32`)',
    }),
  /** WS-Security PasswordText sends the password in the clear: off unless a client needs it. */
  ALLOW_PASSWORD_TEXT: env.bool().default(false),
  /** How far a UsernameToken's Created may be from the clock, either way (ONVIF: ±5 min). */
  CREATED_WINDOW_MS: env.int(1000, 3_600_000).default(300_000),
  /**
   * Nonces held against replay (each until its token's Created window ends; ~80 bytes each). Full
   * of live ones, new tokens are refused (a Receiver fault, counted), never an early eviction.
   * 1,000,000: ~3,300 fresh tokens a second sustained over a 5-minute window.
   */
  NONCE_CACHE_SIZE: env.int(1000, 10_000_000).default(1_000_000),
  MAX_BODY_BYTES: env.int(1024, 16 * 1024 * 1024).default(256 * 1024),
  MAX_XML_DEPTH: env.int(8, 1000).default(64),
  DIGEST_REALM: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[^"\\]+$/)
    .default('desk-onvif'),
  /**
   * Processes serving the cameras (node:cluster): each camera belongs to one worker, by its id.
   * 1 (the default): a single process, no primary. Each more costs ~130 MB (README "All cores").
   */
  WORKERS: env.int(1, 64).default(1),
  /** Set by the primary for each worker it forks (0 … WORKERS-1); not for operators. */
  WORKER_INDEX: env.int(0, 63).default(0),
  /** Cameras whose record names this node are served here. */
  NODE: z.string().min(1).max(64).default('default'),
  /** How long a new camera waits for its agent's credentials before an Administrator is generated. */
  BOOTSTRAP_GRACE_MS: env.int(0, 3_600_000).default(10_000),
  /** Timeout of requests to an agent (settings, snapshot) and to the registry. */
  AGENT_TIMEOUT_MS: env.int(100, 60_000).default(5000),
  KV_REPLICAS: env.int(1, 5).default(1),
  MANUFACTURER: z.string().min(1).max(64).default('desk-onvif'),
  /**
   * Who may use MediaMTX's API and metrics through the auth hook: loopback and Docker's default
   * bridge networks (Prometheus in compose). The API and metrics ports are not published.
   */
  MEDIA_INTERNAL_NETWORKS: z
    .string()
    .default('127.0.0.0/8,::1/128,172.16.0.0/12')
    .transform((v) =>
      v
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    )
    .refine(
      (cidrs) => {
        try {
          new NetworkSet(cidrs);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'comma-separated networks such as 127.0.0.0/8,172.16.0.0/12' },
    ),
  /** Event service bounds: subscriptions per camera and in total, messages kept per subscription. */
  EVENTS_MAX_PER_CAMERA: env.int(1, 1000).default(16),
  EVENTS_MAX_TOTAL: env.int(1, 1_000_000).default(20_000),
  EVENTS_QUEUE: env.int(1, 10_000).default(64),
  /** Longest PullMessages wait (clients ask PT1M) and longest termination time granted. */
  EVENTS_MAX_PULL_MS: env.int(1000, 600_000).default(60_000),
  EVENTS_MAX_TERMINATION_MS: env.int(10_000, 86_400_000).default(3_600_000),
  /**
   * Camera events kept in the JetStream stream CAMERA_EVENTS (at most this long, and at most
   * EVENTS_REPLAY_MB): a subscription restored after a restart gets the ones it missed. 0: no stream.
   */
  EVENTS_REPLAY_MS: env.int(0, 3_600_000).default(300_000),
  EVENTS_REPLAY_MB: env.int(1, 1024).default(32),
  /** How long a Base Notification consumer may take to answer a Notify. */
  EVENTS_NOTIFY_TIMEOUT_MS: env.int(100, 60_000).default(5000),
  /**
   * Password guessing (SOAP, snapshot, RTSP hook; see auth.throttle.ts): wrong passwords free per
   * address, then answers delayed from AUTH_DELAY_MS doubling to AUTH_MAX_DELAY_MS; a lockout at
   * AUTH_LOCKOUT_AFTER per address or AUTH_USER_LOCKOUT_AFTER per user, for AUTH_LOCKOUT_MS doubling
   * to AUTH_MAX_LOCKOUT_MS; failures forgotten after AUTH_FAILURE_WINDOW_MS.
   */
  AUTH_FREE_FAILURES: env.int(1, 1000).default(5),
  AUTH_DELAY_MS: env.int(0, 60_000).default(250),
  AUTH_MAX_DELAY_MS: env.int(0, 60_000).default(4000),
  AUTH_LOCKOUT_AFTER: env.int(1, 10_000).default(10),
  AUTH_USER_LOCKOUT_AFTER: env.int(1, 100_000).default(50),
  AUTH_LOCKOUT_MS: env.int(1000, 86_400_000).default(60_000),
  AUTH_MAX_LOCKOUT_MS: env.int(1000, 86_400_000).default(900_000),
  AUTH_FAILURE_WINDOW_MS: env.int(1000, 86_400_000).default(900_000),
  AUTH_MAX_TRACKED: env.int(100, 10_000_000).default(100_000),
  /**
   * ONVIF over HTTPS (Profile T) on each camera's own port, next to plain HTTP (the first byte of a
   * connection tells them apart): the server certificate and key, PEM files (the site PKI's
   * server.crt and server.key). Both or neither. With them, XAddrs and snapshot URIs say https.
   */
  TLS_CERT: z.string().min(1).optional(),
  TLS_KEY: z.string().min(1).optional(),
  /** Plain HTTP answers PRE_AUTH operations only (a fault names the https address); needs TLS_CERT. */
  REQUIRE_TLS: env.bool().default(false),
  /**
   * The secret at the end of the auth hook's path (`/mediamtx/auth/<secret>`), shared with MediaMTX
   * only. Unset: the hook answers loopback callers only, at `/mediamtx/auth`.
   */
  MEDIA_AUTH_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,128}$/, '16-128 characters of A-Z a-z 0-9 _ - (e.g. `openssl rand -hex 24`)')
    .optional(),
  /**
   * The console's view key, public half (PEM; `media/console-view.pub` of `desk-onvif trust init`):
   * the hook lets a WebRTC (WHEP) read through with a token the console signed for that path
   * (libs/media-auth view-token.ts). Unset: every token is refused.
   */
  MEDIA_VIEW_PUBLIC_KEY: z.string().min(1).optional(),
  LOG_LEVEL: env.logLevel().default('info'),
};

export function throttlePolicyOf(config: OnvifConfig): ThrottlePolicy {
  return {
    freeFailures: config.AUTH_FREE_FAILURES,
    delayMs: config.AUTH_DELAY_MS,
    maxDelayMs: config.AUTH_MAX_DELAY_MS,
    lockoutAfter: config.AUTH_LOCKOUT_AFTER,
    userLockoutAfter: config.AUTH_USER_LOCKOUT_AFTER,
    lockoutMs: config.AUTH_LOCKOUT_MS,
    maxLockoutMs: config.AUTH_MAX_LOCKOUT_MS,
    windowMs: config.AUTH_FAILURE_WINDOW_MS,
    maxEntries: config.AUTH_MAX_TRACKED,
  };
}

export type OnvifConfig = ReturnType<typeof loadOnvifConfig>;

export function loadOnvifConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig('ONVIF_', onvifConfigShape, source);
}

export const ONVIF_CONFIG = Symbol('ONVIF_CONFIG');

/** The camera endpoints' TLS context, read once at start-up; undefined when TLS is off. */
export function cameraTlsOf(config: OnvifConfig): SecureContext | undefined {
  if ((config.TLS_CERT === undefined) !== (config.TLS_KEY === undefined))
    throw new Error('ONVIF_TLS_CERT and ONVIF_TLS_KEY go together');
  if (config.TLS_CERT === undefined || config.TLS_KEY === undefined) {
    if (config.REQUIRE_TLS) throw new Error('ONVIF_REQUIRE_TLS needs ONVIF_TLS_CERT and ONVIF_TLS_KEY');
    return undefined;
  }
  return createSecureContext({
    cert: readFileSync(config.TLS_CERT),
    key: readFileSync(config.TLS_KEY),
    minVersion: 'TLSv1.2',
  });
}
