import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Session } from './api.js';
import { EnrolmentView } from './enrolment.view.js';

interface Account {
  username: string;
  role: 'admin' | 'viewer';
  createdAt: string;
  createdBy: string;
}
interface AuditEntry {
  at: string;
  actor: string;
  address: string;
  action: string;
  target?: string;
  outcome: string;
  error?: string;
  detail?: Record<string, unknown>;
}

/** Accounts (create with a generated password shown once, remove), enrolment tokens, the audit log. */
export function AdminView({ session }: { session: Session }) {
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  const [message, setMessage] = useState('');
  const reload = async () => {
    setAccounts((await api<{ accounts: Account[] }>('GET', '/api/accounts')).accounts);
    setAudit((await api<{ entries: AuditEntry[] }>('GET', '/api/audit?limit=200')).entries);
  };
  useEffect(() => void reload(), []);
  const create = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    try {
      const r = await api<{ password?: string }>('POST', '/api/accounts', {
        username: f.get('username'),
        role: f.get('role'),
      });
      setMessage(`Created. Password (shown once): ${r.password ?? ''}`);
      await reload();
    } catch (err) {
      setMessage(err instanceof ApiError ? err.message : String(err));
    }
  };
  const remove = async (name: string) => {
    if (!confirm(`Remove ${name}?`)) return;
    await api('DELETE', `/api/accounts/${name}`);
    await reload();
  };
  return (
    <section class="admin">
      <h2>Accounts</h2>
      <table>
        <tbody>
          {accounts.map((a) => (
            <tr key={a.username}>
              <td>{a.username}</td>
              <td>{a.role}</td>
              <td>{a.createdAt}</td>
              <td>
                {a.username !== session.username && (
                  <button type="button" onClick={() => void remove(a.username)}>
                    remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={(e) => void create(e)} class="inline">
        <input name="username" placeholder="username" required />
        <select name="role">
          <option value="viewer">viewer (read-only)</option>
          <option value="admin">administrator</option>
        </select>
        <button type="submit">Create account</button>
      </form>
      {message && <p class="note">{message}</p>}
      <EnrolmentView onChange={() => void reload()} />
      <h2>Audit log</h2>
      <table class="audit">
        <tbody>
          {audit.map((e) => (
            <tr key={e.at + e.action} class={e.outcome}>
              <td>{e.at}</td>
              <td>{e.actor}</td>
              <td>{e.address}</td>
              <td>{e.action}</td>
              <td>{e.target ?? ''}</td>
              <td>{e.outcome}</td>
              <td>{e.error ?? (e.detail ? JSON.stringify(e.detail) : '')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
