import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { queryFleet, type FleetQuery } from '../src/fleet.query.js';
import type { Camera, FleetStore } from './fleet.store.js';
import { CopyButton, StateBadge, useFleet, useTick } from './widgets.js';

const ROW_HEIGHT = 76;
const OVERSCAN = 6;
const THUMB_EVERY_MS = 3000;

/** Every camera, searchable, filterable, sortable; only the rows in view are in the page. */
export function FleetView({ store }: { store: FleetStore }) {
  useFleet(store);
  const [query, setQuery] = useState<FleetQuery>({ sort: 'name' });
  const rows = useMemo(() => queryFleet(store.cameras.values(), query), [store.version, query]);
  const online = useMemo(() => [...store.cameras.values()].filter((c) => c.online).length, [store.version]);
  const tick = useTick(THUMB_EVERY_MS);
  const scroller = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, height: 800 });
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const update = () => setScroll({ top: el.scrollTop, height: el.clientHeight });
    update();
    el.addEventListener('scroll', update, { passive: true });
    window.addEventListener('resize', update);
    return () => {
      el.removeEventListener('scroll', update);
      window.removeEventListener('resize', update);
    };
  }, []);
  const first = Math.max(0, Math.floor(scroll.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scroll.top + scroll.height) / ROW_HEIGHT) + OVERSCAN);
  const set = (patch: Partial<FleetQuery>) => setQuery((q) => ({ ...q, ...patch }));
  return (
    <section class="fleet">
      <div class="toolbar">
        <input
          type="search"
          placeholder="Search name, PC, user, port…"
          aria-label="search"
          value={query.q ?? ''}
          onInput={(e) => set({ q: e.currentTarget.value })}
        />
        <select
          aria-label="state"
          onChange={(e) => set({ state: (e.currentTarget.value || undefined) as FleetQuery['state'] })}
        >
          <option value="">all states</option>
          <option value="online">online</option>
          <option value="offline">offline</option>
        </select>
        <select
          aria-label="mode"
          onChange={(e) => set({ mode: (e.currentTarget.value || undefined) as FleetQuery['mode'] })}
        >
          <option value="">all modes</option>
          <option value="shared">shared</option>
          <option value="per-user">per-user</option>
        </select>
        <select
          aria-label="sort"
          onChange={(e) => set({ sort: e.currentTarget.value as FleetQuery['sort'] })}
        >
          <option value="name">sort by name</option>
          <option value="host">by PC / user</option>
          <option value="state">offline first</option>
          <option value="port">by ONVIF port</option>
          <option value="fps">by fps</option>
        </select>
        <span class="counts" data-counts>
          {store.cameras.size} cameras · {online} online ·{' '}
          <b class="off">{store.cameras.size - online} offline</b>
          {rows.length !== store.cameras.size ? ` · ${rows.length} shown` : ''}
          {store.connected ? '' : ' · reconnecting…'}
        </span>
      </div>
      <div class="rows" ref={scroller} data-fleet-ready={store.connected ? 'true' : 'false'}>
        <div style={{ height: `${rows.length * ROW_HEIGHT}px`, position: 'relative' }}>
          {rows.slice(first, last).map((c, i) => (
            <Row key={c.id} camera={c} top={(first + i) * ROW_HEIGHT} tick={tick} />
          ))}
        </div>
      </div>
    </section>
  );
}

function Row({ camera: c, top, tick }: { camera: Camera; top: number; tick: number }) {
  return (
    <div
      class={`row ${c.online ? 'online' : 'offline'}`}
      style={{ top: `${top}px`, height: `${ROW_HEIGHT}px` }}
      data-camera-id={c.id}
      data-state={c.online ? 'online' : 'offline'}
    >
      {c.online ? (
        <img
          class="thumb"
          data-thumb
          alt=""
          width={112}
          height={63}
          src={`/api/cameras/${c.id}/snapshot.jpg?t=${tick}`}
        />
      ) : (
        <div class="thumb none">offline</div>
      )}
      <div class="who">
        <a href={`#/camera/${c.id}`} class="name" data-name>
          {c.name}
        </a>
        <span class="sub">
          {c.hostName}
          {c.userName ? ` / ${c.userName}` : ''} · {c.mode}
        </span>
      </div>
      <div class="live">
        <StateBadge camera={c} />
        {c.live && (
          <span class="sub">
            {c.live.fps.toFixed(0)} fps · {Math.round(c.live.bitrateKbps)} kb/s · {c.live.encoder} ·{' '}
            {c.live.restarts} restarts
            {c.live.audio?.state === 'streaming' ? ` · audio ${c.live.audio.codec ?? ''}` : ''}
          </span>
        )}
        {c.live?.audio?.state === 'lost' && (
          <span class="err" data-audio-lost>
            audio lost
          </span>
        )}
        {c.lastError && (
          <span class="err" title={c.lastError.at}>
            {c.lastError.message}
          </span>
        )}
      </div>
      <div class="urls">
        <span class="url" data-onvif-address>
          {c.onvifAddress} <CopyButton text={c.onvifAddress} />
        </span>
        <span class="url">
          {c.rtsp.main} <CopyButton text={c.rtsp.main} />
        </span>
        <span class="url">
          {c.rtsp.sub} <CopyButton text={c.rtsp.sub} />
        </span>
      </div>
    </div>
  );
}
