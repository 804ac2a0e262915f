import { useState } from 'preact/hooks';
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
          void run('reset', `Reset the binding of "${camera.name}"? Its PC may then enrol again with a token.`)
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
