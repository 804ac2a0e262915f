import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import {
  buildFault,
  CONTENT_TYPE,
  Faults,
  MAX_SHAPE_CHARS,
  SoapFault,
  type EnvelopeReader,
  type SoapEndpoint,
  type SoapHttpRequest,
  type SoapRequest,
} from '@desk-onvif/onvif-soap';
import type { OnvifConfig } from './config.js';
import type { OnvifMetrics } from './onvif.metrics.js';

/** A request body as SoapEndpoint takes it: read, parsed as it came, or refused part way. */
export type SoapBody = SoapHttpRequest['body'];

/** A chunk of the body is decoded and parsed this much at a time (ONVIF requests fit in one). */
const PARSE_SLICE_BYTES = 4096;

/** Past this much, an oversized body is not even read to its end. */
const DRAIN_LIMIT_BYTES = 32 * 1024 * 1024;

/**
 * A camera endpoint's SOAP request bodies, read with their limits applied while they arrive: a body
 * of a shape answered before is taken without parsing; any other is parsed slice by slice by the
 * connection's EnvelopeReader (reused from one keep-alive request to the next).
 */
export class SoapBodyReader {
  /** Each keep-alive connection's envelope reader, reused from one request to the next. */
  private readonly readers = new WeakMap<Socket, EnvelopeReader>();

  constructor(private readonly d: { config: OnvifConfig; endpoint: SoapEndpoint; metrics: OnvifMetrics }) {}

  /**
   * Reads the body up to MAX_BODY_BYTES, parsing it as it arrives (EnvelopeReader), so that a
   * hostile body is refused at the slice that breaks a limit: the fault goes out at once, the
   * connection closes after it and the rest is neither parsed nor read. A body over MAX_BODY_BYTES
   * is not kept: the rest is read and dropped so that the client, still sending, gets its 413
   * rather than a reset; past DRAIN_LIMIT_BYTES the connection is cut.
   */
  read(req: IncomingMessage, res: ServerResponse, done: (body: SoapBody) => void): void {
    const max = this.d.config.MAX_BODY_BYTES;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > DRAIN_LIMIT_BYTES) return this.tooLarge(res, true);
    // No SOAP content type: nothing to parse; SoapEndpoint answers 415 once the body is in. A body
    // announced larger than the limit is not parsed either: it gets its 413.
    const socket = req.socket;
    const reader =
      declared > max
        ? undefined
        : this.d.endpoint.reader(req.headers['content-type'], this.readers.get(socket));
    // Kept for the connection's next request only once this one has been read whole.
    this.readers.delete(socket);
    // Made when the parser is needed: a body of a known shape never is.
    let decoder: StringDecoder | undefined;
    let size = 0;
    let refused = false;
    const refuse = (err: unknown) => {
      refused = true;
      res.shouldKeepAlive = false;
      // Read nothing more of it (libuv would go on reading what the client keeps sending): the
      // connection closes once the fault is out, the unread rest is the kernel's to drop.
      socket.pause();
      done({ refused: err instanceof SoapFault ? err : Faults.internal() });
    };
    let shaped: SoapRequest | undefined;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (refused) return;
      // A whole body in one chunk, of a shape answered before: no parsing (envelope.shapes.ts).
      // latin1 decodes ASCII as UTF-8 does, and shapes are ASCII; any other body finds none.
      if (size === declared && size === chunk.length && size <= MAX_SHAPE_CHARS && reader) {
        shaped = this.d.endpoint.shaped(req.headers['content-type'], chunk.toString('latin1'));
        if (shaped) return;
      }
      if (size > DRAIN_LIMIT_BYTES) {
        req.removeAllListeners('data');
        this.tooLarge(res, true);
      } else if (size <= max && reader) {
        try {
          // In slices: a request refused part way costs one slice's decoding and parsing, not the
          // rest of a 64 KB chunk.
          decoder ??= new StringDecoder('utf8');
          for (let at = 0; at < chunk.length; at += PARSE_SLICE_BYTES) {
            reader.write(decoder.write(chunk.subarray(at, at + PARSE_SLICE_BYTES)));
          }
        } catch (err) {
          refuse(err);
        }
      }
    });
    req.on('end', () => {
      if (refused) return;
      if (size > max) {
        if (size <= DRAIN_LIMIT_BYTES) this.tooLarge(res, false);
        return;
      }
      if (!reader) return done('');
      if (shaped) {
        // The reader, unused, stays the connection's.
        this.readers.set(socket, reader);
        return done({ envelope: shaped });
      }
      let envelope: SoapRequest;
      try {
        if (decoder) reader.write(decoder.end());
        envelope = reader.end();
      } catch (err) {
        return refuse(err);
      }
      this.readers.set(socket, reader);
      done({ envelope, shape: reader.shapeSource() });
    });
    req.on('error', () => res.destroy());
  }

  /** 413 with a SOAP fault (SOAP 1.2 Part 2 §7.5.2.2); the connection closes after it. */
  private tooLarge(res: ServerResponse, cut: boolean): void {
    this.d.metrics.httpRejected.inc({ status: '413' });
    const fault = Faults.wellFormed(`request body larger than ${this.d.config.MAX_BODY_BYTES} bytes`);
    res.shouldKeepAlive = false;
    res.writeHead(413, { 'Content-Type': CONTENT_TYPE['1.2'], Connection: 'close' });
    res.end(buildFault('1.2', fault), () => {
      if (cut) res.socket?.destroy();
    });
  }
}
