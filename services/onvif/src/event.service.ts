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
import type { SubscriptionBook } from './subscription.book.js';
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
    /** KV `event-subscriptions`: subscriptions outlive a restart (none in unit tests). */
    private readonly book: SubscriptionBook | undefined,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async run(command: EventCommand, req: EventRequest): Promise<string> {
    const address = (id: string) => `http://${hostForUri(req.host)}:${req.port}${SUBSCRIPTION_PATH}${id}`;
    switch (command.op) {
      case 'createPullPoint': {
        const sub = this.store.create(req.cameraId, 'pull', command.filter, command.termination, {
          deliveredSeq: this.hub.lastSeq,
        });
        // ONVIF Core 9.1: a new subscriber first gets every property as it stands.
        this.store.offer(sub, this.hub.current(req.cameraId));
        await this.book?.save(sub);
        return createPullPointResponseXml(address(sub.id), req.now, new Date(sub.terminationMs));
      }
      case 'subscribe': {
        const sub = this.store.create(req.cameraId, 'push', command.filter, command.termination, {
          consumer: command.consumer,
          deliveredSeq: this.hub.lastSeq,
        });
        sub.address = address(sub.id);
        this.notify.bind(sub, address(sub.id));
        this.store.offer(sub, this.hub.current(req.cameraId));
        await this.book?.save(sub, address(sub.id));
        return subscribeResponseXml(address(sub.id), req.now, new Date(sub.terminationMs));
      }
      case 'pull': {
        const sub = await this.subscription(req, 'pull');
        const messages = await this.store.pull(sub, command.timeoutMs, command.limit, req.signal);
        // ONVIF Core 9.1.1: the pull kept it alive past the termination written down. Newer events
        // handed over: a restart replays only what came after them.
        if (
          (sub.terminationMs > sub.savedTerminationMs || sub.deliveredSeq > sub.savedSeq) &&
          this.store.get(sub.cameraId, sub.id) === sub
        )
          void this.book?.save(sub);
        return pullMessagesResponseXml(this.clock(), new Date(sub.terminationMs), messages);
      }
      case 'renew': {
        const sub = await this.subscription(req);
        this.store.renew(sub, command.termination);
        await this.book?.save(sub, sub.kind === 'push' ? address(sub.id) : undefined);
        return renewResponseXml(req.now, new Date(sub.terminationMs));
      }
      case 'unsubscribe': {
        const sub = await this.subscription(req);
        this.store.remove(sub);
        await this.book?.delete(sub);
        return UNSUBSCRIBE_RESPONSE;
      }
      case 'synchronize': {
        const sub = await this.subscription(req);
        // ONVIF Core 9.6: every property again, as `Initialized`.
        this.store.offer(sub, this.hub.current(req.cameraId));
        return SYNCHRONIZATION_POINT_RESPONSE;
      }
    }
  }

  /** The subscription a request was sent to; a clear fault when it is unknown or gone. */
  private async subscription(req: EventRequest, kind?: 'pull'): Promise<Subscription> {
    const id = subscriptionIdOf(req.uri);
    if (!id)
      throw Faults.invalidArgVal(
        'ResourceUnknownFault',
        `send this request to the SubscriptionReference address of the subscription, not to ${req.uri.slice(0, 100)}`,
      );
    // Not in memory: written down before a restart, or by the process that served the camera. The
    // stream's missed events are read first, so that a restored subscription gets them.
    let sub = this.store.get(req.cameraId, id);
    if (!sub) {
      await this.hub.ready;
      sub = await this.book?.find(req.cameraId, id);
    }
    if (!sub)
      throw Faults.invalidArgVal(
        'ResourceUnknownFault',
        'no such subscription: it expired or was unsubscribed. Create a new one',
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
