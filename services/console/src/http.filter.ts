import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { DeskOnvifError } from '@desk-onvif/contracts';
import { ConsoleError } from './errors.js';
import type { ConsoleResponse } from './http.types.js';

const STATUS_OF_CODE: Record<string, number> = {
  INVALID_REQUEST: 400,
  NOT_FOUND: 404,
  PORT_IN_USE: 409,
  PORT_RANGE_EXHAUSTED: 409,
  CONFLICT: 409,
  TIMEOUT: 504,
  NO_RESPONDERS: 503,
  UNAVAILABLE: 503,
};

/** Every error as `{ code, message }` with its status; an unexpected one says nothing of itself. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');
  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<ConsoleResponse>();
    if (res.headersSent) {
      res.end();
      return;
    }
    if (err instanceof ConsoleError) {
      for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
      res.status(err.getStatus()).json(err.getResponse());
    } else if (err instanceof DeskOnvifError) {
      res.status(STATUS_OF_CODE[err.code] ?? 500).json({ code: err.code, message: err.message });
    } else if (err instanceof HttpException) {
      const status = err.getStatus();
      res
        .status(status)
        .json({ code: status === 404 ? 'NOT_FOUND' : `HTTP_${status}`, message: err.message });
    } else {
      this.logger.error(err);
      res.status(500).json({ code: 'INTERNAL', message: 'internal error' });
    }
  }
}
