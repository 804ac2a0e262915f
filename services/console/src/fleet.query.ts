import type { CameraView } from './fleet.state.js';

export interface FleetQuery {
  q?: string;
  state?: 'online' | 'offline';
  mode?: 'shared' | 'per-user';
  sort?: 'name' | 'host' | 'state' | 'port' | 'fps';
}

/** Search (name, PC, user, id, port), filter by state and mode, sort: the fleet view and the CLI. */
export function queryFleet<T extends CameraView>(cameras: Iterable<T>, q: FleetQuery): T[] {
  const needle = q.q?.trim().toLowerCase();
  const out = [...cameras].filter(
    (c) =>
      (q.state === undefined || c.online === (q.state === 'online')) &&
      (q.mode === undefined || c.mode === q.mode) &&
      (!needle ||
        [c.name, c.hostName, c.userName ?? '', c.id, String(c.onvifPort)].some((f) =>
          f.toLowerCase().includes(needle),
        )),
  );
  const by: Record<NonNullable<FleetQuery['sort']>, (a: T, b: T) => number> = {
    name: (a, b) => a.name.localeCompare(b.name),
    host: (a, b) =>
      a.hostName.localeCompare(b.hostName) || (a.userName ?? '').localeCompare(b.userName ?? ''),
    state: (a, b) => Number(a.online) - Number(b.online),
    port: (a, b) => a.onvifPort - b.onvifPort,
    fps: (a, b) => (a.live?.fps ?? -1) - (b.live?.fps ?? -1),
  };
  const cmp = by[q.sort ?? 'name'];
  return out.sort((a, b) => cmp(a, b) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
