/**
 * Stable error codes carried by every error reply on NATS (`{ ok: false, error: { code, message } }`).
 * Codes never change meaning; messages are for people and may change.
 */
export const ErrorCodes = [
  'INVALID_REQUEST',
  'NOT_FOUND',
  'PORT_RANGE_EXHAUSTED',
  'PORT_IN_USE',
  'CONFLICT',
  'TIMEOUT',
  'NO_RESPONDERS',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ErrorCodes)[number];

/** The base of every domain error: one subclass per condition, each with its stable code. */
export class DeskOnvifError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidRequestError extends DeskOnvifError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_REQUEST', message, options);
  }
}

export class NotFoundError extends DeskOnvifError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class PortRangeExhaustedError extends DeskOnvifError {
  constructor(readonly range: { start: number; end: number }) {
    super(
      'PORT_RANGE_EXHAUSTED',
      `no free ONVIF port in the range ${range.start}-${range.end} (${range.end - range.start + 1} ports, all claimed)`,
    );
  }
}

export class PortInUseError extends DeskOnvifError {
  constructor(readonly port: number) {
    super('PORT_IN_USE', `ONVIF port ${port} is already claimed by another camera or blocked`);
  }
}

export class ConflictError extends DeskOnvifError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

/** An error reply received from another service, kept with its code. */
export class RemoteError extends DeskOnvifError {}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** Maps anything thrown to the error body of a reply; unknown errors never leak their details. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof DeskOnvifError) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: 'internal error' };
}
