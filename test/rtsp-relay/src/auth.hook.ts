/**
 * MediaMTX's `authMethod: http`: for every publish, read, api or metrics action it POSTs this JSON
 * to `authHTTPAddress`; any 2xx allows, anything else (or no answer) refuses.
 */
export type AuthAction = 'publish' | 'read' | 'playback' | 'api' | 'metrics' | 'pprof';

export interface AuthRequest {
  user: string;
  password: string;
  token: string;
  ip: string;
  action: AuthAction;
  path: string;
  protocol: string;
  /** The connection's id; null for the api and metrics, as MediaMTX sends it. */
  id: string | null;
  query: string;
  userAgent: string;
}

/** What the relay asks: a tiny interface, so tests can pass a fake. */
export interface Authenticator {
  allows(req: AuthRequest): Promise<boolean>;
}

/** The HTTP hook. `timeoutMs` is MediaMTX's readTimeout (10 s by default). */
export class HttpAuthHook implements Authenticator {
  constructor(
    private readonly url: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async allows(req: AuthRequest): Promise<boolean> {
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(req),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.arrayBuffer();
      return res.status >= 200 && res.status <= 299;
    } catch {
      // An unreachable hook refuses, as MediaMTX's "HTTP request failed" does.
      return false;
    }
  }
}

/** MediaMTX asks for credentials (a 401 challenge) only when the refused request carried none. */
export function askedForCredentials(req: Pick<AuthRequest, 'user' | 'password' | 'token'>): boolean {
  return req.user === '' && req.password === '' && req.token === '';
}

/** MediaMTX's IPv4 form of a peer address: `::ffff:127.0.0.1` → `127.0.0.1`. */
export function plainIp(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/, '');
}
