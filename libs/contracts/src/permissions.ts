import { ConsoleBuckets } from './console.js';
import { Buckets, Streams } from './kv.js';
import {
  AnyCamera,
  AnyCameraRequests,
  Enrolment,
  ConsoleRequests,
  Onvif,
  OnvifUsers,
  Registry,
  cameraInboxPrefix,
  cameraRequests,
  cameraSubjects,
  roleInboxPrefix,
} from './subjects.js';

/**
 * The permission catalogue: what each NATS credential may publish and subscribe to, derived from
 * the subject catalogue (no subject written by hand). nats-auth puts these into user JWTs;
 * nats-server enforces them. Anything not allowed is refused (a permissions violation).
 *
 * JetStream KV is reached through subjects too: `$KV.<bucket>.<key>` to write, and the
 * `$JS.API.…` requests of each bucket's stream (`KV_<bucket>`). Each role gets the exact requests
 * of the buckets it uses; no role but `admin` may delete or purge a stream.
 */
export interface SubjectPermission {
  allow: string[];
  deny: string[];
}
export interface Permissions {
  pub: SubjectPermission;
  sub: SubjectPermission;
  /** allow_responses: may answer the requests it received (max replies each). */
  resp?: { max: number; ttl: number };
}

export type ServiceRole = 'registry' | 'onvif' | 'discovery' | 'console' | 'admin';

/** Requests no credential but `admin` may make, whatever else it is allowed. */
const DESTRUCTIVE_JS = ['$JS.API.STREAM.DELETE.>', '$JS.API.STREAM.PURGE.>', '$JS.API.STREAM.MSG.DELETE.>'];

type BucketName =
  (typeof Buckets)[keyof typeof Buckets] | (typeof ConsoleBuckets)[keyof typeof ConsoleBuckets];

/** Read a bucket: open it, get keys (direct or by the stream API), watch and list (consumers). */
export function kvRead(bucket: BucketName): string[] {
  const stream = `KV_${bucket}`;
  return [
    '$JS.API.INFO',
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    // Flow-control answers of the ordered consumers that watches use.
    `$JS.FC.${stream}.>`,
  ];
}

/**
 * Keep a stream (create it, update its limits, read its state) and read it with ordered consumers:
 * what onvif does with `CAMERA_EVENTS`. No delete, no purge.
 */
