import { createSocket, type Socket } from 'node:dgram';
import { MULTICAST_GROUP } from '@desk-onvif/ws-discovery';
import type { MulticastSender } from './announcer.js';
import type { UnicastSender } from './discovery.responder.js';

/**
 * The one UDP socket of the service: bound to the WS-Discovery port on every address, joined to
 * the multicast group on each listening interface. SO_REUSEADDR, because other WS-Discovery
 * services (wsdd, another desk-onvif node) may share the host. Multicast TTL 1: discovery stays on
 * the link (SOAP-over-UDP multicast is link-local in practice, and routers must not carry it).
 */
export class DiscoverySocket implements UnicastSender, MulticastSender {
  private socket: Socket | undefined;
  /** Multicast sends one at a time: the outgoing interface is socket state. */
  private multicastChain: Promise<void> = Promise.resolve();

  constructor(
    private readonly port: number,
    private readonly interfaceAddresses: string[],
    private readonly recvBufferBytes: number,
  ) {}

  async open(
    onMessage: (datagram: Buffer, source: { address: string; port: number }) => void,
  ): Promise<void> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    socket.on('message', (msg, rinfo) => onMessage(msg, rinfo));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.port, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // Errors after binding (e.g. ICMP unreachable on a send) must not kill the process.
    socket.on('error', () => undefined);
    for (const address of this.interfaceAddresses) socket.addMembership(MULTICAST_GROUP, address);
    socket.setRecvBufferSize(this.recvBufferBytes);
    socket.setMulticastTTL(1);
    socket.setMulticastLoopback(true);
    this.socket = socket;
  }

  get isOpen(): boolean {
    return this.socket !== undefined;
  }

  send(payload: Buffer, port: number, address: string): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('socket closed'));
    return new Promise((resolve, reject) =>
      socket.send(payload, port, address, (err) => (err ? reject(err) : resolve())),
    );
  }

  multicast(payload: Buffer, interfaceAddress: string): Promise<void> {
    const next = this.multicastChain.then(() => {
      this.socket?.setMulticastInterface(interfaceAddress);
      return this.send(payload, this.port, MULTICAST_GROUP);
    });
    this.multicastChain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
