import { randomBytes } from 'node:crypto';
import {
  DEFAULT_ENCODER_SETTINGS,
  macOf,
  mediaPathsOf,
  serialOf,
  type CameraRecord,
  type RegisterRequest,
} from '@desk-onvif/contracts';

/** Building and refreshing camera records: pure but for the random publish secret. */

export function defaultName(identity: RegisterRequest['identity']): string {
  return identity.mode === 'per-user' && identity.userName
    ? `${identity.hostName} (${identity.userName})`
    : identity.hostName;
}

export function newPublishSecret(): string {
  return randomBytes(24).toString('base64url');
}

export function newCameraRecord(args: {
  id: string;
  identityKey: string;
  request: RegisterRequest;
  port: number;
  node: string;
  now: Date;
  publishSecret: string;
}): CameraRecord {
  const { identity, agent } = args.request;
  const at = args.now.toISOString();
  return {
    schema: 1,
    id: args.id,
    identityKey: args.identityKey,
    mode: identity.mode,
    hostId: identity.hostId,
    hostName: identity.hostName,
    ...(identity.userId !== undefined ? { userId: identity.userId } : {}),
    ...(identity.userName !== undefined ? { userName: identity.userName } : {}),
    name: defaultName(identity),
    nameSetByAdmin: false,
    onvifPort: args.port,
    portSetByAdmin: false,
    node: args.node,
    paths: mediaPathsOf(args.id),
    mac: macOf(args.id),
    serial: serialOf(args.id),
    publish: { user: `publisher-${args.id}`, password: args.publishSecret },
    settings: DEFAULT_ENCODER_SETTINGS,
    discoveryMode: 'Discoverable',
    online: false,
    ...(agent ? { agent } : {}),
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * A re-registration refreshes the labels (host and user names may change; the identity key does
 * not) and the agent info. Returns undefined when nothing changed, so nothing is written.
 */
export function refreshLabels(
  record: CameraRecord,
  request: RegisterRequest,
  now: Date,
): CameraRecord | undefined {
  const { identity, agent } = request;
  const next: CameraRecord = {
    ...record,
    hostName: identity.hostName,
    ...(identity.userName !== undefined ? { userName: identity.userName } : {}),
    name: record.nameSetByAdmin ? record.name : defaultName(identity),
    ...(agent ? { agent } : {}),
  };
  const changed =
    next.hostName !== record.hostName ||
    next.userName !== record.userName ||
    next.name !== record.name ||
    JSON.stringify(next.agent) !== JSON.stringify(record.agent);
  return changed ? { ...next, updatedAt: now.toISOString() } : undefined;
}

/** What admin tools and other services see: the record without the publish secret. */
export function redacted(record: CameraRecord): CameraRecord {
  return { ...record, publish: { user: record.publish.user, password: '' } };
}