export function streamOwn(stream: string): string[] {
  return [
    '$JS.API.INFO',
    `$JS.API.STREAM.CREATE.${stream}`,
    `$JS.API.STREAM.UPDATE.${stream}`,
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/** Read and write a bucket's keys (put, create, update, delete are publishes to `$KV.<bucket>.<key>`). */
export function kvWrite(bucket: BucketName): string[] {
  return [...kvRead(bucket), `$KV.${bucket}.>`];
}

/** Write, and create or update the bucket's stream (the service that owns the bucket). */
export function kvOwn(bucket: BucketName): string[] {
  const stream = `KV_${bucket}`;
  return [...kvWrite(bucket), `$JS.API.STREAM.CREATE.${stream}`, `$JS.API.STREAM.UPDATE.${stream}`];
}

function inbox(prefix: string): string {
  return `${prefix}.>`;
}

function unique(subjects: string[]): string[] {
  return [...new Set(subjects)];
}

function perms(pub: string[], sub: string[], opts: { resp?: boolean; pubDeny?: string[] } = {}): Permissions {
  return {
    pub: { allow: unique(pub), deny: opts.pubDeny ?? DESTRUCTIVE_JS },
    sub: { allow: unique(sub), deny: [] },
    ...(opts.resp ? { resp: { max: 1, ttl: 0 } } : {}),
  };
}

/** The registry: serves every registry subject and enrolment, owns cameras, ports, enrolments, bindings. */
export function registryPermissions(): Permissions {
  const served = [
    ...Object.values(Registry)
      .filter((c) => 'request' in c)
      .map((c) => c.subject),
    AnyCameraRequests.register.subject,
    AnyCameraRequests.reportSettings.subject,
    AnyCamera.heartbeat.subject,
    ...Object.values(Enrolment).map((c) => c.subject),
  ];
  return perms(
    [
      Registry.event.subject,
      ...kvOwn(Buckets.cameras),
      ...kvOwn(Buckets.ports),
      ...kvOwn(Buckets.enrolments),
      ...kvOwn(Buckets.bindings),
    ],
    [...served, inbox(roleInboxPrefix('registry'))],
    { resp: true },
  );
}

/** The onvif service: the cameras' ONVIF side; the only one that may report a port unusable. */
export function onvifPermissions(): Permissions {
  const cameraAny = AnyCamera;
  return perms(
    [
      Registry.get.subject,
      Registry.update.subject,
      Registry.portUnusable.subject,
      cameraAny.settings.subject,
      cameraAny.snapshot.subject,
      ...kvRead(Buckets.cameras),
      ...kvOwn(Buckets.users),
      // The media profiles ONVIF clients create (CreateProfile), kept for every replica.
      ...kvOwn(Buckets.profiles),
      // Event subscriptions, kept across restarts and for whichever process serves the camera.
      ...kvOwn(Buckets.eventSubscriptions),
      // Camera events kept a short while: what a restart missed, for the subscriptions it restores.
      ...streamOwn(Streams.cameraEvents),
    ],
    [
      Onvif.bootstrapCredentials.subject,
      AnyCameraRequests.bootstrapCredentials.subject,
      ...Object.values(OnvifUsers).map((c) => c.subject),
      cameraAny.event.subject,
      Registry.event.subject,
      inbox(roleInboxPrefix('onvif')),
    ],
    { resp: true },
  );
}

/** WS-Discovery: a read-only watch of `cameras`, nothing else. */
export function discoveryPermissions(): Permissions {
  return perms(kvRead(Buckets.cameras), [inbox(roleInboxPrefix('discovery'))]);
}

/**
 * The web console: the administrator's registry requests (get, list, update, remove) and enrolment
 * requests (issue, list, revoke tokens; revoke cameras, reset bindings; not `enrol`, an agent's), a
 * camera's settings and snapshot (encoder changes go to the agent first, as the ONVIF path does),
 * camera heartbeats and registry events, a read-only watch
 * of `cameras`; it owns only its own buckets (accounts, sessions, audit) and answers `console.doctor`.
 * No other bucket (not `users`, `bindings`, `enrolments`), no camera's own subjects (heartbeats,
 * registration, settings reports), no stream deletion.
 */
export function consolePermissions(): Permissions {
  return perms(
    [
      Registry.get.subject,
      Registry.list.subject,
      Registry.update.subject,
      Registry.remove.subject,
      ...Object.values(Enrolment)
        .filter((c) => c !== Enrolment.enrol)
        .map((c) => c.subject),
      ...Object.values(OnvifUsers).map((c) => c.subject),
      AnyCamera.snapshot.subject,
      AnyCamera.settings.subject,
      ...kvRead(Buckets.cameras),
      // Its own accounts, sessions and audit log, which no other role reaches.
      ...Object.values(ConsoleBuckets).flatMap((b) => kvOwn(b)),
    ],
    [
      Registry.event.subject,
      AnyCamera.heartbeat.subject,
      AnyCamera.event.subject,
      ...Object.values(ConsoleRequests).map((c) => c.subject),
      inbox(roleInboxPrefix('console')),
    ],
    { resp: true },
  );
}

/** The administrator's CLI: everything, including deleting streams. Kept off the PCs. */
export function adminPermissions(): Permissions {
  return { pub: { allow: ['>'], deny: [] }, sub: { allow: ['>'], deny: [] }, resp: { max: 1, ttl: 0 } };
}

/** An enrolment token's throwaway credential: ask to enrol, read the answer, nothing else. */
export function enrolmentPermissions(tokenId: string): Permissions {
  return perms([Enrolment.enrol.subject], [inbox(enrolmentInboxPrefix(tokenId))]);
}

export function enrolmentInboxPrefix(tokenId: string): string {
  return `_INBOX_enrol_${tokenId}`;
}

/**
 * One camera: its own requests, heartbeat and events out; its settings and snapshot requests in
 * (answered once each); replies only in its own inbox. No KV, no other camera, no queue group.
 */
export function cameraPermissions(id: string): Permissions {
  const own = cameraSubjects(id);
  const req = cameraRequests(id);
  return perms(
    [
      req.register.subject,
      req.reportSettings.subject,
      req.bootstrapCredentials.subject,
      own.heartbeat.subject,
      own.event.subject,
    ],
    [own.settings.subject, own.snapshot.subject, inbox(cameraInboxPrefix(id))],
    { resp: true },
  );
}

export function servicePermissions(role: ServiceRole): Permissions {
  switch (role) {
    case 'registry':
      return registryPermissions();
    case 'onvif':
      return onvifPermissions();
    case 'discovery':
      return discoveryPermissions();
    case 'console':
      return consolePermissions();
    case 'admin':
      return adminPermissions();
  }
}
