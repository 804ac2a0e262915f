import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  cameraSubjects,
  DeskOnvifError,
  decodeRequest,
  type EncoderSettings,
  encodePayload,
  type RequestContract,
} from '@desk-onvif/contracts';
import { errorMessage, type Logger } from './logger.js';

export interface CameraHandlers {
  /** Applies new encoder settings; throws a DeskOnvifError when they cannot be used. */
  settings(settings: EncoderSettings): Promise<EncoderSettings>;
  /** The latest JPEG and when it was taken, or undefined before the first one. */
  snapshot(stream: 'main' | 'sub'): { jpeg: Buffer; at: Date } | undefined;
}

/**
 * Answers `camera.<id>.settings` and `camera.<id>.snapshot` (DESIGN.md, "NATS contracts"). Replies
 * are validated against the contract before they are sent, errors become `{ ok: false, error }`.
 */
export class CameraResponder {
  private subs: Subscription[] = [];

  constructor(
    private readonly handlers: CameraHandlers,
    private readonly logger: Logger,
  ) {}

  listen(nc: NatsConnection, cameraId: string): void {
    this.close();
    const subjects = cameraSubjects(cameraId);
    this.subs = [
      this.serve(nc, subjects.settings, async (req) => ({
        ok: true as const,
        settings: await this.handlers.settings(req.settings),
      })),
      this.serve(nc, subjects.snapshot, (req) => {
        const latest = this.handlers.snapshot(req.stream);
        if (!latest) throw new DeskOnvifError('UNAVAILABLE', 'no frame captured yet');
        return Promise.resolve({
          ok: true as const,
          contentType: 'image/jpeg' as const,
          jpegBase64: latest.jpeg.toString('base64'),
          at: latest.at.toISOString(),
        });
      }),
    ];
  }

  close(): void {
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
  }

  private serve<C extends RequestContract>(
    nc: NatsConnection,
    contract: C,
    handle: (req: ReturnType<C['request']['parse']>) => Promise<unknown>,
  ): Subscription {
    return nc.subscribe(contract.subject, {
      callback: (err, msg) => {
        if (err) return;
        void (async () => {
          let reply: unknown;
          try {
            reply = await handle(decodeRequest(contract, msg.data) as ReturnType<C['request']['parse']>);
          } catch (e) {
            const code = e instanceof DeskOnvifError ? e.code : 'INTERNAL';
            this.logger.warn('request failed', { subject: contract.subject, code, err: errorMessage(e) });
            reply = { ok: false, error: { code, message: errorMessage(e) } };
          }
          try {
            msg.respond(encodePayload(contract.reply, reply));
          } catch (e) {
            const detail = errorMessage(e);
            this.logger.error('invalid reply not sent', { subject: contract.subject, err: detail });
            msg.respond(
              encodePayload(contract.reply, { ok: false, error: { code: 'INTERNAL', message: detail } }),
            );
          }
        })();
      },
    });
  }
}
