import type { CameraRecord } from './schemas.js';

/**
 * The scopes of a camera (ONVIF Core 7.3.2.2): the one list GetScopes answers and WS-Discovery
 * announces (Hello, ProbeMatch) and matches Probes against, so that a client finds a camera by the
 * same scope it reads from it.
 */

const BASE = 'onvif://www.onvif.org';

/** The model: GetDeviceInformation's Model and the `hardware/` scope. */
export const DEVICE_MODEL = 'Desktop Camera';

export type ScopedCamera = Pick<CameraRecord, 'name' | 'hostName' | 'mac'>;

/**
 * `profiles`: the ONVIF profiles the camera claims (`Streaming`, `T`), decided by what it serves.
 * Free text goes in one path segment, percent-encoded, because Scopes is a whitespace-separated
 * list of URIs (a name with a space would otherwise become two scopes); the MAC (`02:xx:…`, checked
 * by the record's schema) is a valid path segment as it is.
 */
export function cameraScopes(camera: ScopedCamera, profiles: readonly string[]): string[] {
  const seg = (v: string) => encodeURIComponent(v);
  return [
    `${BASE}/type/video_encoder`,
    ...profiles.map((p) => `${BASE}/Profile/${seg(p)}`),
    `${BASE}/name/${seg(camera.name)}`,
    `${BASE}/hardware/${seg(DEVICE_MODEL)}`,
    `${BASE}/location/${seg(camera.hostName)}`,
    `${BASE}/mac/${camera.mac}`,
  ];
}
