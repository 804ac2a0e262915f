import type { z } from 'zod';
import { decodePayload, encodeRequest, remoteError } from './codec.js';
import { DeskOnvifError } from './errors.js';
import type { RequestContract } from './subjects.js';

/** The one thing a contract client needs from a NATS connection. */
export interface Requester {
  request(subject: string, payload: Uint8Array, opts: { timeout: number }): Promise<{ data: Uint8Array }>;
}

type OkOf<R> = R extends { ok: true } ? R : never;

/** The largest reply accepted: a snapshot JPEG in base64 fits, anything bigger is refused. */
const MAX_REPLY_BYTES = 8 * 1024 * 1024;

/**
 * Sends one validated request and validates the reply; an error reply becomes a RemoteError with
 * its code, a missing responder NO_RESPONDERS, a silent one TIMEOUT (NATS has no default timeout
 * for a handler that never replies, so every call has one).
 */
export async function call<C extends RequestContract>(
  nc: Requester,
  contract: C,
  payload: z.input<C['request']>,
  timeoutMs = 5000,
): Promise<OkOf<z.infer<C['reply']>>> {
  const data = encodeRequest(contract, payload);
  let reply: { data: Uint8Array };
  try {
    reply = await nc.request(contract.subject, data, { timeout: timeoutMs });
  } catch (err) {
    throw transportError(err, contract.subject, timeoutMs);
  }
  const body = decodePayload(contract.reply, reply.data, MAX_REPLY_BYTES) as {
    ok: boolean;
    error?: { code: string; message: string };
  };
  if (!body.ok) throw remoteError(body.error ?? { code: 'INTERNAL', message: 'error reply without a body' });
  return body as OkOf<z.infer<C['reply']>>;
}

function transportError(err: unknown, subject: string, timeoutMs: number): DeskOnvifError {
  const name = (err as { name?: string } | undefined)?.name ?? '';
  const message = (err as Error | undefined)?.message ?? String(err);
  if (name === 'NoRespondersError' || /no responders/i.test(message)) {
    return new DeskOnvifError('NO_RESPONDERS', `${subject}: no service is listening`, { cause: err });
  }
  if (name === 'TimeoutError' || /timeout/i.test(message)) {
    return new DeskOnvifError('TIMEOUT', `${subject}: no reply within ${timeoutMs} ms`, { cause: err });
  }
  return new DeskOnvifError('UNAVAILABLE', `${subject}: ${message}`, { cause: err });
}
