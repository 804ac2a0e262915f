import { useState } from 'preact/hooks';
import { audioText } from '../src/audio.text.js';
import { api, ApiError, type Session } from './api.js';
import type { Camera, FleetStore } from './fleet.store.js';
import { BindingActions, OnvifUsersView } from './camera.access.js';
import { CaptureSourceForm } from './capture.source.js';
import { DoctorView } from './doctor.view.js';
import { LiveView } from './live.view.js';
import { CopyButton, StateBadge, useFleet } from './widgets.js';

interface Effect {
  what: string;
  status: 'applied' | 'pending' | 'failed';
  detail: string;
}
type Stream = Camera['settings']['main'];
const STREAM_FIELDS: (keyof Stream)[] = ['width', 'height', 'fps', 'bitrateKbps', 'gop'];

export function CameraPage({ id, store, session }: { id: string; store: FleetStore; session: Session }) {
  useFleet(store);
  const camera = store.cameras.get(id);
  const [effects, setEffects] = useState<Effect[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  if (!camera)
    return (
      <p>
        No camera {id} (removed?). <a href="#/">Back to the fleet</a>
      </p>
    );
  const admin = session.role === 'admin';
  const change = async (patch: Record<string, unknown>) => {
    setBusy(true);
    setError('');
    setEffects([]);
    try {
      const r = await api<{ effects: Effect[] }>('PATCH', `/api/cameras/${id}`, patch);
      setEffects(r.effects);
    } catch (err) {
      setError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: Event, build: (f: FormData) => Record<string, unknown>) => {
    e.preventDefault();
    void change(build(new FormData(e.currentTarget as HTMLFormElement)));
  };
  const streamOf = (f: FormData, which: 'main' | 'sub'): Stream =>
    Object.fromEntries(STREAM_FIELDS.map((k) => [k, Number(f.get(`${which}.${k}`))])) as unknown as Stream;
  const remove = async () => {
    if (!confirm(`Remove camera "${camera.name}"? Its agent registers it again when it next connects.`))
      return;
    await api('DELETE', `/api/cameras/${id}`);
    location.hash = '#/';
  };
  return (
    <section class="camera" data-camera-page={id}>
      <h2>
        {camera.name} <StateBadge camera={camera} />
      </h2>
      <div class="cols">
        <LiveView camera={camera} session={session} />
        <dl>
          <dt>PC / user</dt>
          <dd>
            {camera.hostName}
            {camera.userName ? ` / ${camera.userName}` : ''} ({camera.mode})
          </dd>
          <dt>ONVIF address</dt>
          <dd data-onvif-address>
            {camera.onvifAddress} <CopyButton text={camera.onvifAddress} />
            {camera.portMovedAt ? <em> moved {camera.portMovedAt}</em> : null}
          </dd>
          <dt>RTSP main</dt>
          <dd>
            {camera.rtsp.main} <CopyButton text={camera.rtsp.main} />
          </dd>
          <dt>RTSP sub</dt>
          <dd>
            {camera.rtsp.sub} <CopyButton text={camera.rtsp.sub} />
          </dd>
          <dt>Agent</dt>
          <dd>
            {camera.live
              ? `${camera.live.state}, ${camera.live.fps.toFixed(1)} fps, ${Math.round(camera.live.bitrateKbps)} kb/s, ${camera.live.encoder}, ${camera.live.restarts} restarts`
              : 'no heartbeat'}
            {camera.agent ? ` · ${camera.agent.platform} ${camera.agent.version}` : ''}
          </dd>
          <dt>Audio</dt>
          <dd data-audio class={camera.live?.audio?.state === 'lost' ? 'err' : undefined}>
            {camera.live?.audio
              ? audioText(camera.live.audio)
              : camera.settings.audio
                ? camera.settings.audio.codec
                : 'none'}
          </dd>
          {camera.lastError && (
            <>
              <dt>Last error</dt>
              <dd class="err">
                {camera.lastError.message} ({camera.lastError.at})
              </dd>
            </>
          )}
          <dt>MAC / serial</dt>
          <dd>
            {camera.mac} / {camera.serial}
          </dd>
        </dl>
      </div>
      <DoctorView id={id} />
      {admin ? (
        <div class="settings">
          <form data-form="name" onSubmit={(e) => submit(e, (f) => ({ name: f.get('name') }))}>
            <label>
              Name <input name="name" defaultValue={camera.name} required maxLength={255} />
            </label>
            <button disabled={busy}>Rename</button>
          </form>
          <form
            data-form="port"
            onSubmit={(e) => submit(e, (f) => ({ onvifPort: Number(f.get('onvifPort')) }))}
          >
            <label>
              ONVIF port{' '}
              <input
                name="onvifPort"
                type="number"
                min={1}
                max={65535}
                defaultValue={camera.onvifPort}
                required
              />
            </label>
            <button disabled={busy}>Set port</button>
          </form>
          <form
            data-form="discovery"
            onSubmit={(e) => submit(e, (f) => ({ discoveryMode: f.get('discoveryMode') }))}
          >
            <label>
              Discovery{' '}
              <select name="discoveryMode" defaultValue={camera.discoveryMode}>
                <option>Discoverable</option>
                <option>NonDiscoverable</option>
              </select>
            </label>
            <button disabled={busy}>Set</button>
          </form>
          <form
            data-form="encoding"
            onSubmit={(e) =>
              submit(e, (f) => ({
                settings: { ...camera.settings, main: streamOf(f, 'main'), sub: streamOf(f, 'sub') },
              }))
            }
          >
            {(['main', 'sub'] as const).map((which) => (
              <fieldset key={which}>
                <legend>{which} stream</legend>
                {STREAM_FIELDS.map((k) => (
                  <label key={k}>
                    {k}{' '}
                    <input
                      name={`${which}.${k}`}
                      type="number"
                      defaultValue={camera.settings[which][k]}
                      required
                    />
                  </label>
                ))}
              </fieldset>
            ))}
            <button disabled={busy}>Apply encoding</button>
          </form>
          <CaptureSourceForm camera={camera} busy={busy} change={(patch) => void change(patch)} />
          <OnvifUsersView camera={camera} />
          <BindingActions camera={camera} />
          <button type="button" class="danger" onClick={() => void remove()}>
            Remove camera
          </button>
          <div class="effects" data-effects>
            {busy && <p>applying…</p>}
            {effects.map((e) => (
              <p key={e.what} class={e.status} data-effect={e.what} data-status={e.status}>
                {e.what}: {e.status} — {e.detail}
              </p>
            ))}
            {error && (
              <p class="err" role="alert">
                {error}
              </p>
            )}
          </div>
        </div>
      ) : (
        <p class="note">Read-only: a viewer account cannot change settings.</p>
      )}
    </section>
  );
}
