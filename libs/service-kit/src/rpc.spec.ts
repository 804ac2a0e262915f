import { errors } from '@nats-io/transport-node';
import { UnavailableError, toErrorBody } from '@desk-onvif/contracts';
import { busyOf } from './rpc.js';

describe('busyOf', () => {
  it("makes a NATS client's own timeout (a busy JetStream) a retryable UNAVAILABLE", () => {
    const mapped = busyOf(new errors.TimeoutError());
    expect(mapped).toBeInstanceOf(UnavailableError);
    expect(toErrorBody(mapped)).toEqual({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/retry/) as string,
    });
  });

  it('leaves every other error alone (a bug stays INTERNAL)', () => {
    expect(busyOf(new TypeError('x is undefined'))).toBeUndefined();
    expect(busyOf('timeout')).toBeUndefined();
  });
});
