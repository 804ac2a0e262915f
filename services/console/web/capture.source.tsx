import { useState } from 'preact/hooks';
import { sourceText } from '../src/source.text.js';
import type { Camera } from './fleet.store.js';

type Source = NonNullable<Camera['settings']['source']>;
type Kind = Source['kind'] | 'configured';

const num = (f: FormData, name: string) => Number(f.get(name));

/** The source the form describes; undefined: the agent's configured source. */
function sourceOf(kind: Kind, f: FormData): Source | undefined {
  switch (kind) {
    case 'configured':
      return undefined;
    case 'desktop':
      return { kind };
    case 'monitor':
      return { kind, index: num(f, 'index') };
    case 'region':
      return { kind, x: num(f, 'x'), y: num(f, 'y'), width: num(f, 'width'), height: num(f, 'height') };
    case 'window': {
      const title = f.get('title');
      return { kind, title: typeof title === 'string' ? title : '' };
    }
  }
}

/**
 * What the camera captures (DeskCamera's desktop, monitor, region or window): sent with the other
 * encoder settings, to the agent first; the page then says when the new source streams.
 */
export function CaptureSourceForm({
  camera,
  busy,
  change,
}: {
  camera: Camera;
  busy: boolean;
  change: (patch: Record<string, unknown>) => void;
}) {
  const current = camera.settings.source;
  const [kind, setKind] = useState<Kind>(current?.kind ?? 'configured');
  const region = current?.kind === 'region' ? current : undefined;
  const field = (name: string, value: number, min: number) => (
    <label key={name}>
      {name} <input name={name} type="number" min={min} defaultValue={value} required />
    </label>
  );
  const submit = (e: Event) => {
    e.preventDefault();
    const { source: _previous, ...settings } = camera.settings;
    const source = sourceOf(kind, new FormData(e.currentTarget as HTMLFormElement));
    change({ settings: source ? { ...settings, source } : settings });
  };
  return (
    <form data-form="source" onSubmit={submit}>
      <fieldset>
        <legend>capture source</legend>
        <p class="note" data-source>
          now: {sourceText(current)}
        </p>
        <label>
          source{' '}
          <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
            <option value="configured">the agent's configuration</option>
            <option value="desktop">whole desktop</option>
            <option value="monitor">one monitor</option>
            <option value="region">a region</option>
            <option value="window">a window</option>
          </select>
        </label>
        {kind === 'monitor' && field('index', current?.kind === 'monitor' ? current.index : 0, 0)}
        {kind === 'region' && [
          field('x', region?.x ?? 0, -32768),
          field('y', region?.y ?? 0, -32768),
          field('width', region?.width ?? camera.settings.main.width, 16),
          field('height', region?.height ?? camera.settings.main.height, 16),
        ]}
        {kind === 'window' && (
          <label>
            title{' '}
            <input
              name="title"
              required
              maxLength={256}
              defaultValue={current?.kind === 'window' ? current.title : ''}
            />
          </label>
        )}
      </fieldset>
      <button disabled={busy}>Set source</button>
    </form>
  );
}
