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
  // Enrolment and camera credentials (README "Security model").
  'FORBIDDEN',
  'ENROLMENT_INVALID',
  'ENROLMENT_EXPIRED',
  'ENROLMENT_REVOKED',
  'ENROLMENT_USED_UP',
  'ENROLMENT_WRONG_HOST',
  'IDENTITY_BOUND',
  'CAMERA_REVOKED',
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

/** A dependency or a feature is not there now (e.g. enrolment without the registry's trust keys). */
export class UnavailableError extends DeskOnvifError {
  constructor(message: string) {
    super('UNAVAILABLE', message);
  }
}

/** The request names a camera (in its subject or payload) its sender may not act for. */
export class ForbiddenError extends DeskOnvifError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

/** Unknown enrolment token, or a wrong secret: the same answer for both (no token oracle). */
export class EnrolmentInvalidError extends DeskOnvifError {
  constructor() {
    super('ENROLMENT_INVALID', 'unknown enrolment token or wrong secret');
  }
}
export class EnrolmentExpiredError extends DeskOnvifError {
  constructor(expiresAt: string) {
    super('ENROLMENT_EXPIRED', `the enrolment token expired at ${expiresAt}`);
  }
}
export class EnrolmentRevokedError extends DeskOnvifError {
  constructor() {
    super('ENROLMENT_REVOKED', 'the enrolment token was revoked');
  }
}
export class EnrolmentUsedUpError extends DeskOnvifError {
  constructor(maxUses: number) {
    super('ENROLMENT_USED_UP', `the enrolment token was used ${maxUses} time(s), its maximum`);
  }
}
export class EnrolmentWrongHostError extends DeskOnvifError {
  constructor() {
    super('ENROLMENT_WRONG_HOST', 'the enrolment token is for another PC');
  }
}
/** The camera's identity is bound to another key: an administrator resets the binding first. */
export class IdentityBoundError extends DeskOnvifError {
  constructor(cameraId: string) {
    super(
      'IDENTITY_BOUND',
      `camera ${cameraId} is enrolled with another key: an administrator resets its binding first`,
    );
  }
}
export class CameraRevokedError extends DeskOnvifError {
  constructor(cameraId: string) {
    super('CAMERA_REVOKED', `camera ${cameraId} is revoked: an administrator resets its binding first`);
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
