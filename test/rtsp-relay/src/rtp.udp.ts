import { createSocket, type Socket } from 'node:dgram';

/** The server's RTP and RTCP ports (MediaMTX's rtpAddress and rtcpAddress). */
export interface UdpPorts {
  rtpPort: number;
  rtcpPort: number;
}

export class UdpPortsError extends Error {
  readonly code = 'RELAY_UDP_PORTS';
  constructor(message: string) {
    super(message);
    this.name = 'UdpPortsError';
  }
}

/**
 * The RTP/RTCP sockets a UDP reader's packets leave from (RFC 2326 §12.39 `server_port`). As in
 * gortsplib, the RTP port is even and the RTCP port the next one; both 0 picks a free pair.
 * What readers send to them (receiver reports, ffmpeg's NAT-punching packets) is read and dropped.
 */
export class UdpRtpListener {
  private constructor(
    private readonly rtp: Socket,
    private readonly rtcp: Socket,
  ) {}

  static async start(host: string, ports: UdpPorts): Promise<UdpRtpListener> {
    if (ports.rtpPort === 0 && ports.rtcpPort === 0) return UdpRtpListener.anyPair(host);
    if (ports.rtpPort % 2 !== 0)
      throw new UdpPortsError(`RTP port ${ports.rtpPort} is odd (it must be even)`);
    if (ports.rtcpPort !== ports.rtpPort + 1)
      throw new UdpPortsError(`RTCP port ${ports.rtcpPort} is not the RTP port + 1 (${ports.rtpPort + 1})`);
    const rtp = await bind(host, ports.rtpPort);
    try {
      return new UdpRtpListener(rtp, await bind(host, ports.rtcpPort));
    } catch (err) {
      rtp.close();
      throw err;
    }
  }

  /** An even free port whose successor is free too: a few tries, as other processes race for ports. */
  private static async anyPair(host: string): Promise<UdpRtpListener> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const probe = await bind(host, 0);
      const port = probe.address().port;
      probe.close();
      const even = port % 2 === 0 ? port : port + 1;
      if (even + 1 > 65535) continue;
      try {
        return await UdpRtpListener.start(host, { rtpPort: even, rtcpPort: even + 1 });
      } catch {
        /* taken meanwhile: try another */
      }
    }
    throw new UdpPortsError('no free even/odd UDP port pair for RTP/RTCP after 20 tries');
  }

  get ports(): UdpPorts {
    return { rtpPort: this.rtp.address().port, rtcpPort: this.rtcp.address().port };
  }

  /** Sends one RTP (or RTCP) packet to a reader's client port; returns the bytes sent. */
  send(rtcp: boolean, payload: Buffer, host: string, port: number): number {
    (rtcp ? this.rtcp : this.rtp).send(payload, port, host);
    return payload.length;
  }

  async close(): Promise<void> {
    await Promise.all([this.rtp, this.rtcp].map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

function bind(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      socket.on('error', () => undefined); // ICMP unreachable from a reader that left: nothing to do
      socket.on('message', () => undefined);
      resolve(socket);
    });
  });
}
