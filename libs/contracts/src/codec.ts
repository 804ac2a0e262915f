import type { z } from 'zod';
import { InvalidRequestError, RemoteError, type ErrorBody, type ErrorCode, ErrorCodes } from './errors.js';
import type { EventContract, RequestContract } from './subjects.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** `a.b[2].c: message` for each problem, so the message names the field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const path = i.path.length
        ? i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.')
        : '(payload)';
      return `${path.replace(/\.\[/g, '[')}: ${i.message}`;
    })
    .join('; ');
}

/**
 * Decodes and validates one payload: size first, then UTF-8 and JSON, then the schema. Every
 * failure is an InvalidRequestError whose message says what and where.
 */
export function decodePayload<S extends z.ZodType>(
  schema: S,
  data: Uint8Array,
  maxBytes: number,
): z.infer<S> {
  if (data.byteLength > maxBytes) {
    throw new InvalidRequestError(`payload: ${data.byteLength} bytes, the limit is ${maxBytes}`);
  }
  let value: unknown;
  try {
    value = data.byteLength === 0 ? undefined : JSON.parse(decoder.decode(data));
  } catch (err) {
    throw new InvalidRequestError(`payload: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (value === undefined) throw new InvalidRequestError('payload: empty, a JSON object is required');
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidRequestError(describeIssues(result.error));
  return result.data;
}

/** Validates before sending: a sender never puts an invalid payload on the wire. */
export function encodePayload<S extends z.ZodType>(schema: S, value: z.input<S>): Uint8Array {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidRequestError(describeIssues(result.error));
  return encoder.encode(JSON.stringify(result.data));
}

export function encodeRequest<C extends RequestContract>(
  contract: C,
  value: z.input<C['request']>,
): Uint8Array {
  return encodePayload(contract.request, value);
}

export function decodeRequest<C extends RequestContract>(
  contract: C,
  data: Uint8Array,
): z.infer<C['request']> {
  return decodePayload(contract.request, data, contract.maxBytes) as z.infer<C['request']>;
}

export function encodeEvent<C extends EventContract>(contract: C, value: z.input<C['event']>): Uint8Array {
  return encodePayload(contract.event, value);
}

export function decodeEvent<C extends EventContract>(contract: C, data: Uint8Array): z.infer<C['event']> {
  return decodePayload(contract.event, data, contract.maxBytes) as z.infer<C['event']>;
}

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Turns an error reply into a RemoteError that keeps its code. */
export function remoteError(body: ErrorBody | { code: string; message: string }): RemoteError {
  const code = (ErrorCodes as readonly string[]).includes(body.code) ? (body.code as ErrorCode) : 'INTERNAL';
  return new RemoteError(code, body.message);
}
