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
  ReportSettingsSchema,
  SettingsReplySchema,
  SettingsRequestSchema,
  SnapshotReplySchema,
  SnapshotRequestSchema,
  UpdateRequestSchema,
} from './schemas.js';
import {
  EnrolmentIdRequestSchema,
  EnrolmentReplySchema,
  EnrolReplySchema,
  EnrolRequestSchema,
  IssueEnrolmentReplySchema,
  IssueEnrolmentRequestSchema,
  ListEnrolmentsReplySchema,
  ListEnrolmentsRequestSchema,
  ResetBindingReplySchema,
  ResetBindingRequestSchema,
  RevokeReplySchema,
  RevokeRequestSchema,
} from './enrolment.schemas.js';
import { DoctorReplySchema, DoctorRequestSchema } from './console.js';
import {
  AddOnvifUserRequestSchema,
  ListOnvifUsersReplySchema,
  ListOnvifUsersRequestSchema,
  OnvifUserReplySchema,
  RemoveOnvifUserReplySchema,
  RemoveOnvifUserRequestSchema,
  SetOnvifUserRequestSchema,
} from './onvif-users.schemas.js';

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
  /** Token deployments (upgrade path) and administrators; an enrolled agent uses `cameraRegistry(id).register`. */
  register: request('registry.register', RegisterRequestSchema, CameraReplySchema),
  get: request('registry.get', GetRequestSchema, CameraReplySchema),
  list: request('registry.list', ListRequestSchema, ListReplySchema),
  update: request('registry.update', UpdateRequestSchema, CameraReplySchema),
  remove: request('registry.remove', RemoveRequestSchema, RemoveReplySchema),
  portUnusable: request('registry.port-unusable', PortUnusableSchema, CameraReplySchema),
  event: { subject: 'registry.event', event: RegistryEventSchema, maxBytes: MAX_REQUEST_BYTES },
} as const;

/** Enrolment and the camera credentials' life (registry; all but `enrol` are the administrator's). */
export const Enrolment = {
  /** The one request an enrolment token's credential may make. */
  enrol: request('registry.enrol', EnrolRequestSchema, EnrolReplySchema),
  issue: request('registry.enrolment.issue', IssueEnrolmentRequestSchema, IssueEnrolmentReplySchema),
  revoke: request('registry.enrolment.revoke', EnrolmentIdRequestSchema, EnrolmentReplySchema),
  list: request('registry.enrolment.list', ListEnrolmentsRequestSchema, ListEnrolmentsReplySchema),
  resetBinding: request('registry.binding.reset', ResetBindingRequestSchema, ResetBindingReplySchema),
  revokeCameras: request('registry.camera.revoke', RevokeRequestSchema, RevokeReplySchema),
} as const;

/** Requests served by the onvif service (one queue group). */
export const Onvif = {
  bootstrapCredentials: request(
    'onvif.credentials.bootstrap',
    CredentialsBootstrapSchema,
    CredentialsBootstrapReplySchema,
  ),
} as const;

/** A camera's ONVIF users, for administrators (the console): served by the onvif service (one queue group). */
export const OnvifUsers = {
  list: request('onvif.users.list', ListOnvifUsersRequestSchema, ListOnvifUsersReplySchema),
  add: request('onvif.users.add', AddOnvifUserRequestSchema, OnvifUserReplySchema),
  set: request('onvif.users.set', SetOnvifUserRequestSchema, OnvifUserReplySchema),
  remove: request('onvif.users.remove', RemoveOnvifUserRequestSchema, RemoveOnvifUserReplySchema),
} as const;

/** Requests served by the console (one queue group): what the admin CLI shares with the browser. */
export const ConsoleRequests = {
  doctor: request('console.doctor', DoctorRequestSchema, DoctorReplySchema),
} as const;

const CAMERA_WILDCARD = '*';

/**
 * What an enrolled agent asks of the registry and the onvif service. The camera id is in the
 * subject so that a camera credential can be allowed exactly its own (`registry.camera.<id>.>`):
 * the services trust the id of the subject, which only that camera's credential may publish.
 */
export function cameraRequests(id: string) {
  return {
    /** `{ ok, camera }` with the publish secret: the reply goes to the camera's own inbox. */
    register: request(`registry.camera.${id}.register`, RegisterRequestSchema, CameraReplySchema),
    /** The encoding the agent streams, when it is not the record's. */
    reportSettings: request(`registry.camera.${id}.settings`, ReportSettingsSchema, CameraReplySchema),
    bootstrapCredentials: request(
      `onvif.camera.${id}.credentials.bootstrap`,
      CredentialsBootstrapSchema,
      CredentialsBootstrapReplySchema,
    ),
  };
}

export const AnyCameraRequests = cameraRequests(CAMERA_WILDCARD);

/** The camera id inside `registry.camera.<id>.…` or `onvif.camera.<id>.…`, or undefined. */
export function cameraIdOfRequestSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  return parts.length >= 4 && parts[1] === 'camera' && (parts[0] === 'registry' || parts[0] === 'onvif')
    ? parts[2]
    : undefined;
}

/** The inbox prefix of a camera's connection (`inboxPrefix`): the only subject tree it may subscribe to for replies. */
export function cameraInboxPrefix(id: string): string {
  return `_INBOX_${id}`;
}

/** The inbox prefix of a service's or role's connection: replies to one never reach another. */
export function roleInboxPrefix(role: string): string {
  return `_INBOX_${role}`;
}

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
