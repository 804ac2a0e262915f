import { buildBye, buildHello } from '@desk-onvif/ws-discovery';
import type { AnnouncedCamera } from './camera.directory.js';
import type { DiscoveryMetrics } from './discovery.metrics.js';
import type { MessageSequence } from './message.sequence.js';
import type { ListenAddress } from './network.interfaces.js';
import { targetOf } from './target.view.js';

/** Collaborator: multicasts one datagram to the WS-Discovery group out of one interface. */
export interface MulticastSender {
  multicast(payload: Buffer, interfaceAddress: string): Promise<void>;
}

/**
 * Hello and Bye (WS-Discovery 2005/04 §4), multicast on every listening interface, each with the
 * XAddrs that interface's clients can reach.
 */
export class Announcer {
  constructor(
    private readonly socket: MulticastSender,
    private readonly listening: ListenAddress[],
    private readonly publicHost: string | undefined,
    private readonly sequence: MessageSequence,
    private readonly metrics: DiscoveryMetrics,
  ) {}

  async announce(type: 'hello' | 'bye', camera: AnnouncedCamera): Promise<void> {
    for (const iface of this.listening) {
      const args = { ...this.sequence.next(), target: targetOf(camera, this.publicHost ?? iface.address) };
      const xml = type === 'hello' ? buildHello(args) : buildBye(args);
      try {
        await this.socket.multicast(Buffer.from(xml), iface.address);
        this.metrics.announcements.inc({ type });
      } catch {
        this.metrics.sendErrors.inc();
      }
    }
  }
}
