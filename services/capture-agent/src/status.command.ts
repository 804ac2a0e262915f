import type { AgentConfig } from './config.js';
import type { AgentState, StateStore } from './state.store.js';
import { mediaEndpoint } from './stream.job.js';

/** What the running agent serves on its local /status (see CaptureAgent.status). */
export interface LiveStatus {
  state: string;
  registered: boolean;
  natsConnected: boolean;
  fps: number;
  bitrateKbps: number;
  restarts: number;
  encoder: string;
  /** Older agents do not serve these two. */
  ffmpeg?: { path: string; version: string };
  grabber?: string;
  settings?: { main: { width: number; height: number }; sub: { width: number; height: number } };
  audio?: { state: string; device?: string; codec?: string; detail?: string };
}

export interface StatusView {
  camera: { id: string; name: string } | undefined;
  state: string;
  onvifAddress: string | undefined;
  rtsp: { main: string; sub: string } | undefined;
  credentials: string;
  live: LiveStatus | undefined;
}

/**
 * `status`: what DeskCamera's camera details dialog shows — name, ONVIF address, RTSP URLs,
 * a credentials hint and the state — from the state file and, when it runs, the agent itself.
 */
export function statusView(
  config: Pick<AgentConfig, 'mediaUrl' | 'subMediaUrl' | 'onvifHost'>,
  state: AgentState | undefined,
  live: LiveStatus | undefined,
  reveal: boolean,
): StatusView {
  const c = state?.camera;
  const media = mediaEndpoint(config.mediaUrl);
  const sub = mediaEndpoint(config.subMediaUrl ?? config.mediaUrl);
  const host = (h: string) => (h.includes(':') ? `[${h}]` : h);
  // Where the agent publishes, readers can read too: over RTSPS when it publishes over RTSPS.
  const scheme = (url: string) => (url.trim().startsWith('rtsps://') ? 'rtsps' : 'rtsp');
  const onvifHost = config.onvifHost ?? media.host;
  return {
    camera: c ? { id: c.id, name: c.name } : undefined,
    state: live ? live.state : 'not running',
    onvifAddress: c ? `http://${host(onvifHost)}:${c.onvifPort}/onvif/device_service` : undefined,
    rtsp: c
      ? {
          main: `${scheme(config.mediaUrl)}://${host(media.host)}:${media.port}/${c.paths.main}`,
          sub: `${scheme(config.subMediaUrl ?? config.mediaUrl)}://${host(sub.host)}:${sub.port}/${c.paths.sub}`,
        }
      : undefined,
    credentials: credentialsHint(state, reveal),
    live,
  };
}

function credentialsHint(state: AgentState | undefined, reveal: boolean): string {
  const o = state?.onvif;
  if (!o) return 'not set yet (the onvif service has not answered)';
  switch (o.source) {
    case 'generated': {
      const pw = o.password ?? '';
      const shown = reveal ? pw : `${pw.slice(0, 2)}${'*'.repeat(Math.max(0, pw.length - 2))}`;
      return `user ${o.username}, password ${shown} (generated${reveal ? '' : '; --reveal shows it'})`;
    }
    case 'configured':
      return `user ${o.username}, the password from the agent's configuration`;
    case 'existing':
      return `user ${o.username} (the camera already had ONVIF users; ask its administrator)`;
  }
}

export function formatStatus(v: StatusView): string {
  const rows: Array<[string, string]> = [
    ['camera', v.camera ? `${v.camera.name} (${v.camera.id})` : 'not registered yet'],
    ['state', v.state],
  ];
  if (v.onvifAddress) rows.push(['ONVIF', v.onvifAddress]);
  if (v.rtsp) rows.push(['RTSP main', v.rtsp.main], ['RTSP sub', v.rtsp.sub]);
  rows.push(['credentials', v.credentials]);
  if (v.live) {
    const s = v.live.settings;
    rows.push(
      [
        'NATS',
        `${v.live.natsConnected ? 'connected' : 'disconnected'}, ${v.live.registered ? 'registered' : 'not registered'}`,
      ],
      [
        'capture',
        `${v.live.grabber ?? '?'}, ffmpeg ${v.live.ffmpeg ? `${v.live.ffmpeg.version} (${v.live.ffmpeg.path})` : '?'}`,
      ],
      [
        'encoding',
        `${v.live.encoder}${s ? `, main ${s.main.width}x${s.main.height}, sub ${s.sub.width}x${s.sub.height}` : ''}`,
      ],
      [
        'rate',
        `${v.live.fps.toFixed(1)} fps, ${Math.round(v.live.bitrateKbps)} kbit/s, ${v.live.restarts} restarts`,
      ],
    );
    const a = v.live.audio;
    if (a)
      rows.push([
        'audio',
        [a.state, a.codec === 'pcmu' ? 'G.711 μ-law' : a.codec === 'aac' ? 'AAC' : '', a.device, a.detail]
          .filter(Boolean)
          .join(', '),
      ]);
  }
  return `${rows.map(([k, val]) => `${`${k}:`.padEnd(13)}${val}`).join('\n')}\n`;
}

/** The running agent's /status, if one runs for this state directory and answers within a second. */
export async function fetchLive(store: StateStore): Promise<LiveStatus | undefined> {
  const rt = store.loadRuntime();
  if (!rt || rt.metricsPort === 0) return undefined;
  try {
    const res = await fetch(`http://127.0.0.1:${rt.metricsPort}/status`, {
      signal: AbortSignal.timeout(1000),
    });
    return res.ok ? ((await res.json()) as LiveStatus) : undefined;
  } catch {
    return undefined;
  }
}
