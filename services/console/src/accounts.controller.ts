import { Body, Controller, Delete, Get, Param, Post, Query, Req } from '@nestjs/common';
import { z } from 'zod';
import { ConsoleRoleSchema } from '@desk-onvif/contracts';
import { AccountStore } from './account.store.js';
import { AuditLog, auditedCall } from './audit.log.js';
import { AdminOnly } from './auth.guard.js';
import { parseBody } from './auth.controller.js';
import { ConsoleInvalidError, ConsoleNotFoundError } from './errors.js';
import type { ConsoleRequest } from './http.types.js';
import { SessionStore } from './session.store.js';

const CreateSchema = z
  .object({ username: z.string().max(64), role: ConsoleRoleSchema, password: z.string().max(256).optional() })
  .strict();
const PasswordSchema = z.object({ password: z.string().max(256).optional() }).strict();

/** Console accounts, sessions and the audit log: administrators only. */
@AdminOnly()
@Controller('api')
export class AccountsController {
  constructor(
    private readonly accounts: AccountStore,
    private readonly sessions: SessionStore,
    private readonly audit: AuditLog,
  ) {}

  @Get('accounts')
  async list() {
    return { accounts: await this.accounts.list() };
  }

  /** A generated password is in this reply only: shown once to the administrator who asked. */
  @Post('accounts')
  create(@Body() body: unknown, @Req() req: ConsoleRequest) {
    const b = parseBody(CreateSchema, body);
    return auditedCall(this.audit, req, 'account.create', b.username, { role: b.role }, () =>
      this.accounts.create(b.username, b.role, req.session!.username, b.password),
    );
  }

  @Post('accounts/:name/password')
  setPassword(@Param('name') name: string, @Body() body: unknown, @Req() req: ConsoleRequest) {
    const b = parseBody(PasswordSchema, body ?? {});
    return auditedCall(this.audit, req, 'account.password', name, undefined, async () => {
      const out = await this.accounts.setPassword(name, b.password);
      await this.sessions.revokeAllOf(name);
      return out;
    });
  }

  @Post('accounts/:name/role')
  setRole(@Param('name') name: string, @Body() body: unknown, @Req() req: ConsoleRequest) {
    const { role } = parseBody(z.object({ role: ConsoleRoleSchema }).strict(), body);
    return auditedCall(this.audit, req, 'account.role', name, { role }, async () => {
      if (name === req.session!.username) throw new ConsoleInvalidError('you cannot change your own role');
      await this.accounts.setRole(name, role);
      await this.sessions.revokeAllOf(name);
      return { ok: true };
    });
  }

  @Delete('accounts/:name')
  remove(@Param('name') name: string, @Req() req: ConsoleRequest) {
    return auditedCall(this.audit, req, 'account.remove', name, undefined, async () => {
      if (name === req.session!.username) throw new ConsoleInvalidError('you cannot remove your own account');
      await this.accounts.remove(name);
      await this.sessions.revokeAllOf(name);
      return { ok: true };
    });
  }

  @Get('sessions')
  listSessions(@Req() req: ConsoleRequest) {
    return {
      sessions: this.sessions.list().map((s) => ({
        id: s.key,
        username: s.username,
        role: s.role,
        address: s.address,
        createdAt: s.createdAt,
        expiresAt: s.expiresAt,
        current: s.key === req.session!.key,
      })),
    };
  }

  @Delete('sessions/:id')
  revoke(@Param('id') id: string, @Req() req: ConsoleRequest) {
    return auditedCall(this.audit, req, 'session.revoke', id.slice(0, 12), undefined, async () => {
      if (!(await this.sessions.revoke(id))) throw new ConsoleNotFoundError('no such session');
      return { ok: true };
    });
  }

  @Get('audit')
  async auditLog(@Query('limit') limit: string | undefined) {
    const n = Math.min(Math.max(Number(limit ?? 200) || 200, 1), 1000);
    return { entries: await this.audit.latest(n) };
  }
}
