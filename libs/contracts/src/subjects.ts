import type { z } from 'zod';
import {
  CameraEventSchema,
  CameraReplySchema,
  CredentialsBootstrapReplySchema,
  CredentialsBootstrapSchema,
  GetRequestSchema,
  HeartbeatSchema,
  ListReplySchema,
  ListRequestSchema,
  PortUnusableSchema,
  RegisterRequestSchema,
  RegistryEventSchema,
  RemoveReplySchema,
  RemoveRequestSchema,
  SettingsReplySchema,
  SettingsRequestSchema,
  SnapshotReplySchema,
  SnapshotRequestSchema,
  UpdateRequestSchema,
} from './schemas.js';
import { DoctorReplySchema, DoctorRequestSchema } from './console.js';

/** The catalogue of NATS subjects. No service writes a subject string anywhere else. */

/** Requests larger than this are refused with INVALID_REQUEST before they are parsed. */
export const MAX_REQUEST_BYTES = 64 * 1024;

export interface RequestContract<Req extends z.ZodType = z.ZodType, Rep extends z.ZodType = z.ZodType> {
  subject: string;
  request: Req;
  reply: Rep;
  maxBytes: number;
}
export interface EventContract<E extends z.ZodType = z.ZodType> {
  subject: string;
  event: E;
  maxBytes: number;
}

function request<Req extends z.ZodType, Rep extends z.ZodType>(
  subject: string,
  req: Req,
  rep: Rep,
  maxBytes = MAX_REQUEST_BYTES,
): RequestContract<Req, Rep> {
  return { subject, request: req, reply: rep, maxBytes };
}

export const Registry = {
  register: request('registry.register', RegisterRequestSchema, CameraReplySchema),
  get: request('registry.get', GetRequestSchema, CameraReplySchema),
  list: request('registry.list', ListRequestSchema, ListReplySchema),
  update: request('registry.update', UpdateRequestSchema, CameraReplySchema),
  remove: request('registry.remove', RemoveRequestSchema, RemoveReplySchema),
  portUnusable: request('registry.port-unusable', PortUnusableSchema, CameraReplySchema),
  event: { subject: 'registry.event', event: RegistryEventSchema, maxBytes: MAX_REQUEST_BYTES },
} as const;

/** Requests served by the onvif service (one queue group). */
export const Onvif = {
  bootstrapCredentials: request(
    'onvif.credentials.bootstrap',
    CredentialsBootstrapSchema,
    CredentialsBootstrapReplySchema,
  ),
} as const;

/** Requests served by the console (one queue group): what the admin CLI shares with the browser. */
export const ConsoleRequests = {
  doctor: request('console.doctor', DoctorRequestSchema, DoctorReplySchema),
} as const;

const CAMERA_WILDCARD = '*';

/** Per-camera subjects: `camera.<id>.<kind>`. `forCamera('*')` gives the wildcard for subscribers. */
export function cameraSubjects(id: string) {
  return {
    heartbeat: {
      subject: `camera.${id}.heartbeat`,
      event: HeartbeatSchema,
      maxBytes: MAX_REQUEST_BYTES,
    } satisfies EventContract,
    event: {
      subject: `camera.${id}.event`,
      event: CameraEventSchema,
      maxBytes: MAX_REQUEST_BYTES,
    } satisfies EventContract,
    settings: request(`camera.${id}.settings`, SettingsRequestSchema, SettingsReplySchema),
    snapshot: request(`camera.${id}.snapshot`, SnapshotRequestSchema, SnapshotReplySchema),
  };
}

export const AnyCamera = cameraSubjects(CAMERA_WILDCARD);

/** The camera id inside a `camera.<id>.<kind>` subject, or undefined. */
export function cameraIdOfSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  return parts.length === 3 && parts[0] === 'camera' ? parts[1] : undefined;
}
