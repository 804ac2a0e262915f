import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { CopyButton } from './widgets.js';

interface Enrolment {
  id: string;
  label?: string;
  hostId?: string;
  expiresAt: string;
  maxUses: number;
  uses: number;
  revoked: boolean;
  createdAt: string;
}

/**
 * Enrolment tokens: issue one (the agent configuration to paste is shown once, here only), list
 * them without their secrets, revoke one. Administrators only, like the API behind it.
 */
export function EnrolmentView({ onChange }: { onChange?: () => void }) {
  const [enrolments, setEnrolments] = useState<Enrolment[]>([]);
  const [issued, setIssued] = useState('');
  const [message, setMessage] = useState('');
  const reload = async () => {
    setEnrolments((await api<{ enrolments: Enrolment[] }>('GET', '/api/enrolments')).enrolments);
    onChange?.();
  };
  useEffect(() => void reload().catch((e: unknown) => setMessage(String(e))), []);
  const report = (err: unknown) =>
    setMessage(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
  const issue = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const text = (k: string) => {
      const v = f.get(k);
      return typeof v === 'string' ? v.trim() : '';
    };
    try {
      const r = await api<{ agentConfig: { enrollmentToken: string } }>('POST', '/api/enrolments', {
        ...(text('label') ? { label: text('label') } : {}),
        ...(text('hostId') ? { hostId: text('hostId') } : {}),
        maxUses: Number(text('maxUses') || 1),
        expiresInS: Math.round(Number(text('expiresInH') || 24) * 3600),
      });
      setIssued(JSON.stringify(r.agentConfig, null, 2));
      setMessage('');
      await reload();
    } catch (err) {
      report(err);
    }
  };
  const revoke = async (id: string) => {
    if (!confirm(`Revoke enrolment token ${id}?`)) return;
    try {
      await api('DELETE', `/api/enrolments/${id}`);
      await reload();
    } catch (err) {
      report(err);
    }
  };
  return (
    <section class="enrolments">
      <h2>Enrolment tokens</h2>
      <form data-form="enrolment" onSubmit={(e) => void issue(e)} class="inline">
        <input name="label" placeholder="label (e.g. the PC)" maxLength={200} />
        <input name="hostId" placeholder="only this PC's host id (optional)" maxLength={128} />
        <label>
          uses <input name="maxUses" type="number" min={1} max={100000} defaultValue={1} />
        </label>
        <label>
          valid (hours) <input name="expiresInH" type="number" min={1} max={2160} defaultValue={24} />
        </label>
        <button type="submit">Issue token</button>
      </form>
      {issued && (
        <div class="issued" data-issued-token>
          <p class="note">
            The agent configuration to paste into the PC's agent.json (shown once: it is not kept here):
          </p>
          <pre>{issued}</pre>
          <CopyButton text={issued} />
          <button type="button" data-action="dismiss" onClick={() => setIssued('')}>
            done
          </button>
        </div>
      )}
      {message && (
        <p class="err" role="alert">
          {message}
        </p>
      )}
      <table data-enrolments>
        <thead>
          <tr>
            <th>id</th>
            <th>label</th>
            <th>PC</th>
            <th>uses</th>
            <th>expires</th>
            <th>state</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {enrolments.map((t) => {
            const expired = Date.parse(t.expiresAt) < Date.now();
            const state = t.revoked
              ? 'revoked'
              : expired
                ? 'expired'
                : t.uses >= t.maxUses
                  ? 'used'
                  : 'valid';
            return (
              <tr key={t.id} data-enrolment={t.id} data-state={state}>
                <td>{t.id}</td>
                <td>{t.label ?? ''}</td>
                <td>{t.hostId ?? 'any'}</td>
                <td>
                  {t.uses}/{t.maxUses}
                </td>
                <td>{t.expiresAt}</td>
                <td>{state}</td>
                <td>
                  {state === 'valid' && (
                    <button type="button" class="danger" onClick={() => void revoke(t.id)}>
                      revoke
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
