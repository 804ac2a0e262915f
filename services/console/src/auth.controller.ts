import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { z } from 'zod';
import { AccountStore } from './account.store.js';
import { AuditLog } from './audit.log.js';
import { Public } from './auth.guard.js';
import { CONSOLE_CONFIG, type ConsoleConfig } from './config.js';
import { BadCredentialsError, ConsoleInvalidError, LoginThrottledError } from './errors.js';
import {
  clearedSessionCookie,
  clientAddress,
  sessionCookie,
  type ConsoleRequest,
  type ConsoleResponse,
} from './http.types.js';
import { LiveViews } from './live.view.js';
import { LoginThrottle } from './login.throttle.js';
import { SessionStore } from './session.store.js';

const LoginSchema = z.object({ username: z.string().max(64), password: z.string().max(256) }).strict();

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ConsoleInvalidError(`${i?.path.join('.') || 'body'}: ${i?.message ?? 'invalid'}`);
  }
  return r.data;
}

@Controller('api')
export class AuthController {
  constructor(
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    private readonly accounts: AccountStore,
    private readonly sessions: SessionStore,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditLog,
    private readonly liveViews: LiveViews,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(
    @Body() body: unknown,
    @Req() req: ConsoleRequest,
    @Res({ passthrough: true }) res: ConsoleResponse,
  ) {
    const { username, password } = parseBody(LoginSchema, body);
    const address = clientAddress(req);
    const wait = this.throttle.retryAfterS(address, username);
    if (wait > 0) throw new LoginThrottledError(wait);
    const account = await this.accounts.authenticate(username, password);
    if (!account) {
      this.throttle.failed(address, username);
      await this.audit.record({ actor: username.slice(0, 64), address, action: 'login', outcome: 'refused' });
      throw new BadCredentialsError();
    }
    this.throttle.succeeded(address, username);
    const { id, session } = await this.sessions.create(account, address);
    res.setHeader('Set-Cookie', sessionCookie(id, this.config.SESSION_MAX_S));
    await this.audit.record({ actor: account.username, address, action: 'login', outcome: 'ok' });
    return { username: session.username, role: session.role, csrf: session.csrf };
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@Req() req: ConsoleRequest, @Res({ passthrough: true }) res: ConsoleResponse) {
    const s = req.session!;
    await this.sessions.revoke(s.key);
    res.setHeader('Set-Cookie', clearedSessionCookie());
    await this.audit.record({
      actor: s.username,
      address: clientAddress(req),
      action: 'logout',
      outcome: 'ok',
    });
    return { ok: true };
  }

  /** Who is signed in, the CSRF token for changes, and where cameras are reached. */
  @Get('session')
  session(@Req() req: ConsoleRequest) {
    const s = req.session!;
    const hostHeader = req.headers.host ?? '';
    const host = this.config.CAMERA_HOST ?? hostHeader.replace(/:\d+$/, '');
    return {
      username: s.username,
      role: s.role,
      csrf: s.csrf,
      cameraHost: host,
      rtspPort: this.config.RTSP_PORT,
      whep: this.liveViews.enabled,
    };
  }
}
