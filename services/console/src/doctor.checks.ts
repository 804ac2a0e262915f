import { audioText } from './audio.text.js';
import type { CameraView } from './fleet.state.js';
import type { FirewallPorts } from './firewall.rules.js';
import { firewallRules } from './firewall.rules.js';

/** One of DeskCamera's seven "the NVR cannot connect" checks, with what to do when it fails. */
export interface DoctorCheck {
  id: 'agent' | 'addresses' | 'mode' | 'ports' | 'onvif-port' | 'rtsp' | 'firewall';
  title: string;
  status: 'pass' | 'warn' | 'fail';
  detail: string;
  fix?: string;
  data?: Record<string, unknown>;
}

/** What the doctor found out by asking (probes), for the pure evaluation below. */
export interface DoctorProbes {
  now: number;
  urls: { onvifAddress: string; rtsp: { main: string; sub: string } };
  /** The ONVIF port: 'onvif' (our service answered GetSystemDateAndTime), 'other' (something else), 'closed'. */
  onvifPort: { state: 'onvif' | 'other' | 'closed'; detail: string };
  /** The RTSP server: 'auth' (asks for credentials, as it should), 'open', 'closed', 'error'. */
  rtsp: { state: 'auth' | 'open' | 'closed' | 'error'; detail: string };
  /** Forced port moves heard for this camera (a bind failure: another program held the port). */
  portMoves: Array<{ at: string; from: number; to: number; reason: string }>;
  firewall: FirewallPorts;
}

const STALE_HEARTBEAT_MS = 20_000;
const RECENT_MS = 24 * 3600_000;

