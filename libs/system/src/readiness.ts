import { connect } from 'node:net';
import type { SupervisedChild } from './supervised.child.js';

/** A stop request (a signal) arrived while the system was waiting for something to start. */
export class Interrupted extends Error {
  readonly code = 'SYSTEM_INTERRUPTED';
}

/** Polls `probe` until it answers true; fails when the child exits meanwhile, or at the deadline. */
export async function waitUntil(
  what: string,
  child: SupervisedChild,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const exits = child.exits;
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new Interrupted();
    if (child.exits !== exits)
      throw new Error(
        `${child.spec.name} exited (${child.lastExit}) before ${what}; its last lines:\n${lastLines(child)}`,
      );
    if (await probe()) {
      // Still ours a moment later: another process's server on a port this child failed to bind
      // would answer too, until the child's exit shows.
      await new Promise((r) => setTimeout(r, 150));
      if (child.exits === exits) return;
      continue;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${what}: no answer within ${timeoutMs / 1000} s; ${child.spec.name}'s last lines:\n${lastLines(child)}`,
  );
}

function lastLines(child: SupervisedChild): string {
  return child.output().split('\n').slice(-10).join('\n');
}

export function tcpAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * nats-server is ready once JetStream answers, not when its port accepts: the registry opens its
 * KV buckets at start. A raw NATS exchange (INFO, CONNECT, SUB, PUB $JS.API.INFO), to need no client.
 */
export function jetStreamAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let data = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (chunk: Buffer) => {
      const first = data === '';
      data += chunk.toString();
      if (first && data.startsWith('INFO '))
        socket.write(
          'CONNECT {"verbose":false,"pedantic":false,"name":"desk-onvif-system"}\r\nSUB _INBOX.desk-system 1\r\n' +
            'PUB $JS.API.INFO _INBOX.desk-system 0\r\n\r\n',
        );
      if (data.includes('account_info_response')) done(!data.includes('"error"'));
      else if (data.includes('-ERR')) done(false);
    });
  });
}

export async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
