import { createHash } from 'node:crypto';
import { parseDigestHeader } from './http-digest.js';
import { digestAuthority, NOW, USERS } from './test.fixtures.js';

const passwordOf = (u: string) => USERS[u]?.password;

/** What a client answers to one of the challenges (RFC 7616 §3.4.1). */
function answer(
  challenge: string,
  opts: {
    alg: 'MD5' | 'SHA-256';
    user?: string;
    password?: string;
    uri?: string;
    nc?: string;
    nonce?: string;
  },
) {
  const p = parseDigestHeader(challenge)!;
  const h = (s: string) =>
    createHash(opts.alg === 'MD5' ? 'md5' : 'sha256')
      .update(s)
      .digest('hex');
  const user = opts.user ?? 'admin';
  const uri = opts.uri ?? '/onvif/device_service';
  const nonce = opts.nonce ?? p.nonce!;
  const nc = opts.nc ?? '00000001';
  const ha1 = h(`${user}:${p.realm}:${opts.password ?? passwordOf(user) ?? 'x'}`);
  const response = h(`${ha1}:${nonce}:${nc}:abcdef:auth:${h(`POST:${uri}`)}`);
  return `Digest username="${user}", realm="${p.realm}", nonce="${nonce}", uri="${uri}", algorithm=${opts.alg}, qop=auth, nc=${nc}, cnonce="abcdef", response="${response}"`;
}

describe('DigestAuthority (RFC 7616)', () => {
  test('offers SHA-256 first, then MD5, both with qop=auth', () => {
    const [sha, md5] = digestAuthority().challenge(NOW);
    expect(sha).toMatch(
      /^Digest realm="desk-onvif", qop="auth", algorithm=SHA-256, nonce="[^"]+", opaque="[^"]+"$/,
    );
    expect(md5).toContain('algorithm=MD5');
  });

  const MINUTE = 60_000;
  const cases: [string, (c: string[]) => string, Date, string][] = [
    ['MD5', (c) => answer(c[1]!, { alg: 'MD5' }), NOW, 'ok'],
    ['SHA-256', (c) => answer(c[0]!, { alg: 'SHA-256' }), NOW, 'ok'],
    ['an Operator', (c) => answer(c[0]!, { alg: 'SHA-256', user: 'operator' }), NOW, 'ok'],
    ['a wrong password', (c) => answer(c[0]!, { alg: 'SHA-256', password: 'nope' }), NOW, 'bad-password'],
    ['an unknown user', (c) => answer(c[0]!, { alg: 'MD5', user: 'mallory' }), NOW, 'unknown-user'],
    [
      'another request target',
      (c) => answer(c[0]!, { alg: 'MD5', uri: '/elsewhere' }),
      NOW,
      'malformed-token',
    ],
    [
      'the request target in absolute form',
      (c) => answer(c[0]!, { alg: 'MD5', uri: 'http://192.168.1.20:8090/onvif/device_service' }),
      NOW,
      'ok',
    ],
    [
      'another target in absolute form',
      (c) => answer(c[0]!, { alg: 'MD5', uri: 'http://192.168.1.20:8090/elsewhere' }),
      NOW,
      'malformed-token',
    ],
    [
      'a nonce we never issued',
      (c) => answer(c[0]!, { alg: 'MD5', nonce: 'A'.repeat(43) }),
      NOW,
      'malformed-token',
    ],
    [
      'a nonce past its time',
      (c) => answer(c[0]!, { alg: 'MD5' }),
      new Date(NOW.getTime() + 6 * MINUTE),
      'stale-nonce',
    ],
    ['Basic credentials', () => 'Basic YWRtaW46YWRtaW4=', NOW, 'malformed-token'],
  ];
  test.each(cases)('%s', (_name, build, at, expected) => {
    const sut = digestAuthority();
    const header = build(sut.challenge(NOW));
    const outcome = sut.verify(header, 'POST', '/onvif/device_service', passwordOf, at);
    expect(outcome.ok ? 'ok' : outcome.reason).toBe(expected);
  });

  test('the same nonce count is accepted once; the next count is fine', () => {
    const sut = digestAuthority();
    const challenge = sut.challenge(NOW)[0]!;
    const first = answer(challenge, { alg: 'SHA-256' });
    expect(sut.verify(first, 'POST', '/onvif/device_service', passwordOf, NOW).ok).toBe(true);
    expect(sut.verify(first, 'POST', '/onvif/device_service', passwordOf, NOW)).toEqual({
      ok: false,
      reason: 'replayed-nonce',
    });
    const second = answer(challenge, { alg: 'SHA-256', nc: '00000002' });
    expect(sut.verify(second, 'POST', '/onvif/device_service', passwordOf, NOW).ok).toBe(true);
  });

  test('parseDigestHeader reads quoted and bare values, commas inside quotes', () => {
    expect(parseDigestHeader('Digest a="x, y", b=z,c="q\\"r"')).toEqual({ a: 'x, y', b: 'z', c: 'q"r' });
    expect(parseDigestHeader('Basic abc')).toBeUndefined();
  });
});
