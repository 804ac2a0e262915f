import { findOperation } from './operations.js';
import { Ns } from './namespaces.js';
import type { CameraFeatures } from './operation.types.js';

const IMAGING = 'http://www.onvif.org/ver20/imaging/wsdl';

/**
 * The ONVIF profiles a camera may announce in its scopes: only those whose mandatory features it
 * serves. Profile S ("Streaming"): device, media, events (pull point and Base Notification).
 * Profile T: also Media2, imaging and HTTPS — claimed only once HTTPS is on and imaging operations
 * exist, never on the strength of a configuration flag alone.
 */
export function claimedProfiles(features: CameraFeatures): string[] {
  const profiles: string[] = [];
  if (findOperation(Ns.events, 'CreatePullPointSubscription') && findOperation(Ns.wsnt, 'Subscribe'))
    profiles.push('Streaming');
  if (
    profiles.includes('Streaming') &&
    features.https &&
    findOperation(Ns.media2, 'GetProfiles') &&
    findOperation(IMAGING, 'GetImagingSettings')
  )
    profiles.push('T');
  return profiles;
}
