import { createSocket, type Socket } from 'node:dgram';
import { createServer } from 'node:net';

/** A port the OS says is free on loopback now. Callers still wait for their server to answer. */
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

/** Thrown by a probe to stop waiting at once: what it waits for can no longer happen. */
export class WaitAborted extends Error {}

/**
 * Polls `probe` until it resolves true, or fails after `timeoutMs` with the last error. A probe that
 * throws WaitAborted fails the wait at once.
 */
export async function waitFor(
  what: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (err) {
      if (err instanceof WaitAborted) throw err;
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}
