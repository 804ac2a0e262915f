import type { CameraRecord, EncoderSettings } from '@desk-onvif/contracts';
import type { EventCommand } from './event.commands.js';
import type { XmlNode } from './xml.js';

/** ONVIF user levels (ONVIF Core 5.9.4.2); Anonymous and Extended are not stored. */
export type UserLevel = 'Administrator' | 'Operator' | 'User';
export const USER_LEVELS: readonly UserLevel[] = ['Administrator', 'Operator', 'User'];

export interface OnvifUserInfo {
  username: string;
  level: UserLevel;
}

/** Where clients reach this camera: the host and ports written into XAddrs and URIs. */
export interface Endpoint {
  host: string;
  port: number;
  /** The camera endpoint serves HTTPS (ONVIF Profile T): XAddrs and snapshot URIs say https. */
  tls?: boolean;
  mediaHost: string;
  rtspPort: number;
  /**
   * The media server's RTSPS port when it serves RTSPS too (MediaMTX `rtspEncryption: optional`):
   * Media1 stream URIs say rtsps, Media2 hands rtsps for `RtspsUnicast` (README "Security model").
   */
  rtspsPort?: number;
}

export interface DeviceIdentity {
  manufacturer: string;
  firmwareVersion: string;
}

/** A profile a client created (Synology's `SynoProfile`); served by the main stream. */
export interface ExtraProfile {
  token: string;
  name: string;
}

/**
 * What this camera offers beyond the fixed media model, decided by the service: the profiles it
 * may claim follow from it (Profile T needs HTTPS), and the event service's bounds.
 */
export interface CameraFeatures {
  /** ONVIF over HTTPS is served (Profile T's mandatory transport security). */
  https: boolean;
  /** Subscriptions (pull-points and Base Notification) a camera accepts at once. */
  maxSubscriptions: number;
}

export const DEFAULT_FEATURES: CameraFeatures = { https: false, maxSubscriptions: 16 };

export interface OperationContext {
  camera: CameraRecord;
  features: CameraFeatures;
  users: readonly OnvifUserInfo[];
  caller: OnvifUserInfo | undefined;
  extraProfiles: readonly ExtraProfile[];
  request: XmlNode;
  now: Date;
  endpoint: Endpoint;
  device: DeviceIdentity;
}

export interface NewUser {
  username: string;
  password: string;
  level: UserLevel;
}

/** What the service must do before it answers: the operations themselves do no I/O. */
export type Effect =
  | { kind: 'settings'; settings: EncoderSettings }
  | { kind: 'reboot' }
  | { kind: 'discoveryMode'; mode: 'Discoverable' | 'NonDiscoverable' }
  /** The configurable scopes, all of them (scopes.operations.ts). */
  | { kind: 'scopes'; scopes: string[] }
  | { kind: 'createUsers'; users: NewUser[] }
  | { kind: 'deleteUsers'; usernames: string[] }
  | { kind: 'setUsers'; users: { username: string; password: string | undefined; level: UserLevel }[] }
  | { kind: 'createProfile'; profile: ExtraProfile }
  | { kind: 'deleteProfile'; token: string }
  /** An event service request: the service answers it from its subscriptions (event.commands.ts). */
  | { kind: 'events'; command: EventCommand };

export interface OperationResult {
  body: string;
  effect?: Effect;
}

/** ONVIF Core 5.9.4.1: the access class of each operation decides who may call it. */
export type AccessClass =
  | 'PRE_AUTH'
  | 'READ_SYSTEM'
  | 'READ_SYSTEM_SENSITIVE'
  | 'READ_SYSTEM_SECRET'
  | 'WRITE_SYSTEM'
  | 'UNRECOVERABLE'
  | 'READ_MEDIA'
  | 'ACTUATE';

export type ServiceName = 'device' | 'media' | 'media2' | 'events' | 'imaging';

export interface Operation {
  service: ServiceName;
  /** The operation's namespace when it is not the service's (WS-BaseNotification's Renew…). */
  ns?: string;
  name: string;
  access: AccessClass;
  handle(ctx: OperationContext): OperationResult;
}

/** ONVIF Core 5.9.4.3, the default access policy: which level may use which class. */
const ALLOWED: Record<UserLevel, ReadonlySet<AccessClass>> = {
  User: new Set(['PRE_AUTH', 'READ_SYSTEM', 'READ_MEDIA']),
  Operator: new Set(['PRE_AUTH', 'READ_SYSTEM', 'READ_SYSTEM_SENSITIVE', 'READ_MEDIA', 'ACTUATE']),
  Administrator: new Set([
    'PRE_AUTH',
    'READ_SYSTEM',
    'READ_SYSTEM_SENSITIVE',
    'READ_SYSTEM_SECRET',
    'WRITE_SYSTEM',
    'UNRECOVERABLE',
    'READ_MEDIA',
    'ACTUATE',
  ]),
};

export function mayCall(level: UserLevel, access: AccessClass): boolean {
  return ALLOWED[level].has(access);
}
