import {
  Catch,
  Inject,
  Injectable,
  Logger,
  Optional,
  type ArgumentsHost,
  type PipeTransform,
  type RpcExceptionFilter,
} from '@nestjs/common';

import { throwError, type Observable } from 'rxjs';
import {
  DeskOnvifError,
  UnavailableError,
  decodeRequest,
  toErrorBody,
  type RequestContract,
} from '@desk-onvif/contracts';
import type { z } from 'zod';

/** Told of every error reply, e.g. to count invalid requests by subject. */
export type RpcErrorHook = (code: string, subject: string) => void;
export const RPC_ERROR_HOOK = Symbol('RPC_ERROR_HOOK');

/** Validates a request's raw bytes against its contract: size, JSON, schema. */
@Injectable()
export class ContractPipe<C extends RequestContract> implements PipeTransform<
  Uint8Array,
  z.infer<C['request']>
> {
  constructor(private readonly contract: C) {}
  transform(value: Uint8Array): z.infer<C['request']> {
    return decodeRequest(this.contract, value instanceof Uint8Array ? value : new Uint8Array());
  }
}

/**
 * A NATS request of the handler's own that timed out (a JetStream KV write or read on a saturated
 * server, another service slow): the caller may retry, so UNAVAILABLE, not INTERNAL.
 */
export function busyOf(err: unknown): UnavailableError | undefined {
  return err instanceof Error && err.name === 'TimeoutError'
    ? new UnavailableError('NATS or JetStream did not answer in time: retry')
    : undefined;
}

/**
 * Maps every error thrown by an RPC handler to the error body of the reply, once, at the edge.
 * Domain errors keep their code; anything else is INTERNAL and logged, its details never sent.
 * Applied per controller (`@UseFilters(RpcErrorFilter)`), so HTTP routes keep Nest's own handling.
 */
@Catch()
@Injectable()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('rpc');
  constructor(@Optional() @Inject(RPC_ERROR_HOOK) private readonly onError?: RpcErrorHook) {}
  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const mapped = busyOf(exception) ?? exception;
    if (!(mapped instanceof DeskOnvifError)) this.logger.error(exception);
    else if (mapped !== exception) this.logger.warn(`${mapped.message}: ${(exception as Error).message}`);
    const body = toErrorBody(mapped);
    const ctx: unknown = host.switchToRpc().getContext();
    const subject =
      ctx && typeof (ctx as { getSubject?: unknown }).getSubject === 'function'
        ? (ctx as { getSubject(): string }).getSubject()
        : '';
    this.onError?.(body.code, subject);
    return throwError(() => body);
  }
}