export function runChecks(c: CameraView, p: DoctorProbes): DoctorCheck[] {
  const hbAge = c.live ? p.now - Date.parse(c.live.at) : Infinity;
  const agent: DoctorCheck = !c.online
    ? {
        id: 'agent',
        title: 'Agent connected and streaming',
        status: 'fail',
        detail: 'the camera is offline: no heartbeat from its agent',
        fix: `On ${c.hostName}${c.userName ? ` (user ${c.userName})` : ''}: start the agent (the logon task "desk-onvif-agent"), then check "desk-onvif-agent status"; it must reach NATS.`,
      }
    : hbAge > STALE_HEARTBEAT_MS
      ? {
          id: 'agent',
          title: 'Agent connected and streaming',
          status: 'fail',
          detail: `the last heartbeat is ${Math.round(hbAge / 1000)} s old`,
          fix: 'The agent stopped talking: check its NATS connection and its log.',
        }
      : c.live?.state !== 'streaming'
        ? {
            id: 'agent',
            title: 'Agent connected and streaming',
            status: 'fail',
            detail: `the agent is connected but ${c.live?.state ?? 'not streaming'}`,
            fix: 'See the agent log: a locked session, a failing encoder (try "encoder": "libx264") or no desktop (session 0).',
          }
        : c.live.audio?.state === 'lost'
          ? {
              id: 'agent',
              title: 'Agent connected and streaming',
              status: 'warn',
              detail: `streaming video without audio: the audio device is gone${c.live.audio.detail ? ` (${c.live.audio.detail})` : ''}`,
              fix: 'Plug the sound device back in or re-enable it: the agent adds the audio back by itself within seconds.',
            }
          : {
              id: 'agent',
              title: 'Agent connected and streaming',
              status: 'pass',
              detail:
                `streaming ${c.live.fps.toFixed(1)} fps, ${Math.round(c.live.bitrateKbps)} kb/s (${c.live.encoder}), ${c.live.restarts} restarts` +
                (c.live.audio ? `; audio ${audioText(c.live.audio)}` : ''),
            };

  const recentMoves = p.portMoves.filter((m) => p.now - Date.parse(m.at) < RECENT_MS);
  const addresses: DoctorCheck = {
    id: 'addresses',
    title: 'The addresses the NVR must use',
    status: recentMoves.length > 0 ? 'warn' : 'pass',
    detail:
      `ONVIF ${p.urls.onvifAddress}; RTSP ${p.urls.rtsp.main} and ${p.urls.rtsp.sub}` +
      (recentMoves.length > 0
        ? `; the ONVIF port changed recently: ${recentMoves.map((m) => `${m.from} → ${m.to} (${m.reason})`).join(', ')}`
        : ''),
    ...(recentMoves.length > 0 ? { fix: `Give the NVR the new ONVIF address ${p.urls.onvifAddress}.` } : {}),
    data: { onvifAddress: p.urls.onvifAddress, rtsp: p.urls.rtsp, portMoves: recentMoves },
  };

  const mode: DoctorCheck = {
    id: 'mode',
    title: 'Shared or per-user camera',
    status: 'pass',
    detail:
      c.mode === 'shared'
        ? `shared: one camera for ${c.hostName}, whoever is logged on`
        : `per-user: the session of Windows user ${c.userName ?? '?'} on ${c.hostName} runs it; it streams only while that user is logged on`,
  };

  const ports: DoctorCheck = {
    id: 'ports',
    title: 'Custom ONVIF port, static RTSP port',
    status: 'pass',
    detail: `ONVIF port ${c.onvifPort} (${c.portSetByAdmin ? 'set by an administrator' : 'assigned by the registry'}); RTSP port ${p.firewall.rtspPort} (the same for every camera)`,
  };

  const onvifPort: DoctorCheck =
    p.onvifPort.state === 'onvif'
      ? {
          id: 'onvif-port',
          title: 'ONVIF port reachable, not held by another program',
          status: 'pass',
          detail: p.onvifPort.detail,
        }
      : p.onvifPort.state === 'other'
        ? {
            id: 'onvif-port',
            title: 'ONVIF port reachable, not held by another program',
            status: 'fail',
            detail: `port ${c.onvifPort} is held by another program: ${p.onvifPort.detail}`,
            fix: `Stop that program, or give the camera another port (the registry blocks ${c.onvifPort} for a while when the onvif service cannot bind it).`,
          }
        : {
            id: 'onvif-port',
            title: 'ONVIF port reachable, not held by another program',
            status: 'fail',
            detail: `nothing answers on port ${c.onvifPort}: ${p.onvifPort.detail}`,
            fix: 'Is the onvif service running on this server? Its log says why it could not listen.',
          };
  const held = recentMoves.find((m) => m.reason !== 'admin');
  if (onvifPort.status === 'pass' && held) {
    onvifPort.status = 'warn';
    onvifPort.detail += `; port ${held.from} was held by another program (${held.reason}), so the camera moved to ${held.to}`;
    onvifPort.fix = `Find the program on port ${held.from} ("ss -ltnp 'sport = :${held.from}'"), or keep the new port.`;
  }

  const rtsp: DoctorCheck =
    p.rtsp.state === 'auth' && c.online && c.live?.state === 'streaming'
      ? {
          id: 'rtsp',
          title: 'The RTSP path has a publisher and asks for the camera credentials',
          status: 'pass',
          detail: p.rtsp.detail,
        }
      : {
          id: 'rtsp',
          title: 'The RTSP path has a publisher and asks for the camera credentials',
          status: p.rtsp.state === 'open' ? 'warn' : 'fail',
          detail: p.rtsp.detail + (c.live?.state === 'streaming' ? '' : '; the agent is not publishing'),
          fix:
            p.rtsp.state === 'closed'
              ? `Is the media server (MediaMTX) running and is port ${p.firewall.rtspPort} open?`
              : 'Start the agent; read with the camera’s ONVIF user and password (RTSP Basic).',
        };

  const fw = firewallRules(p.firewall);
  const firewall: DoctorCheck = {
    id: 'firewall',
    title: 'Firewall rules this server needs',
    status: 'pass',
    detail: fw.rules.map((r) => `${r.proto} ${r.port} (${r.purpose})`).join('; '),
    data: { ufw: fw.ufw, nftables: fw.nftables, netsh: fw.netsh },
  };
  return [agent, addresses, mode, ports, onvifPort, rtsp, firewall];
}
