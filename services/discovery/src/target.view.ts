import { ONVIF_DEVICE_TYPES, type TargetService } from '@desk-onvif/ws-discovery';
import type { AnnouncedCamera } from './camera.directory.js';

/** A camera as a WS-Discovery Target Service, its XAddrs on `host` (DESIGN.md: the device_service path). */
export function targetOf(camera: AnnouncedCamera, host: string): TargetService {
  return {
    address: camera.address,
    types: ONVIF_DEVICE_TYPES,
    scopes: camera.scopes,
    xaddrs: [`http://${host}:${camera.onvifPort}/onvif/device_service`],
    metadataVersion: camera.metadataVersion,
  };
}
