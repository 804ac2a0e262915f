import { z } from 'zod';

/**
 * The body MediaMTX POSTs to `authHTTPAddress` for every publish, read, playback, api, metrics and
 * pprof action (MediaMTX 1.x, authMethod: http). Fields may be empty: RTSP clients send
 * credentials only after a 401 challenge. Unknown fields are tolerated for newer MediaMTX versions.
 */
export const MediaAuthRequestSchema = z.looseObject({
  user: z.string().max(256).default(''),
  password: z.string().max(1024).default(''),
  token: z.string().max(4096).default(''),
  ip: z.string().max(64).default(''),
  action: z.enum(['publish', 'read', 'playback', 'api', 'metrics', 'pprof']),
  path: z.string().max(512).default(''),
  protocol: z.string().max(32).default(''),
  id: z.string().max(64).nullish(),
  query: z.string().max(4096).default(''),
});
export type MediaAuthRequest = z.infer<typeof MediaAuthRequestSchema>;

/** `desk/<camera id>/<main|sub>`: the only paths cameras publish to (contracts' mediaPathsOf). */
const CAMERA_PATH = /^desk\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/(main|sub)$/;

export function cameraOfPath(path: string): { cameraId: string; stream: 'main' | 'sub' } | undefined {
  const m = CAMERA_PATH.exec(path.replace(/^\/+/, ''));
  return m ? { cameraId: m[1]!, stream: m[2] as 'main' | 'sub' } : undefined;
}
