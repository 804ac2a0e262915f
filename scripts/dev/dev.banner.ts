import { join } from 'node:path';
import { authHookUrl, natsUrl, webrtcOf, type SystemSettings } from '@desk-onvif/system';

/** What `make dev` prints once the services run: where each one is, and what discovery reaches. */
export function banner(s: SystemSettings): string {
  const loopbackOnly = s.discoveryInterfaces === '127.0.0.1';
  const media = s.mediamtxBin
    ? `MediaMTX ${s.mediamtxBin}  rtsp://${s.host}:${s.rtspPort}  (api 127.0.0.1:${s.mediaApiPort}, metrics 127.0.0.1:${s.mediaMetricsPort})`
    : `RTSP relay TEST DOUBLE  rtsp://${s.host}:${s.rtspPort}  (see WARNING above)`;
  const rtsps = s.rtspsPort && s.tls?.ca ? `  rtsps://${s.host}:${s.rtspsPort} (agents publish here)` : '';
  const webrtc = webrtcOf(s);
  const liveView = webrtc
    ? `WebRTC from ${webrtc.url} (WHEP; ICE UDP ${webrtc.icePort})`
    : s.mediamtxBin
      ? 'snapshots (no WebRTC: DEV_WEBRTC_PORT/DEV_WEBRTC_ICE_PORT or the site certificate missing)'
      : 'snapshots (the relay double serves no WebRTC)';
  return [
    `dev: running (state in ${s.stateDir}, logs in ${join(s.stateDir, 'logs')})`,
    `  NATS            ${natsUrl(s)} (operator mode, TLS; site CA ${s.trust?.caFile ?? join(s.stateDir, 'trust', 'pki', 'ca.crt')}; JetStream store in ${join(s.stateDir, 'jetstream')})`,
    `                  admin: DESK_ONVIF_NATS_URL=${natsUrl(s)} node services/admin-cli/dist/main.js --trust-dir ${join(s.stateDir, 'trust')} enrolment list`,
    `  port-registry   http://127.0.0.1:${s.registryHttpPort}/metrics  ONVIF ports ${s.onvifPortRange}`,
    `  onvif           http://127.0.0.1:${s.onvifHttpPort}/metrics  auth hook ${authHookUrl(s)}`,
    `  media           ${media}${rtsps}`,
    `                  the console's live view: ${liveView}`,
    `  discovery       http://127.0.0.1:${s.discoveryHttpPort}/metrics  WS-Discovery UDP ${s.discoveryPort} on ${s.discoveryInterfaces}`,
    loopbackOnly
      ? '                  loopback only: NVRs on the LAN do not discover these cameras (no multicast leaves this machine);\n' +
        "                  DEV_DISCOVERY_INTERFACES=eth0 (and DEV_HOST=<this machine's address>) announces them on the LAN"
      : `                  announcing on ${s.discoveryInterfaces}: NVRs on that network discover these cameras`,
    '',
  ].join('\n');
}
