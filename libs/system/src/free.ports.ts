import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/**
 * A port held open so that nothing else takes it, until `release`: between choosing a child's port
 * and the child binding it, the machine's other tests pick free ports too.
 */
export interface HeldPort {
  port: number;
  release(): Promise<void>;
}

/** A TCP port, listened on (`host`; `port`, or any free one for 0) until released. */
export function holdTcpPort(host = '127.0.0.1', port = 0): Promise<HeldPort> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(port, host, () => {
      const { port: bound } = srv.address() as { port: number };
      resolve({ port: bound, release: () => new Promise((done) => srv.close(() => done())) });
    });
  });
}

function bindUdp(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, host, () => {
      s.unref();
      resolve(s);
    });
  });
}

function held(socket: Socket): HeldPort {
  return { port: socket.address().port, release: () => new Promise((done) => socket.close(() => done())) };
}

/** A UDP port, bound until released. */
export async function holdUdpPort(host = '127.0.0.1'): Promise<HeldPort> {
  return held(await bindUdp(host, 0));
}

/**
 * An even UDP port and the next one, bound until released: a media server's RTP and RTCP ports
 * (MediaMTX's rtpAddress/rtcpAddress must be such a pair).
 */
export async function holdUdpPortPair(host = '127.0.0.1'): Promise<[HeldPort, HeldPort]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const probe = await bindUdp(host, 0);
    const port = probe.address().port;
    await held(probe).release();
    const rtpPort = port % 2 === 0 ? port : port + 1;
    const sockets: Socket[] = [];
    try {
      sockets.push(await bindUdp(host, rtpPort), await bindUdp(host, rtpPort + 1));
      return [held(sockets[0]!), held(sockets[1]!)];
    } catch {
      for (const s of sockets) s.close(); // one of them is taken: another try
    }
  }
  throw new Error('no free even/odd UDP port pair after 20 tries');
}

/**
 * Where `freePort` looks: below the kernel's ephemeral range (32768-60999 on Linux), which hands
 * its ports to outgoing connections, and below 20000, where the tests' camera port ranges are.
 */
export const FREE_PORT_RANGE = { from: 10000, to: 19999 } as const;

/**
 * A TCP port free on `host` now. Callers still wait for their server to answer. Not one the
 * kernel chose (port 0): those are in its ephemeral range, and a server that stops and listens
 * on the same port again (an RTSP receiver after its publisher left, a restarted nats-server)
 * could find it taken in between by any process's outgoing connection, for as long as that
 * connection lives — seen once in CI: a receiver refused its publisher for 100 s.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const span = FREE_PORT_RANGE.to - FREE_PORT_RANGE.from + 1;
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = FREE_PORT_RANGE.from + randomInt(span);
    try {
      await (await holdTcpPort(host, port)).release();
      return port;
    } catch {
      // taken: another
    }
  }
  throw new Error(
    `no free TCP port on ${host} in ${FREE_PORT_RANGE.from}-${FREE_PORT_RANGE.to} after 50 tries`,
  );
}

/** A UDP port free on `host` now. */
export async function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  const h = await holdUdpPort(host);
  await h.release();
  return h.port;
}

/** An even UDP port and the next one, both free on `host` now (RTP and RTCP). */
export async function freeUdpPortPair(host = '127.0.0.1'): Promise<{ rtpPort: number; rtcpPort: number }> {
  const [rtp, rtcp] = await holdUdpPortPair(host);
  await Promise.all([rtp.release(), rtcp.release()]);
  return { rtpPort: rtp.port, rtcpPort: rtcp.port };
}
