import { DeskOnvifError, InvalidRequestError } from '@desk-onvif/contracts';
import { JsonReplySerializer } from './nats.transport.js';

const text = (b: { data: Uint8Array }) => new TextDecoder().decode(b.data);

describe('plain JSON replies', () => {
  const sut = new JsonReplySerializer();
  it('passes a response through as JSON', () => {
    expect(text(sut.serialize({ response: { ok: true, n: 1 }, isDisposed: true }))).toBe('{"ok":true,"n":1}');
  });
  it('wraps an error body with its code', () => {
    const body = { code: 'NOT_FOUND', message: 'no camera' };
    expect(JSON.parse(text(sut.serialize({ err: body })))).toEqual({ ok: false, error: body });
  });
  it('keeps a domain error code, hides anything else', () => {
    expect(JSON.parse(text(sut.serialize({ err: new InvalidRequestError('x: bad') })))).toEqual({
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'x: bad' },
    });
    expect(JSON.parse(text(sut.serialize({ err: 'Internal server error' })))).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'internal error' },
    });
    expect(new DeskOnvifError('TIMEOUT', 't').code).toBe('TIMEOUT');
  });
});
