import {
  createPullPointResponseXml,
  Faults,
  hostForUri,
  pullMessagesResponseXml,
  renewResponseXml,
  SoapFault,
  subscribeResponseXml,
  SUBSCRIPTION_PATH,
  subscriptionIdOf,
  SYNCHRONIZATION_POINT_RESPONSE,
  UNSUBSCRIBE_RESPONSE,
  type EventCommand,
} from '@desk-onvif/onvif-soap';
import type { EventHub } from './event.hub.js';
import type { NotifySender } from './notify.sender.js';
import type { Subscription, SubscriptionStore } from './subscription.store.js';

export interface EventRequest {
  cameraId: string;
  /** The request target: a subscription's requests are sent to its address. */
  uri: string;
  /** Host and port written into subscription addresses, as in the XAddrs. */
  host: string;
  port: number;
  signal: AbortSignal;
  /** The request's clock reading, the one the operation computed relative times with. */
  now: Date;
}

/**
 * Carries out an event service request (an `events` effect of libs/onvif-soap) against this
 * node's subscriptions and returns the response body. Faults are SoapFaults.
 */
export class EventService {
  constructor(
    private readonly store: SubscriptionStore,
    private readonly hub: EventHub,
    private readonly notify: NotifySender,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async run(command: EventCommand, req: EventRequest): Promise<string> {
    const address = (id: string) => `http://${hostForUri(req.host)}:${req.port}${SUBSCRIPTION_PATH}${id}`;
    switch (command.op) {
      case 'createPullPoint': {
        const sub = this.store.create(req.cameraId, 'pull', command.filter, command.termination);
        // ONVIF Core 9.1: a new subscriber first gets every property as it stands.
        this.store.offer(sub, this.hub.current(req.cameraId));
        return createPullPointResponseXml(address(sub.id), req.now, new Date(sub.terminationMs));
      }
      case 'subscribe': {
        const sub = this.store.create(req.cameraId, 'push', command.filter, command.termination, {
          consumer: command.consumer,
        });
        this.notify.bind(sub, address(sub.id));
        this.store.offer(sub, this.hub.current(req.cameraId));
        return subscribeResponseXml(address(sub.id), req.now, new Date(sub.terminationMs));
      }
      case 'pull': {
        const sub = this.subscription(req, 'pull');
        const messages = await this.store.pull(sub, command.timeoutMs, command.limit, req.signal);
        return pullMessagesResponseXml(this.clock(), new Date(sub.terminationMs), messages);
      }
      case 'renew': {
        const sub = this.subscription(req);
        this.store.renew(sub, command.termination);
        return renewResponseXml(req.now, new Date(sub.terminationMs));
      }
      case 'unsubscribe':
        this.store.remove(this.subscription(req));
        return UNSUBSCRIBE_RESPONSE;
      case 'synchronize': {
        const sub = this.subscription(req);
        // ONVIF Core 9.6: every property again, as `Initialized`.
        this.store.offer(sub, this.hub.current(req.cameraId));
        return SYNCHRONIZATION_POINT_RESPONSE;
      }
    }
  }

  /** The subscription a request was sent to; a clear fault when it is unknown or gone. */
  private subscription(req: EventRequest, kind?: 'pull'): Subscription {
    const id = subscriptionIdOf(req.uri);
    if (!id)
      throw Faults.invalidArgVal(
        'ResourceUnknownFault',
        `send this request to the SubscriptionReference address of the subscription, not to ${req.uri.slice(0, 100)}`,
      );
    const sub = this.store.get(req.cameraId, id);
    if (!sub)
      throw Faults.invalidArgVal(
        'ResourceUnknownFault',
        'no such subscription: it expired, was unsubscribed, or the service restarted. Create a new one',
      );
    if (kind === 'pull' && sub.kind !== 'pull')
      throw new SoapFault(
        'Sender',
        ['ActionNotSupported'],
        'PullMessages on a Base Notification subscription',
      );
    return sub;
  }
}
