import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthRequest } from '@desk-onvif/rtsp-relay';

/** One row: who may do what where. `path` undefined = any path (api, metrics). */
export interface AuthRule {
  action: AuthRequest['action'];
  user?: string;
  password?: string;
  path?: string;
}

/**
 * A stand-in for the onvif service's auth hook: an HTTP server that allows a MediaMTX auth request
 * when a row of its table matches, else answers 401, and keeps every request it got.
 */
export class TableAuthHook {
  readonly calls: AuthRequest[] = [];

  private constructor(
    private readonly server: Server,
    private readonly rules: AuthRule[],
  ) {}

  static async start(rules: AuthRule[]): Promise<TableAuthHook> {
    const server = createServer();
    const hook = new TableAuthHook(server, rules);
    server.on('request', (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        let call: AuthRequest;
        try {
          call = JSON.parse(body) as AuthRequest;
        } catch {
          res.writeHead(400).end('not JSON');
          return;
        }
        hook.calls.push(call);
        res.writeHead(hook.allows(call) ? 200 : 401).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return hook;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/mediamtx/auth`;
  }

  private allows(call: AuthRequest): boolean {
    return this.rules.some(
      (r) =>
        r.action === call.action &&
        (r.user === undefined || (r.user === call.user && r.password === call.password)) &&
        (r.path === undefined || r.path === call.path),
    );
  }

  callsFor(action: AuthRequest['action'], path: string): AuthRequest[] {
    return this.calls.filter((c) => c.action === action && c.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
