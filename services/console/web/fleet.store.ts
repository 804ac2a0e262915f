import type { CameraView } from '../src/fleet.state.js';

export type Camera = CameraView & { onvifAddress: string; rtsp: { main: string; sub: string } };

/**
 * The fleet in the browser: one EventSource gets the whole fleet, then batched changes. Listeners
 * are told at most once per animation frame, however many cameras changed.
 */
export class FleetStore {
  readonly cameras = new Map<string, Camera>();
  version = 0;
  connected = false;
  private readonly listeners = new Set<() => void>();
  private source: EventSource | undefined;
  private scheduled = false;

  start(): void {
    const source = new EventSource('/api/cameras/events');
    this.source = source;
    source.addEventListener('fleet', (e) => {
      const { cameras } = JSON.parse((e as MessageEvent<string>).data) as { cameras: Camera[] };
      this.cameras.clear();
      for (const c of cameras) this.cameras.set(c.id, c);
      this.connected = true;
      this.changed();
    });
    source.addEventListener('changes', (e) => {
      const { changed, removed } = JSON.parse((e as MessageEvent<string>).data) as {
        changed: Camera[];
        removed: string[];
      };
      for (const c of changed) this.cameras.set(c.id, c);
      for (const id of removed) this.cameras.delete(id);
      this.changed();
    });
    source.onerror = () => {
      this.connected = false;
      this.changed();
    };
  }

  stop(): void {
    this.source?.close();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.version++;
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      for (const l of this.listeners) l();
    });
  }
}
