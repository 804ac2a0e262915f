/** The scopes an ONVIF device announces (ONVIF Core 7.3.2.2), built from what a camera is called. */

const BASE = 'onvif://www.onvif.org';

export interface DeviceLabels {
  name: string;
  /** The model, shown by NVRs from the hardware scope. */
  hardware: string;
  /** Where the camera is: here the PC it runs on. */
  location: string;
  mac: string;
}

/**
 * Free text goes in one path segment, percent-encoded, because Scopes is a whitespace-separated
 * list of URIs (a name with a space would otherwise become two scopes).
 */
export function onvifScopes(labels: DeviceLabels): string[] {
  const seg = (v: string) => encodeURIComponent(v);
  return [
    `${BASE}/type/video_encoder`,
    // Profile S (Streaming) only: Profile T needs HTTPS and imaging, which no camera serves yet.
    `${BASE}/Profile/Streaming`,
    `${BASE}/name/${seg(labels.name)}`,
    `${BASE}/hardware/${seg(labels.hardware)}`,
    `${BASE}/location/${seg(labels.location)}`,
    `${BASE}/mac/${seg(labels.mac)}`,
  ];
}
