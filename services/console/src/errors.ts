import { HttpException, HttpStatus } from '@nestjs/common';

/** One error class per condition, each with a stable code in the JSON body: `{ code, message }`. */
export class ConsoleError extends HttpException {
  constructor(
    readonly code: string,
    message: string,
    status: HttpStatus,
    readonly headers: Record<string, string> = {},
  ) {
    super({ code, message }, status);
  }
}

export class NotSignedInError extends ConsoleError {
  constructor() {
    super('NOT_SIGNED_IN', 'sign in first', HttpStatus.UNAUTHORIZED);
  }
}
export class BadCredentialsError extends ConsoleError {
  constructor() {
    super('BAD_CREDENTIALS', 'wrong username or password', HttpStatus.UNAUTHORIZED);
  }
}
export class LoginThrottledError extends ConsoleError {
  constructor(readonly retryAfterS: number) {
    super('LOGIN_THROTTLED', `too many failed sign-ins: try again in ${retryAfterS} s`, 429, {
      'Retry-After': String(retryAfterS),
    });
  }
}
export class CsrfError extends ConsoleError {
  constructor(why: string) {
    super('CSRF_REFUSED', `refused: ${why}`, HttpStatus.FORBIDDEN);
  }
}
export class ForbiddenRoleError extends ConsoleError {
  constructor() {
    super('FORBIDDEN', 'an administrator account is needed for this', HttpStatus.FORBIDDEN);
  }
}
export class ConsoleNotFoundError extends ConsoleError {
  constructor(what: string) {
    super('NOT_FOUND', what, HttpStatus.NOT_FOUND);
  }
}
export class ConsoleConflictError extends ConsoleError {
  constructor(what: string) {
    super('CONFLICT', what, HttpStatus.CONFLICT);
  }
}
export class ConsoleInvalidError extends ConsoleError {
  constructor(what: string) {
    super('INVALID_REQUEST', what, HttpStatus.BAD_REQUEST);
  }
}
