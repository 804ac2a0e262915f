import { useState } from 'preact/hooks';
import { api, ApiError } from './api.js';

interface Check {
  id: string;
  title: string;
  status: 'pass' | 'warn' | 'fail';
  detail: string;
  fix?: string;
  data?: { ufw?: string[]; nftables?: string[]; netsh?: string[] };
}

/** "The NVR cannot connect": the seven checks, run on demand, each with what to do. */
export function DoctorView({ id }: { id: string }) {
  const [checks, setChecks] = useState<Check[] | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const run = async () => {
    setBusy(true);
    setError('');
    try {
      setChecks((await api<{ checks: Check[] }>('GET', `/api/cameras/${id}/doctor`)).checks);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="doctor" data-doctor>
      <h3>
        The NVR cannot connect?{' '}
        <button type="button" onClick={() => void run()} disabled={busy} data-run-doctor>
          {busy ? 'checking…' : 'Run the doctor'}
        </button>
      </h3>
      {error && <p class="err">{error}</p>}
      {checks && (
        <ol>
          {checks.map((c) => (
            <li key={c.id} class={c.status} data-check={c.id} data-status={c.status}>
              <b>{c.title}</b>: {c.status} — {c.detail}
              {c.fix && <div class="fix">What to do: {c.fix}</div>}
              {c.data?.ufw && (
                <details>
                  <summary>ufw / nftables / netsh</summary>
                  <pre>
                    {[...c.data.ufw, '', ...(c.data.nftables ?? []), '', ...(c.data.netsh ?? [])].join('\n')}
                  </pre>
                </details>
              )}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
