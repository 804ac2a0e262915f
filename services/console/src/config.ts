import { z } from 'zod';
import { env, loadConfig, natsConfigShape } from '@desk-onvif/service-kit';

/** Every variable is `CONSOLE_<NAME>`; see services/console/README.md. */
export const consoleConfigShape = {
  ...natsConfigShape,
  /** Where the HTTPS console listens: the LAN port, like DeskCamera's Browser Configuration port. */
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: env.int(0, 65535).default(8443),
  /** PEM files of the server certificate (the site certificate) and its key. */
  TLS_CERT: z.string().min(1),
  TLS_KEY: z.string().min(1),
  /** The host NVRs use, written into ONVIF addresses and RTSP URLs; unset: the console's Host header. */
  CAMERA_HOST: z.string().min(1).optional(),
  RTSP_PORT: env.int(1, 65535).default(8554),
  /** Where the console checks that a camera's ONVIF port answers; unset: CAMERA_HOST, else 127.0.0.1. */
  ONVIF_CHECK_HOST: z.string().min(1).optional(),
  /**
   * MediaMTX's WebRTC server (WHEP), e.g. https://lab-server:8889: the live view posts its offers to
   * `<WHEP_URL>/<camera path>/whep`. With MEDIA_VIEW_KEY; either unset: live view by snapshots.
   */
  WHEP_URL: env.url(['http', 'https']).optional(),
  /**
   * The console's view key, private half (PEM; `media/console-view.key` of `desk-onvif trust init`):
   * it signs a one-minute read token per live view, which MediaMTX's auth hook checks.
   */
  MEDIA_VIEW_KEY: z.string().min(1).optional(),
  /** Idle sessions end after this; every session ends after SESSION_MAX_S. */
  SESSION_IDLE_S: env.int(60, 30 * 86_400).default(8 * 3600),
  SESSION_MAX_S: env.int(60, 90 * 86_400).default(7 * 86_400),
  /** Failed logins per (address, username) before a lockout; the lockout doubles each time. */
  LOGIN_MAX_FAILURES: env.int(1, 100).default(5),
  LOGIN_LOCKOUT_S: env.int(1, 86_400).default(60),
  /** How long a thumbnail is reused before the camera is asked again. */
  THUMBNAIL_MAX_AGE_MS: env.int(100, 600_000).default(2500),
  /** The snapshots kept for reuse, in MiB of JPEG (least recently used out first). */
  THUMBNAIL_CACHE_MB: env.int(1, 1024).default(16),
  KV_REPLICAS: env.int(1, 5).default(1),
  LOG_LEVEL: env.logLevel().default('info'),
};

export type ConsoleConfig = ReturnType<typeof loadConsoleConfig>;

export function loadConsoleConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig('CONSOLE_', consoleConfigShape, source);
}

export const CONSOLE_CONFIG = Symbol('CONSOLE_CONFIG');
