import { timingSafeEqual } from 'node:crypto';
import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuditLog } from './audit.log.js';
import { CsrfError, ForbiddenRoleError, NotSignedInError } from './errors.js';
import { SESSION_COOKIE, clientAddress, cookieValue, type ConsoleRequest } from './http.types.js';
import { SessionStore } from './session.store.js';

const ACCESS = 'console:access';
type Access = 'public' | 'admin';
/** No session needed (the login page and form, the script bundle). */
export const Public = () => SetMetadata(ACCESS, 'public' satisfies Access);
/** Administrators only; everything else needs a session of any role. */
export const AdminOnly = () => SetMetadata(ACCESS, 'admin' satisfies Access);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every route: a session (unless @Public), the administrator role where @AdminOnly, and for every
 * change a CSRF token equal to the session's (X-CSRF-Token) and, when the browser says, the same
 * origin. Refused changes by a signed-in account are written to the audit log.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionStore,
    private readonly audit: AuditLog,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<ConsoleRequest>();
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    const unsafe = !SAFE_METHODS.has(req.method ?? 'GET');
    if (unsafe) checkOrigin(req);
    if (access === 'public') return true;
    const session = this.sessions.lookup(cookieValue(req.headers.cookie, SESSION_COOKIE));
    if (!session) throw new NotSignedInError();
    req.session = session;
    try {
      if (unsafe) checkCsrf(req, session.csrf);
      if (access === 'admin' && session.role !== 'admin') throw new ForbiddenRoleError();
    } catch (err) {
      if (unsafe) {
        await this.audit.record({
          actor: session.username,
          address: clientAddress(req),
          action: `${req.method} ${req.path}`.slice(0, 64),
          outcome: 'refused',
          error: err instanceof Error ? err.message : String(err),
        });
      }
      throw err;
    }
    return true;
  }
}

/** A browser's cross-site request names another origin (or `null`): refused. */
function checkOrigin(req: ConsoleRequest): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  const host = req.headers.host;
  if (!host || origin !== `https://${host}`) throw new CsrfError('the request comes from another site');
}

function checkCsrf(req: ConsoleRequest, expected: string): void {
  const got = req.headers['x-csrf-token'];
  if (typeof got !== 'string') throw new CsrfError('no X-CSRF-Token header');
  const a = Buffer.from(got);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new CsrfError('wrong X-CSRF-Token');
}
