import type { EventFilter } from './event.filter.js';
import { notificationMessageXml, type EventMessage } from './event.topics.js';
import { esc } from './xml.js';

/**
 * What an event service request asks of the service's subscriptions, read and checked by
 * events.operations.ts; and the response bodies the service writes with what it did. The requests
 * that name a subscription (PullMessages, Renew, Unsubscribe, SetSynchronizationPoint) find it by
 * the address they were sent to: the SubscriptionReference of the create response.
 */
export type EventCommand =
  | { op: 'createPullPoint'; filter: EventFilter; termination: Date }
  | { op: 'subscribe'; consumer: string; filter: EventFilter; termination: Date }
  | { op: 'pull'; timeoutMs: number; limit: number }
  | { op: 'renew'; termination: Date }
  | { op: 'unsubscribe' }
  | { op: 'synchronize' };

/** Where a subscription is reached: the path holds its id (`/onvif/subscription/<id>`). */
export const SUBSCRIPTION_PATH = '/onvif/subscription/';

export function subscriptionIdOf(uri: string): string | undefined {
  const path = uri.split('?')[0] ?? '';
  if (!path.startsWith(SUBSCRIPTION_PATH)) return undefined;
  const id = path.slice(SUBSCRIPTION_PATH.length);
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
}

const iso = (d: Date) => d.toISOString();

function reference(tag: string, address: string): string {
  return `<${tag}><wsa:Address>${esc(address)}</wsa:Address></${tag}>`;
}

export function createPullPointResponseXml(address: string, now: Date, termination: Date): string {
  return (
    `<tev:CreatePullPointSubscriptionResponse>${reference('tev:SubscriptionReference', address)}` +
    `<wsnt:CurrentTime>${iso(now)}</wsnt:CurrentTime><wsnt:TerminationTime>${iso(termination)}</wsnt:TerminationTime>` +
    `</tev:CreatePullPointSubscriptionResponse>`
  );
}

export function subscribeResponseXml(address: string, now: Date, termination: Date): string {
  return (
    `<wsnt:SubscribeResponse>${reference('wsnt:SubscriptionReference', address)}` +
    `<wsnt:CurrentTime>${iso(now)}</wsnt:CurrentTime><wsnt:TerminationTime>${iso(termination)}</wsnt:TerminationTime>` +
    `</wsnt:SubscribeResponse>`
  );
}

export function pullMessagesResponseXml(
  now: Date,
  termination: Date,
  messages: readonly EventMessage[],
): string {
  return (
    `<tev:PullMessagesResponse><tev:CurrentTime>${iso(now)}</tev:CurrentTime>` +
    `<tev:TerminationTime>${iso(termination)}</tev:TerminationTime>` +
    messages.map((m) => notificationMessageXml(m)).join('') +
    `</tev:PullMessagesResponse>`
  );
}

export function renewResponseXml(now: Date, termination: Date): string {
  return (
    `<wsnt:RenewResponse><wsnt:TerminationTime>${iso(termination)}</wsnt:TerminationTime>` +
    `<wsnt:CurrentTime>${iso(now)}</wsnt:CurrentTime></wsnt:RenewResponse>`
  );
}

export const UNSUBSCRIBE_RESPONSE = `<wsnt:UnsubscribeResponse/>`;
export const SYNCHRONIZATION_POINT_RESPONSE = `<tev:SetSynchronizationPointResponse/>`;

/** The body of a Notify sent to a Base Notification consumer (WS-BaseNotification 1.3 §3). */
export function notifyXml(messages: readonly EventMessage[], subscriptionAddress: string): string {
  return `<wsnt:Notify>${messages.map((m) => notificationMessageXml(m, subscriptionAddress)).join('')}</wsnt:Notify>`;
}
