import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NatsConnection } from '@nats-io/transport-node';
import { cameraSubjects, call, DeskOnvifError, type CameraRecord } from '@desk-onvif/contracts';
import { parseDigestHeader, type DigestAuthority } from '@desk-onvif/onvif-soap';
import { GUESSES, sleep, type AuthGuard } from './auth.guard.js';
import { isTls } from './camera.server.js';
import type { OnvifConfig } from './config.js';
import type { OnvifMetrics } from './onvif.metrics.js';
import type { UserStore } from './user.store.js';

export interface SnapshotHttpDeps {
  config: OnvifConfig;
  digest: DigestAuthority;
  users: UserStore;
  metrics: OnvifMetrics;
  nc: NatsConnection;
  guard: AuthGuard;
}

/** GET /onvif/snapshot of a camera's port: the JPEG its agent takes, behind HTTP Digest. */
export class SnapshotHttp {
  constructor(private readonly d: SnapshotHttpDeps) {}

  /** The latest JPEG from the agent; HTTP Digest like the SOAP endpoint; 503 when no agent answers. */
  async handle(camera: CameraRecord, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.d.config.REQUIRE_TLS && !isTls(req)) {
      // Not even a challenge: a Digest response over plain HTTP would be worth capturing.
      this.d.metrics.snapshots.inc({ outcome: 'tls_required' });
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('this camera requires HTTPS\n');
      return;
    }
    const now = new Date();
    const users = this.d.users.usersOf(camera.id);
    const source = req.socket.remoteAddress ?? '';
    const claimed = req.headers.authorization
      ? parseDigestHeader(req.headers.authorization)?.username
      : undefined;
    if (claimed !== undefined) {
      const check = this.d.guard.check('snapshot', source, camera.id, claimed);
      if (check.locked) {
        this.d.metrics.snapshots.inc({ outcome: 'throttled' });
        res
          .writeHead(429, {
            'Retry-After': String(Math.ceil(check.retryAfterMs / 1000)),
            'Content-Type': 'text/plain',
          })
          .end('too many wrong passwords: locked out\n');
        return;
      }
    }
    const auth = req.headers.authorization
      ? this.d.digest.verify(
          req.headers.authorization,
          'GET',
          req.url ?? '/',
          (u) => users.passwordOf(u),
          now,
        )
      : ({ ok: false, reason: 'missing-credentials' } as const);
    if (!auth.ok && auth.reason === 'replay-cache-full') {
      this.d.metrics.authFailures.inc({ reason: auth.reason });
      this.d.metrics.snapshots.inc({ outcome: 'error' });
      res.writeHead(503, { 'Retry-After': '1', 'Content-Type': 'text/plain' }).end('busy: try again\n');
      return;
    }
    if (!auth.ok) {
      this.d.metrics.authFailures.inc({ reason: auth.reason });
      this.d.metrics.snapshots.inc({ outcome: 'unauthorized' });
      if (claimed !== undefined && GUESSES.has(auth.reason))
        await sleep(this.d.guard.failed('snapshot', source, camera.id, claimed));
      res
        .writeHead(401, {
          'WWW-Authenticate': this.d.digest.challenge(now, auth.reason === 'stale-nonce'),
          'Content-Type': 'text/plain',
        })
        .end('authentication required\n');
      return;
    }
    this.d.guard.succeeded(source, camera.id, auth.username);
    const stream = new URL(req.url ?? '/', 'http://x').searchParams.get('stream') === 'sub' ? 'sub' : 'main';
    try {
      const reply = await call(
        this.d.nc,
        cameraSubjects(camera.id).snapshot,
        { stream },
        this.d.config.AGENT_TIMEOUT_MS,
      );
      const jpeg = Buffer.from(reply.jpegBase64, 'base64');
      this.d.metrics.snapshots.inc({ outcome: 'ok' });
      res
        .writeHead(200, {
          'Content-Type': 'image/jpeg',
          'Content-Length': jpeg.length,
          'Cache-Control': 'no-store',
        })
        .end(jpeg);
    } catch (err) {
      const code = err instanceof DeskOnvifError ? err.code : 'INTERNAL';
      this.d.metrics.snapshots.inc({
        outcome: code === 'NO_RESPONDERS' || code === 'TIMEOUT' ? 'agent_offline' : 'error',
      });
      const offline = code === 'NO_RESPONDERS' || code === 'TIMEOUT' || code === 'UNAVAILABLE';
      res
        .writeHead(offline ? 503 : 502, {
          'Content-Type': 'text/plain',
          ...(offline ? { 'Retry-After': '5' } : {}),
        })
        .end(
          offline
            ? `camera ${camera.id} is offline: its agent did not answer (${code})\n`
            : `snapshot failed (${code})\n`,
        );
    }
  }
}
