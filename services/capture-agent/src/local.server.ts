import { createServer, type Server } from 'node:http';
import type { AgentMetrics } from './agent.metrics.js';

/**
 * /metrics, /status and /healthz on loopback only: the agent listens on nothing else (it needs
 * only outbound connections). `status` reads /status.
 */
export class LocalServer {
  private server: Server | undefined;

  constructor(
    private readonly metrics: AgentMetrics,
    private readonly status: () => unknown,
  ) {}

  /** Resolves with the bound port; rejects if it cannot bind (another agent on this port). */
  listen(port: number): Promise<number> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET') {
        res.writeHead(405).end();
      } else if (path === '/metrics') {
        this.metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
      } else if (path === '/status') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.status()));
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      } else {
        res.writeHead(404).end();
      }
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
