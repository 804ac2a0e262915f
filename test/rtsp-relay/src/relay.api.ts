import type { IncomingMessage, ServerResponse } from 'node:http';
import { askedForCredentials, plainIp, type Authenticator } from './auth.hook.js';
import type { PathRegistry } from './relay.paths.js';
import { basicCredentials } from './rtsp.message.js';

/**
 * The part of MediaMTX's control API the project uses (openapi.yaml): GET /v3/paths/list and
 * GET /v3/paths/get/{name}. Every call asks the auth hook with action `api`, as MediaMTX does.
 */
export function apiHandler(paths: PathRegistry, auth: Authenticator, pauseMs: number) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://relay');
    const creds = basicCredentials(req.headers.authorization);
    const allowed = await auth.allows({
      ...creds,
      token: '',
      ip: plainIp(req.socket.remoteAddress),
      action: 'api',
      path: '',
      protocol: '',
      id: null,
      query: url.search.replace(/^\?/, ''),
      userAgent: req.headers['user-agent'] ?? '',
    });
    if (!allowed) {
      if (askedForCredentials({ ...creds, token: '' }))
        res.setHeader('WWW-Authenticate', 'Basic realm="mediamtx"');
      else await new Promise((r) => setTimeout(r, pauseMs));
      return send(res, 401, { status: 'error', error: 'authentication error' });
    }
    if (req.method !== 'GET') return send(res, 404, { status: 'error', error: 'not found' });

    if (url.pathname === '/v3/paths/list') {
      const page = intParam(url, 'page', 0);
      const perPage = intParam(url, 'itemsPerPage', 100);
      if (page === undefined || perPage === undefined || perPage < 1)
        return send(res, 400, { status: 'error', error: 'invalid pagination parameters' });
      const items = paths.items();
      return send(res, 200, {
        itemCount: items.length,
        pageCount: Math.ceil(items.length / perPage),
        items: items.slice(page * perPage, (page + 1) * perPage),
      });
    }
    const get = /^\/v3\/paths\/get\/(.+)$/.exec(url.pathname);
    if (get) {
      let name: string;
      try {
        name = decodeURIComponent(get[1]!);
      } catch {
        return send(res, 400, { status: 'error', error: 'invalid path name' });
      }
      const item = paths.items().find((p) => p.name === name);
      if (!item) return send(res, 404, { status: 'error', error: 'path not found' });
      return send(res, 200, item);
    }
    return send(res, 404, { status: 'error', error: 'not found' });
  };
}

function intParam(url: URL, name: string, fallback: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  return /^\d{1,9}$/.test(raw) ? Number(raw) : undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}
