import { MAX_CONFIGURABLE_SCOPES, type CameraRecord } from './schemas.js';

/**
 * The scopes of a camera (ONVIF Core 7.3.2.2): the one list GetScopes answers and WS-Discovery
 * announces (Hello, ProbeMatch) and matches Probes against, so that a client finds a camera by the
 * same scope it reads from it. Fixed: type, the claimed profiles, hardware, mac. Configurable
 * (SetScopes, AddScopes, RemoveScopes, kept in the record's `scopes`): by default the camera's
 * `name/` and `location/` (its host name).
 */

export const ONVIF_SCOPE_BASE = 'onvif://www.onvif.org';

/** The model: GetDeviceInformation's Model and the `hardware/` scope. */
export const DEVICE_MODEL = 'Desktop Camera';

export type ScopedCamera = Pick<CameraRecord, 'name' | 'hostName' | 'mac' | 'scopes'>;

export { MAX_CONFIGURABLE_SCOPES };

const seg = (v: string) => encodeURIComponent(v);
const FIXED = /^onvif:\/\/www\.onvif\.org\/(type|Profile|hardware|mac)(\/|$)/i;

/** Whether a scope belongs to the fixed categories a client cannot set or remove. */
export function isFixedScope(scope: string): boolean {
  return FIXED.test(scope);
}

/**
 * `profiles`: the ONVIF profiles the camera claims (`Streaming`, `T`), decided by what it serves.
 * Free text goes in one path segment, percent-encoded, because Scopes is a whitespace-separated
 * list of URIs (a name with a space would otherwise become two scopes); the MAC (`02:xx:…`, checked
 * by the record's schema) is a valid path segment as it is.
 */
export function fixedScopes(camera: ScopedCamera, profiles: readonly string[]): string[] {
  return [
    `${ONVIF_SCOPE_BASE}/type/video_encoder`,
    ...profiles.map((p) => `${ONVIF_SCOPE_BASE}/Profile/${seg(p)}`),
    `${ONVIF_SCOPE_BASE}/hardware/${seg(DEVICE_MODEL)}`,
    `${ONVIF_SCOPE_BASE}/mac/${camera.mac}`,
  ];
}

/** What a client set (the record's `scopes`), or the defaults: the camera's name and host. */
export function configurableScopes(camera: ScopedCamera): string[] {
  return (
    camera.scopes ?? [
      `${ONVIF_SCOPE_BASE}/name/${seg(camera.name)}`,
      `${ONVIF_SCOPE_BASE}/location/${seg(camera.hostName)}`,
    ]
  );
}

export function cameraScopes(camera: ScopedCamera, profiles: readonly string[]): string[] {
  return [...fixedScopes(camera, profiles), ...configurableScopes(camera)];
}
