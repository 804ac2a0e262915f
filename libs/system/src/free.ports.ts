import { createSocket, type Socket } from 'node:dgram';
import { createServer } from 'node:net';

/** A TCP port the OS says is free on `host` now. Callers still wait for their server to answer. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A UDP port free on `host` now. */
export function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

function bindUdp(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, host, () => resolve(s));
  });
}

/**
 * An even UDP port and the next one, both free on `host` now: a media server's RTP and RTCP ports
 * (MediaMTX's rtpAddress/rtcpAddress must be such a pair).
 */
export async function freeUdpPortPair(host = '127.0.0.1'): Promise<{ rtpPort: number; rtcpPort: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const probe = await bindUdp(host, 0);
    const port = probe.address().port;
    probe.close();
    const rtpPort = port % 2 === 0 ? port : port + 1;
    const held: Socket[] = [];
    try {
      held.push(await bindUdp(host, rtpPort), await bindUdp(host, rtpPort + 1));
      return { rtpPort, rtcpPort: rtpPort + 1 };
    } catch {
      /* one of them is taken: another try */
    } finally {
      for (const s of held) s.close();
    }
  }
  throw new Error('no free even/odd UDP port pair after 20 tries');
}
