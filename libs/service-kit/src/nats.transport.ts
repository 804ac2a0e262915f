import type { Msg } from '@nats-io/transport-node';
import type { Deserializer, IncomingEvent, IncomingRequest, Serializer } from '@nestjs/microservices';
import { encodeJson, toErrorBody } from '@desk-onvif/contracts';

/**
 * Plain JSON on the wire instead of Nest's `{pattern, data, id}` envelope, so that any NATS client
 * (the agent, the `nats` CLI, another language) speaks the contracts directly. The handler gets the
 * raw bytes; a ContractPipe validates them.
 */
export class RawNatsDeserializer implements Deserializer<Msg, IncomingRequest | IncomingEvent> {
  deserialize(msg: Msg, options?: { channel?: string; replyTo?: string }): IncomingRequest | IncomingEvent {
    const pattern = options?.channel ?? msg.subject;
    // Nest only needs an id to tell a request (reply expected) from an event.
    if (msg.reply) return { pattern, data: msg.data, id: msg.reply };
    return { pattern, data: msg.data };
  }
}

interface OutgoingPacket {
  response?: unknown;
  err?: unknown;
  isDisposed?: boolean;
}

export class JsonReplySerializer implements Serializer<OutgoingPacket, { data: Uint8Array }> {
  serialize(packet: OutgoingPacket): { data: Uint8Array } {
    if (packet.err !== undefined) {
      return { data: encodeJson({ ok: false, error: errorBodyOf(packet.err) }) };
    }
    // A packet with only `isDisposed` closes Nest's stream; the requester has its reply already.
    return { data: encodeJson(packet.response ?? null) };
  }
}

function errorBodyOf(err: unknown): { code: string; message: string } {
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const { code, message } = err;
    if (typeof code === 'string' && typeof message === 'string') return { code, message };
  }
  return toErrorBody(err);
}
