import type { CameraRecord } from '@desk-onvif/contracts';

/** A valid camera record, as the registry writes it, with the fields a test cares about. */
export function cameraRecord(over: Partial<CameraRecord> = {}): CameraRecord {
  return {
    schema: 1,
    id: '6f1e2d3c-4b5a-5968-8778-695a4b3c2d1e',
    identityKey: 'shared/host-1',
    mode: 'shared',
    hostId: 'host-1',
    hostName: 'pc-17',
    name: 'Front desk',
    nameSetByAdmin: false,
    onvifPort: 8090,
    portSetByAdmin: false,
    node: 'default',
    paths: { main: 'desk/x/main', sub: 'desk/x/sub' },
    mac: '02:aa:bb:cc:dd:ee',
    serial: 'DO-1',
    publish: { user: 'p', password: '' },
    settings: {
      main: { width: 1920, height: 1080, fps: 15, bitrateKbps: 4000, gop: 30 },
      sub: { width: 640, height: 360, fps: 15, bitrateKbps: 512, gop: 30 },
    },
    discoveryMode: 'Discoverable',
    online: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:10.000Z',
    ...over,
  };
}
