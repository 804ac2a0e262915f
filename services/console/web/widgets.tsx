import { useEffect, useState } from 'preact/hooks';
import type { Camera, FleetStore } from './fleet.store.js';

/** Re-renders the caller whenever the fleet changes (at most once a frame). */
export function useFleet(store: FleetStore): number {
  const [, setVersion] = useState(store.version);
  useEffect(() => store.subscribe(() => setVersion(store.version)), [store]);
  return store.version;
}

/** A counter that moves every `ms`: the thumbnails' cache buster. */
export function useTick(ms: number): number {
  const [tick, setTick] = useState(() => Math.floor(Date.now() / ms));
  useEffect(() => {
    const t = setInterval(() => setTick(Math.floor(Date.now() / ms)), ms);
    return () => clearInterval(t);
  }, [ms]);
  return tick;
}

export function CopyButton({ text }: { text: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="copy"
      title="copy"
      onClick={() => {
        void navigator.clipboard.writeText(text).then(() => {
          setDone(true);
          setTimeout(() => setDone(false), 1200);
        });
      }}
    >
      {done ? 'copied' : 'copy'}
    </button>
  );
}

export function StateBadge({ camera: c }: { camera: Camera }) {
  const label = c.online ? (c.live?.state ?? 'online') : 'offline';
  return (
    <span class={`badge ${c.online ? (c.live?.state === 'streaming' ? 'ok' : 'warn') : 'bad'}`} data-badge>
      {label}
    </span>
  );
}
