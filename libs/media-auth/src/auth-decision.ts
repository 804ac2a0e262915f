import { timingSafeEqual } from 'node:crypto';
import type { CameraRecord } from '@desk-onvif/contracts';
import { cameraOfPath, type MediaAuthRequest } from './auth-request.js';

/**
 * What the hook answers MediaMTX. Any 2xx allows the action. 401 asks an RTSP client for
 * credentials (it sent none yet); 403 refuses them. `reason` is for logs and metrics, never
 * carries a secret.
 */
export interface MediaAuthDecision {
  status: 200 | 401 | 403;
  reason:
    | 'publisher'
    | 'viewer'
    | 'console-view'
    | 'internal-network'
    | 'credentials-required'
    | 'unknown-path'
    | 'unknown-camera'
    | 'wrong-credentials'
    | 'not-internal'
    | 'action-not-allowed';
}

/** What the decision needs from the world; the onvif service provides it. */
export interface MediaAuthDirectory {
  camera(id: string): CameraRecord | undefined;
  /** True when `user` is an ONVIF user of the camera and `password` is theirs. */
  verifyViewer(cameraId: string, user: string, password: string): Promise<boolean> | boolean;
  /** True when the address belongs to the internal network (api, metrics, pprof). */
  isInternal(ip: string): boolean;
  /**
   * The console's per-view token (view-token.ts) checked for this path: its claims, or undefined
   * when it is not one (forged, expired, another path). Absent: no console view key configured,
   * every token is refused.
   */
  verifyViewToken?(token: string, path: string): Promise<{ sub: string } | undefined>;
}

/**
 * DESIGN.md, "Auth hook for MediaMTX": publish only with the camera's publish secret to its own
 * paths; read only with an ONVIF user of that camera, or with the console's view token for that
 * path over WebRTC (WHEP: MediaMTX 1.x sends `action: read`, `protocol: webrtc`, the Bearer token as
 * `token`); api/metrics/pprof only from the internal network. Playback (recordings) is not
 * offered. A token never publishes, and is never taken for anything but a WebRTC read.
 */
export async function decideMediaAuth(
  req: MediaAuthRequest,
  dir: MediaAuthDirectory,
): Promise<MediaAuthDecision> {
  switch (req.action) {
    case 'api':
    case 'metrics':
    case 'pprof':
      return dir.isInternal(req.ip) ? allow('internal-network') : deny(403, 'not-internal');
    case 'playback':
      return deny(403, 'action-not-allowed');
    case 'publish':
    case 'read': {
      const target = cameraOfPath(req.path);
      if (!target) return deny(403, 'unknown-path');
      if (req.token !== '') {
        if (req.action !== 'read' || req.protocol !== 'webrtc') return deny(403, 'action-not-allowed');
        if (!dir.camera(target.cameraId)) return deny(403, 'unknown-camera');
        const claims = dir.verifyViewToken ? await dir.verifyViewToken(req.token, req.path) : undefined;
        return claims ? allow('console-view') : deny(403, 'wrong-credentials');
      }
      if (req.user === '' && req.password === '') return deny(401, 'credentials-required');
      const camera = dir.camera(target.cameraId);
      if (!camera) return deny(403, 'unknown-camera');
      if (req.action === 'publish') {
        const ok =
          sameSecret(req.user, camera.publish.user) && sameSecret(req.password, camera.publish.password);
        return ok ? allow('publisher') : deny(403, 'wrong-credentials');
      }
      return (await dir.verifyViewer(camera.id, req.user, req.password))
        ? allow('viewer')
        : deny(403, 'wrong-credentials');
    }
  }
}

function allow(reason: MediaAuthDecision['reason']): MediaAuthDecision {
  return { status: 200, reason };
}

function deny(status: 401 | 403, reason: MediaAuthDecision['reason']): MediaAuthDecision {
  return { status, reason };
}

/** Constant-time comparison; an empty expected secret never matches. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return b.length > 0 && a.length === b.length && timingSafeEqual(a, b);
}
