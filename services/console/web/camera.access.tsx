import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import type { Camera } from './fleet.store.js';

/**
 * The camera's enrolment binding (administrators only): revoke its credential (its PC must enrol
 * again with a new token), or reset the binding (a re-installed PC enrols again and keeps the
 * camera's id and port).
 */
export function BindingActions({ camera }: { camera: Camera }) {
  const [result, setResult] = useState('');
  const run = async (what: 'revoke' | 'reset', question: string) => {
    if (!confirm(question)) return;
    try {
      if (what === 'revoke') {
        await api('POST', `/api/cameras/${camera.id}/revoke`);
        setResult('revoked: its credential no longer connects; enrol the PC again with a new token');
      } else {
        await api('POST', `/api/cameras/${camera.id}/binding/reset`);
        setResult('binding reset: the PC may enrol again (with a token) and keeps this camera');
      }
    } catch (err) {
      setResult(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
    }
  };
  return (
    <div class="binding" data-binding>
      <h3>Enrolment</h3>
      <button
        type="button"
        data-action="reset-binding"
        onClick={() =>
          void run(
            'reset',
            `Reset the binding of "${camera.name}"? Its PC may then enrol again with a token.`,
          )
        }
      >
        Reset binding
      </button>{' '}
      <button
        type="button"
        class="danger"
        data-action="revoke-camera"
        onClick={() =>
          void run('revoke', `Revoke "${camera.name}"? Its agent is disconnected until it enrols again.`)
        }
      >
        Revoke camera
      </button>
      {result && <p data-binding-result>{result}</p>}
    </div>
  );
}

interface OnvifUser {
  username: string;
  level: 'Administrator' | 'Operator' | 'User';
}
const LEVELS: OnvifUser['level'][] = ['Administrator', 'Operator', 'User'];

/**
 * The camera's ONVIF users (administrators only): add one (the onvif service generates its
 * password, shown here once), change a level, reset a password (the new one shown once), remove.
 */
export function OnvifUsersView({ camera }: { camera: Camera }) {
  const [users, setUsers] = useState<OnvifUser[] | undefined>();
  const [shown, setShown] = useState<{ username: string; password: string } | undefined>();
  const [message, setMessage] = useState('');
  const base = `/api/cameras/${camera.id}/users`;
  const report = (err: unknown) =>
    setMessage(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
  const reload = async () => setUsers((await api<{ users: OnvifUser[] }>('GET', base)).users);
  useEffect(() => void reload().catch(report), [camera.id]);
  const act = async (fn: () => Promise<{ user?: OnvifUser; password?: string } | undefined>) => {
    setMessage('');
    setShown(undefined);
    try {
      const r = await fn();
      if (r?.user && r.password) setShown({ username: r.user.username, password: r.password });
      await reload();
    } catch (err) {
      report(err);
    }
  };
  const add = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    void act(() => api('POST', base, { username: f.get('username'), level: f.get('level') }));
  };
  return (
    <div class="onvif-users" data-onvif-users>
      <h3>ONVIF users</h3>
      <table>
        <tbody>
          {(users ?? []).map((u) => (
            <tr key={u.username} data-onvif-user={u.username} data-level={u.level}>
              <td>{u.username}</td>
              <td>
                <select
                  value={u.level}
                  onChange={(e) =>
                    void act(() =>
                      api('PATCH', `${base}/${encodeURIComponent(u.username)}`, {
                        level: e.currentTarget.value,
                      }),
                    )
                  }
                >
                  {LEVELS.map((l) => (
                    <option key={l}>{l}</option>
                  ))}
                </select>
              </td>
              <td>
                <button
                  type="button"
                  data-action="reset-password"
                  onClick={() =>
                    void act(() =>
                      api('PATCH', `${base}/${encodeURIComponent(u.username)}`, { resetPassword: true }),
                    )
                  }
                >
                  reset password
                </button>{' '}
                <button
                  type="button"
                  class="danger"
                  data-action="remove-user"
                  onClick={() => {
                    if (confirm(`Remove ONVIF user ${u.username}?`))
                      void act(() => api('DELETE', `${base}/${encodeURIComponent(u.username)}`));
                  }}
                >
                  remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form data-form="onvif-user" class="inline" onSubmit={add}>
        <input name="username" placeholder="username" required maxLength={64} pattern="[A-Za-z0-9._@\-]+" />
        <select name="level" defaultValue="User">
          {LEVELS.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
        <button type="submit">Add user</button>
      </form>
      {shown && (
        <p class="note" data-new-password={shown.username}>
          Password of {shown.username} (shown once): <code>{shown.password}</code>
        </p>
      )}
      {message && (
        <p class="err" role="alert">
          {message}
        </p>
      )}
    </div>
  );
}
