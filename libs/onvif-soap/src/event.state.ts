import type { CameraEvent, RegistryEvent } from '@desk-onvif/contracts';
import { topicOf, type EventMessage, type PropertyOperation, type TopicName } from './event.topics.js';

/**
 * The properties of one camera that its topics report, and how the agent's and the registry's
 * events move them. Pure: the onvif service keeps one of these per camera and fans the messages
 * out to the camera's subscriptions.
 */
export interface CameraEventState {
  /** Desktop activity above the detector's threshold, held for its hold time. */
  motion: boolean;
  /** The user's session is locked: the picture is the lock screen. */
  locked: boolean;
  /** ffmpeg is not streaming (capture.stopped until capture.started). */
  captureLost: boolean;
  /** The registry marked the camera offline (no heartbeats). */
  offline: boolean;
}

export function initialEventState(online: boolean): CameraEventState {
  return { motion: false, locked: false, captureLost: false, offline: !online };
}

function value(state: CameraEventState, topic: TopicName): boolean {
  switch (topic) {
    case 'VideoSource/MotionAlarm':
    case 'RuleEngine/CellMotionDetector/Motion':
      return state.motion;
    case 'VideoSource/GlobalSceneChange/ImagingService':
      return state.locked;
    case 'VideoSource/SignalLoss':
      return state.captureLost || state.offline;
  }
}

function message(topic: TopicName, on: boolean, operation: PropertyOperation, utc: Date): EventMessage {
  const t = topicOf(topic);
  return { topic, utc, operation, source: t.sourceValues, data: [{ name: t.data.name, value: String(on) }] };
}

const ALL: readonly TopicName[] = [
  'VideoSource/MotionAlarm',
  'RuleEngine/CellMotionDetector/Motion',
  'VideoSource/GlobalSceneChange/ImagingService',
  'VideoSource/SignalLoss',
];

/** Every property as it stands: what a new subscription or SetSynchronizationPoint gets (`Initialized`). */
export function propertyMessages(state: CameraEventState, utc: Date): EventMessage[] {
  return ALL.map((t) => message(t, value(state, t), 'Initialized', utc));
}

/** `Changed` messages for every topic whose value differs between two states. */
function changes(before: CameraEventState, after: CameraEventState, utc: Date): EventMessage[] {
  return ALL.filter((t) => value(before, t) !== value(after, t)).map((t) =>
    message(t, value(after, t), 'Changed', utc),
  );
}

export interface Transition {
  state: CameraEventState;
  messages: EventMessage[];
}

/** An agent's `camera.<id>.event`. Repeats of the current state change nothing. */
export function applyCameraEvent(state: CameraEventState, event: CameraEvent): Transition {
  const next = { ...state };
  switch (event.type) {
    case 'desktop.activity':
      next.motion = event.active ?? true;
      break;
    case 'session.locked':
      next.locked = true;
      break;
    case 'session.unlocked':
      next.locked = false;
      break;
    case 'capture.started':
      next.captureLost = false;
      // An agent that speaks is online, whatever the registry has said so far.
      next.offline = false;
      break;
    case 'capture.stopped':
      next.captureLost = true;
      // No picture, no motion.
      next.motion = false;
      break;
  }
  return { state: next, messages: changes(state, next, utcOf(event.at)) };
}

/** The registry's `registry.event` about this camera: online and offline. */
export function applyRegistryEvent(state: CameraEventState, event: RegistryEvent, now: Date): Transition {
  const next = { ...state };
  if (event.type === 'camera.online') next.offline = false;
  else if (event.type === 'camera.offline') {
    next.offline = true;
    // The agent is gone: it cannot say that the motion stopped.
    next.motion = false;
  } else return { state, messages: [] };
  return { state: next, messages: changes(state, next, now) };
}

function utcOf(at: string): Date {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? new Date() : d;
}
