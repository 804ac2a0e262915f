import type { CameraView } from './fleet.state.js';

export interface Endpoints {
  cameraHost: string;
  rtspPort: number;
}

const bracketed = (h: string) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h);

/** The addresses an NVR must use for a camera (no credentials in them). */
export function cameraUrls(c: Pick<CameraView, 'onvifPort' | 'paths'>, e: Endpoints) {
  const host = bracketed(e.cameraHost);
  return {
    onvifAddress: `http://${host}:${c.onvifPort}/onvif/device_service`,
    rtsp: {
      main: `rtsp://${host}:${e.rtspPort}/${c.paths.main}`,
      sub: `rtsp://${host}:${e.rtspPort}/${c.paths.sub}`,
    },
  };
}

export function withUrls(c: CameraView, e: Endpoints) {
  return { ...c, ...cameraUrls(c, e) };
}
