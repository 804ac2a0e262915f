import type { CameraRecord, Heartbeat } from '@desk-onvif/contracts';

/** What the browser and the CLI see of one camera: never its publish secret. */
export interface CameraView {
  id: string;
  name: string;
  hostName: string;
  userName?: string;
  mode: CameraRecord['mode'];
  online: boolean;
  onvifPort: number;
  portSetByAdmin: boolean;
  paths: CameraRecord['paths'];
  discoveryMode: CameraRecord['discoveryMode'];
  settings: CameraRecord['settings'];
  mac: string;
  serial: string;
  agent?: CameraRecord['agent'];
  updatedAt: string;
  live?: {
    state: Heartbeat['state'];
    fps: number;
    bitrateKbps: number;
    encoder: string;
    uptimeS: number;
    restarts: number;
    /** The agent's audio (streaming, lost with why, off, unavailable); absent from older agents. */
    audio?: Heartbeat['audio'];
    at: string;
  };
  /** The last error event heard from the agent, or the last port move. */
  lastError?: { at: string; message: string };
  /** When the ONVIF port last moved (the NVR must follow). */
  portMovedAt?: string;
}

export function cameraView(record: CameraRecord, previous?: CameraView): CameraView {
  return {
    id: record.id,
    name: record.name,
    hostName: record.hostName,
    ...(record.userName !== undefined ? { userName: record.userName } : {}),
    mode: record.mode,
    online: record.online,
    onvifPort: record.onvifPort,
    portSetByAdmin: record.portSetByAdmin,
    paths: record.paths,
    discoveryMode: record.discoveryMode,
    settings: record.settings,
    mac: record.mac,
    serial: record.serial,
    ...(record.agent ? { agent: record.agent } : {}),
    updatedAt: record.updatedAt,
    ...(previous?.live ? { live: previous.live } : {}),
    ...(previous?.lastError ? { lastError: previous.lastError } : {}),
    ...(previous?.portMovedAt ? { portMovedAt: previous.portMovedAt } : {}),
  };
}

/**
 * The fleet as the console knows it: camera records from KV, live figures from heartbeats, events.
 * Changes are collected and handed out in batches (`drain`), so that 1,000 cameras heartbeating
 * become a few pushes a second, not a thousand.
 */
export class FleetState {
  readonly cameras = new Map<string, CameraView>();
  private readonly changed = new Set<string>();
  private readonly removed = new Set<string>();

  putRecord(record: CameraRecord): void {
    const prev = this.cameras.get(record.id);
    const next = cameraView(record, prev);
    if (prev && prev.onvifPort !== next.onvifPort) next.portMovedAt = record.updatedAt;
    if (!record.online) delete next.live;
    this.cameras.set(record.id, next);
    this.touch(record.id);
  }

  remove(id: string): void {
    if (this.cameras.delete(id)) {
      this.changed.delete(id);
      this.removed.add(id);
    }
  }

  clear(): void {
    for (const id of this.cameras.keys()) this.remove(id);
  }

  heartbeat(id: string, hb: Heartbeat): void {
    const cam = this.cameras.get(id);
    if (!cam) return;
    cam.live = {
      state: hb.state,
      fps: hb.fps,
      bitrateKbps: hb.bitrateKbps,
      encoder: hb.encoder,
      uptimeS: hb.uptimeS,
      restarts: hb.errors ?? 0,
      ...(hb.audio ? { audio: hb.audio } : {}),
      at: hb.at,
    };
    if (hb.state === 'error' || hb.state === 'stalled')
      cam.lastError = { at: hb.at, message: `capture ${hb.state}` };
    this.touch(id);
  }

  error(id: string, at: string, message: string): void {
    const cam = this.cameras.get(id);
    if (!cam) return;
    cam.lastError = { at, message };
    this.touch(id);
  }

  /** Everything changed since the last drain. */
  drain(): { changed: CameraView[]; removed: string[] } {
    const changed = [...this.changed].flatMap((id) => {
      const c = this.cameras.get(id);
      return c ? [c] : [];
    });
    const removed = [...this.removed];
    this.changed.clear();
    this.removed.clear();
    return { changed, removed };
  }

  private touch(id: string): void {
    this.removed.delete(id);
    this.changed.add(id);
  }
}
