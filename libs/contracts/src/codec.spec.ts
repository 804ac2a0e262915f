import { decodeRequest, encodeRequest } from './codec.js';
import { InvalidRequestError } from './errors.js';
import { Registry } from './subjects.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const valid = { identity: { hostId: 'abc', hostName: 'PC-1', mode: 'shared' as const } };

describe('request codec', () => {
  it('round-trips a valid registration', () => {
    expect(decodeRequest(Registry.register, encodeRequest(Registry.register, valid))).toEqual(valid);
  });

  it.each([
    ['malformed JSON', '{"identity": ', /payload: not valid JSON/],
    ['empty payload', '', /payload: empty/],
    ['not an object', '42', /\(payload\)/],
    ['missing identity', '{}', /^identity: /],
    ['bad mode', JSON.stringify({ identity: { ...valid.identity, mode: 'all' } }), /^identity\.mode: /],
    [
      'per-user without userId',
      JSON.stringify({ identity: { ...valid.identity, mode: 'per-user' } }),
      /^identity\.userId: required/,
    ],
    [
      'slash in hostId',
      JSON.stringify({ identity: { ...valid.identity, hostId: 'a/b' } }),
      /^identity\.hostId: /,
    ],
    [
      'control char in hostName',
      JSON.stringify({ identity: { ...valid.identity, hostName: 'a\u0001' } }),
      /^identity\.hostName: no control/,
    ],
    ['unknown field', JSON.stringify({ ...valid, extra: 1 }), /extra/],
    [
      'oversize',
      JSON.stringify({ identity: { ...valid.identity, hostName: 'x'.repeat(70_000) } }),
      /payload: \d+ bytes, the limit is 65536/,
    ],
  ])('%s → INVALID_REQUEST naming the field', (_name, raw, message) => {
    let caught: unknown;
    try {
      decodeRequest(Registry.register, bytes(raw));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidRequestError);
    expect((caught as InvalidRequestError).code).toBe('INVALID_REQUEST');
    expect((caught as Error).message).toMatch(message);
  });

  it('a sender cannot put an invalid payload on the wire', () => {
    expect(() => encodeRequest(Registry.get, { id: 'not-a-uuid' })).toThrow(InvalidRequestError);
  });

  it('invalid UTF-8 is refused', () => {
    expect(() => decodeRequest(Registry.register, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).toThrow(
      /not valid JSON/,
    );
  });
});
