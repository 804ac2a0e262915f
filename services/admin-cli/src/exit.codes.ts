import { DeskOnvifError } from '@desk-onvif/contracts';

/** Exit codes scripts can rely on; they never change meaning. */
export const Exit = {
  ok: 0,
  /** An unexpected failure (a bug, a crash). */
  error: 1,
  usage: 2,
  /** The request was refused: invalid, a port in use, a conflict. */
  refused: 3,
  notFound: 4,
  /** Nobody answered: NATS, the registry, the console or the agent is down or slow. */
  unavailable: 5,
  /** `doctor`: at least one check failed. */
  checksFailed: 6,
} as const;

export class UsageError extends Error {}

export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return Exit.usage;
  if (err instanceof DeskOnvifError) {
    switch (err.code) {
      case 'NOT_FOUND':
        return Exit.notFound;
      case 'INVALID_REQUEST':
      case 'PORT_IN_USE':
      case 'PORT_RANGE_EXHAUSTED':
      case 'CONFLICT':
      case 'FORBIDDEN':
      case 'ENROLMENT_INVALID':
      case 'ENROLMENT_EXPIRED':
      case 'ENROLMENT_REVOKED':
      case 'ENROLMENT_USED_UP':
      case 'ENROLMENT_WRONG_HOST':
      case 'IDENTITY_BOUND':
      case 'CAMERA_REVOKED':
        return Exit.refused;
      case 'NO_RESPONDERS':
      case 'TIMEOUT':
      case 'UNAVAILABLE':
        return Exit.unavailable;
      case 'INTERNAL':
        return Exit.error;
    }
  }
  return Exit.error;
}
