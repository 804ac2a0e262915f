import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, setCsrf, type Session } from './api.js';
import { AdminView } from './admin.view.js';
import { CameraPage } from './camera.page.js';
import { FleetStore } from './fleet.store.js';
import { FleetView } from './fleet.view.js';

function useRoute(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash.replace(/^#/, '') || '/';
}

function Login({ onDone }: { onDone: (s: Session) => void }) {
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    try {
      await api('POST', '/api/login', { username: form.get('username'), password: form.get('password') });
      onDone(await api<Session>('GET', '/api/session'));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <form class="login" onSubmit={(e) => void submit(e)}>
      <h1>desk-onvif console</h1>
      <label>
        Username <input name="username" autocomplete="username" required />
      </label>
      <label>
        Password <input name="password" type="password" autocomplete="current-password" required />
      </label>
      <button type="submit">Sign in</button>
      {error && (
        <p class="err" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [store, setStore] = useState<FleetStore | undefined>();
  const route = useRoute();
  useEffect(() => {
    api<Session>('GET', '/api/session').then(setSession, () => setSession(null));
  }, []);
  useEffect(() => {
    if (!session) return;
    setCsrf(session.csrf);
    if (location.pathname !== '/') history.replaceState(null, '', `/${location.hash}`);
    const s = new FleetStore();
    s.start();
    setStore(s);
    return () => s.stop();
  }, [session]);
  if (session === undefined) return <p>…</p>;
  if (session === null) return <Login onDone={setSession} />;
  if (!store) return <p>…</p>;
  const logout = async () => {
    await api('POST', '/api/logout');
    store.stop();
    setSession(null);
  };
  const camera = /^\/camera\/([0-9a-f-]{36})$/.exec(route)?.[1];
  return (
    <div class="shell">
      <header>
        <a href="#/" class="brand">
          desk-onvif
        </a>
        <nav>
          <a href="#/">Fleet</a>
          {session.role === 'admin' && <a href="#/admin">Accounts &amp; audit</a>}
        </nav>
        <span class="me" data-me>
          {session.username} ({session.role === 'admin' ? 'administrator' : 'viewer'})
        </span>
        <button type="button" onClick={() => void logout()}>
          Sign out
        </button>
      </header>
      <main>
        {camera ? (
          <CameraPage id={camera} store={store} session={session} />
        ) : route === '/admin' && session.role === 'admin' ? (
          <AdminView session={session} />
        ) : (
          <FleetView store={store} />
        )}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
