import type { EventCommand } from './event.commands.js';
import { readFilter } from './event.filter.js';
import { durationMs, terminationTime } from './event.time.js';
import { CONTENT_DIALECT, TOPIC_DIALECT, topicSetXml } from './event.topics.js';
import { Ns } from './namespaces.js';
import type { CameraFeatures, Operation, OperationContext, OperationResult } from './operation.types.js';
import { Faults } from './soap.fault.js';
import { child, textAt } from './xml.js';

/**
 * The event service (ONVIF Core 9, ver10/events/wsdl/event.wsdl): the pull-point interface and
 * WS-BaseNotification's Subscribe, Renew and Unsubscribe. The operations read and check a request
 * and hand it to the service as an `events` effect; the service, which holds the subscriptions,
 * answers with the builders of event.commands.ts.
 */

/** Without an InitialTerminationTime a subscription lives this long (WS-BaseNotification leaves it to the device). */
export const DEFAULT_TERMINATION_MS = 60_000;

/** tev:Capabilities, for GetServiceCapabilities and GetServices. */
export function eventServiceCapabilitiesXml(tag: string, f: CameraFeatures): string {
  return (
    `<${tag} WSSubscriptionPolicySupport="false" WSPausableSubscriptionManagerInterfaceSupport="false" ` +
    `MaxNotificationProducers="${f.maxSubscriptions}" MaxPullPoints="${f.maxSubscriptions}" ` +
    `PersistentNotificationStorage="false"/>`
  );
}

const command = (c: EventCommand): OperationResult => ({ body: '', effect: { kind: 'events', command: c } });

function initialTermination(ctx: OperationContext): Date {
  const node = child(ctx.request, 'InitialTerminationTime');
  // nillable: xsi:nil means "no time given".
  const nil = node?.attrs.some((a) => a.local === 'nil' && a.value === 'true');
  return terminationTime(
    nil ? undefined : node?.text,
    ctx.now,
    DEFAULT_TERMINATION_MS,
    'UnacceptableInitialTerminationTimeFault',
  );
}

export const eventOperations: Operation[] = [
  {
    service: 'events',
    name: 'GetServiceCapabilities',
    access: 'PRE_AUTH',
    handle: (ctx) => ({
      body: `<tev:GetServiceCapabilitiesResponse>${eventServiceCapabilitiesXml('tev:Capabilities', ctx.features)}</tev:GetServiceCapabilitiesResponse>`,
    }),
  },
  {
    service: 'events',
    name: 'GetEventProperties',
    access: 'READ_MEDIA',
    handle: () => ({
      body:
        `<tev:GetEventPropertiesResponse>` +
        `<tev:TopicNamespaceLocation>http://www.onvif.org/onvif/ver10/topics/topicns.xml</tev:TopicNamespaceLocation>` +
        `<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet>${topicSetXml()}` +
        `<wsnt:TopicExpressionDialect>${TOPIC_DIALECT.concreteSet}</wsnt:TopicExpressionDialect>` +
        `<wsnt:TopicExpressionDialect>${TOPIC_DIALECT.concrete}</wsnt:TopicExpressionDialect>` +
        `<tev:MessageContentFilterDialect>${CONTENT_DIALECT}</tev:MessageContentFilterDialect>` +
        `<tev:MessageContentSchemaLocation>http://www.onvif.org/onvif/ver10/schema/onvif.xsd</tev:MessageContentSchemaLocation>` +
        `</tev:GetEventPropertiesResponse>`,
    }),
  },
  {
    service: 'events',
    name: 'CreatePullPointSubscription',
    access: 'READ_MEDIA',
    handle: (ctx) =>
      command({
        op: 'createPullPoint',
        filter: readFilter(child(ctx.request, 'Filter')),
        termination: initialTermination(ctx),
      }),
  },
  {
    service: 'events',
    name: 'PullMessages',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      const timeoutText = textAt(ctx.request, 'Timeout') ?? '';
      const timeoutMs = durationMs(timeoutText);
      if (timeoutMs === undefined)
        throw Faults.invalidArgVal(
          'InvalidArgVal',
          `Timeout "${timeoutText.slice(0, 64)}" is not an xs:duration`,
        );
      const limitText = textAt(ctx.request, 'MessageLimit') ?? '';
      const limit = /^\d{1,9}$/.test(limitText) ? Number(limitText) : NaN;
      if (!(limit >= 1))
        throw Faults.invalidArgVal(
          'InvalidArgVal',
          `MessageLimit "${limitText.slice(0, 64)}" is not a positive integer`,
        );
      return command({ op: 'pull', timeoutMs, limit });
    },
  },
  {
    service: 'events',
    name: 'SetSynchronizationPoint',
    access: 'READ_MEDIA',
    handle: () => command({ op: 'synchronize' }),
  },
  {
    service: 'events',
    ns: Ns.wsnt,
    name: 'Subscribe',
    access: 'READ_MEDIA',
    handle: (ctx) => {
      const consumer = textAt(ctx.request, 'ConsumerReference', 'Address')?.trim() ?? '';
      let url: URL | undefined;
      try {
        url = new URL(consumer);
      } catch {
        url = undefined;
      }
      // The device will POST to it: an absolute http(s) URL, nothing else.
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || consumer.length > 1024)
        throw Faults.invalidArgVal(
          'InvalidArgVal',
          `ConsumerReference/Address "${consumer.slice(0, 100)}" is not an http(s) URL`,
        );
      return command({
        op: 'subscribe',
        consumer: url.href,
        filter: readFilter(child(ctx.request, 'Filter')),
        termination: initialTermination(ctx),
      });
    },
  },
  {
    service: 'events',
    ns: Ns.wsnt,
    name: 'Renew',
    access: 'READ_MEDIA',
    handle: (ctx) =>
      command({
        op: 'renew',
        termination: terminationTime(
          textAt(ctx.request, 'TerminationTime'),
          ctx.now,
          DEFAULT_TERMINATION_MS,
          'UnacceptableTerminationTimeFault',
        ),
      }),
  },
  {
    service: 'events',
    ns: Ns.wsnt,
    name: 'Unsubscribe',
    access: 'READ_MEDIA',
    handle: () => command({ op: 'unsubscribe' }),
  },
];
