import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';

/**
 * Camera identity (DESIGN.md, "Identity and stable ports"): the key names the camera, host and
 * user names are labels only. Everything else about a camera's identity is derived from the key.
 */

/** The fixed namespace of camera ids. Never change it: every camera id derives from it. */
export const CAMERA_ID_NAMESPACE = '5a0c2b1e-7d3f-4c8e-9b6a-2f1d4e8c7a90';

export type CameraMode = 'shared' | 'per-user';

export interface IdentityParts {
  mode: CameraMode;
  hostId: string;
  userId?: string | undefined;
}

/** Shared: `shared/<hostId>`. Per-user: `user/<hostId>/<userId>`. Host ids compare case-insensitively. */
export function identityKey(identity: IdentityParts): string {
  const host = identity.hostId.trim().toLowerCase();
  switch (identity.mode) {
    case 'shared':
      return `shared/${host}`;
    case 'per-user': {
      const user = identity.userId?.trim();
      if (!user) throw new TypeError('a per-user identity needs a userId');
      return `user/${host}/${user}`;
    }
  }
}

/** Camera id = UUIDv5 of the identity key: stable even when every piece of state is lost. */
export function cameraIdOf(key: string): string {
  return uuidv5(key, CAMERA_ID_NAMESPACE);
}

/**
 * A locally administered unicast MAC (`02:…`) derived from the camera id, distinct per camera
 * because Home Assistant and UniFi Protect identify cameras by MAC. 40 bits of SHA-256: the chance
 * of any clash among 10,000 cameras is below 5e-5.
 */
export function macOf(cameraId: string): string {
  const digest = createHash('sha256').update(`mac:${cameraId}`).digest();
  const bytes = [0x02, ...digest.subarray(0, 5)];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The serial number shown by GetDeviceInformation: the camera id's first 64 bits in hex. */
export function serialOf(cameraId: string): string {
  return `DO-${cameraId.replace(/-/g, '').slice(0, 16).toUpperCase()}`;
}

/** MediaMTX path names of a camera's two streams. */
export function mediaPathsOf(cameraId: string): { main: string; sub: string } {
  return { main: `desk/${cameraId}/main`, sub: `desk/${cameraId}/sub` };
}
