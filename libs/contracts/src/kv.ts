/** JetStream KV buckets and their keys. */
export const Buckets = {
  /** key = camera id, value = CameraRecord */
  cameras: 'cameras',
  /** key = `onvif.<port>`, value = PortClaim */
  ports: 'ports',
  /** key = camera id, value = OnvifUserSet (onvif service); legacy keys `userKey(…)` are migrated */
  users: 'users',
  /** key = enrolment token id, value = EnrolmentRecord (registry) */
  enrolments: 'enrolments',
  /** key = camera id, value = BindingRecord: identity → public key, revocation (registry) */
  bindings: 'bindings',
  /** key = camera id, value = OnvifProfileSet: the profiles ONVIF clients created (onvif service) */
  profiles: 'profiles',
  /**
   * key = `<camera id>.<subscription id>`, value = the event subscription (onvif service,
   * subscription.book.ts); the bucket's age limit is the longest termination granted.
   */
  eventSubscriptions: 'event-subscriptions',
} as const;

/** JetStream streams that are not KV buckets. */
export const Streams = {
  /**
   * `camera.*.event` kept for a bounded window (onvif service, event.hub.ts): a restarted onvif
   * process hands the subscriptions it restores the camera events they missed while it was down.
   */
  cameraEvents: 'CAMERA_EVENTS',
} as const;

export function portKey(port: number): string {
  return `onvif.${port}`;
}

export function portOfKey(key: string): number | undefined {
  const m = /^onvif\.(\d{1,5})$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/**
 * `<camera id>.<username in hex>`: the additional data of a sealed ONVIF password, and the KV key
 * of a user before the OnvifUserSet (KV keys allow only `[-/_=.A-Za-z0-9]`, usernames may hold `@`).
 */
export function userKey(cameraId: string, username: string): string {
  return `${cameraId}.${Buffer.from(username, 'utf8').toString('hex')}`;
}

export function cameraIdOfUserKey(key: string): string | undefined {
  const dot = key.indexOf('.');
  return dot > 0 ? key.slice(0, dot) : undefined;
}
