import { NonceCache } from './nonce.cache.js';
import { NOW, NONCE, USERS } from './test.fixtures.js';
import { passwordDigest, verifyUsernameToken, type AuthFailure, type UsernameToken } from './wsse.auth.js';

const MINUTE = 60_000;

function digestToken(over: Partial<UsernameToken> & { secret?: string; at?: Date } = {}): UsernameToken {
  const created = over.created ?? (over.at ?? NOW).toISOString();
  const nonce = over.nonce ?? NONCE;
  return {
    username: 'admin',
    passwordType: 'digest',
    nonce,
    created,
    password: passwordDigest(nonce, created, over.secret ?? USERS.admin!.password),
    ...over,
  };
}

describe('verifyUsernameToken (UsernameToken Profile 1.0, ONVIF Core 5.9.4)', () => {
  const policy = (allowPasswordText = false) => ({
    windowMs: 5 * MINUTE,
    allowPasswordText,
    nonces: new NonceCache(100, 10 * MINUTE),
  });
  const admin = USERS.admin!.password;
  const cases: [string, UsernameToken, string | undefined, boolean, AuthFailure | 'ok'][] = [
    ['a valid digest', digestToken(), admin, false, 'ok'],
    ['a wrong password', digestToken({ secret: 'nope' }), admin, false, 'bad-password'],
    ['an unknown user', digestToken(), undefined, false, 'unknown-user'],
    [
      'Created 5 min + 1 s ahead',
      digestToken({ at: new Date(NOW.getTime() + 5 * MINUTE + 1000) }),
      admin,
      false,
      'clock-skew',
    ],
    [
      'Created 5 min + 1 s behind',
      digestToken({ at: new Date(NOW.getTime() - 5 * MINUTE - 1000) }),
      admin,
      false,
      'clock-skew',
    ],
    [
      'Created 4 min 59 s behind',
      digestToken({ at: new Date(NOW.getTime() - 5 * MINUTE + 1000) }),
      admin,
      false,
      'ok',
    ],
    ['Created that is no date', digestToken({ created: 'yesterday' }), admin, false, 'clock-skew'],
    ['a digest without Nonce', digestToken({ nonce: undefined }), admin, false, 'malformed-token'],
    ['a digest without Created', { ...digestToken(), created: undefined }, admin, false, 'malformed-token'],
    [
      'PasswordText when not allowed',
      { username: 'admin', passwordType: 'text', password: admin, nonce: undefined, created: undefined },
      admin,
      false,
      'password-text-refused',
    ],
    [
      'PasswordText when allowed',
      { username: 'admin', passwordType: 'text', password: admin, nonce: undefined, created: undefined },
      admin,
      true,
      'ok',
    ],
    [
      'a wrong PasswordText',
      { username: 'admin', passwordType: 'text', password: 'x', nonce: undefined, created: undefined },
      admin,
      true,
      'bad-password',
    ],
  ];
  test.each(cases)('%s', (_name, token, password, allowText, expected) => {
    const outcome = verifyUsernameToken(token, password, NOW, policy(allowText));
    expect(outcome.ok ? 'ok' : outcome.reason).toBe(expected);
  });

  test('a nonce is accepted once; a failed attempt does not spend it', () => {
    const p = policy();
    expect(verifyUsernameToken(digestToken({ secret: 'wrong' }), admin, NOW, p).ok).toBe(false);
    expect(verifyUsernameToken(digestToken(), admin, NOW, p)).toEqual({ ok: true, username: 'admin' });
    expect(verifyUsernameToken(digestToken(), admin, NOW, p)).toEqual({
      ok: false,
      reason: 'replayed-nonce',
    });
  });
});

describe('the replay window at the cache bound', () => {
  test('a full cache refuses new tokens and still refuses every replay until its Created window ends', () => {
    const p = { windowMs: 5 * MINUTE, allowPasswordText: false, nonces: new NonceCache(3, 10 * MINUTE) };
    const admin = USERS.admin!.password;
    const tokens = [1, 2, 3].map((n) => digestToken({ nonce: Buffer.alloc(16, n) }));
    for (const t of tokens) expect(verifyUsernameToken(t, admin, NOW, p)).toMatchObject({ ok: true });
    const fourth = digestToken({ nonce: Buffer.alloc(16, 4) });
    expect(verifyUsernameToken(fourth, admin, NOW, p)).toEqual({ ok: false, reason: 'replay-cache-full' });
    // The last instant Created is still within the window: every replay is still caught.
    const lastInstant = new Date(NOW.getTime() + 5 * MINUTE);
    for (const t of tokens) {
      expect(verifyUsernameToken(t, admin, lastInstant, p)).toEqual({ ok: false, reason: 'replayed-nonce' });
    }
    expect(p.nonces.refusedFull).toBe(1);
    // One millisecond later the tokens are too old to be accepted, and their room is free again.
    const after = new Date(lastInstant.getTime() + 2 * MINUTE);
    const late = digestToken({ nonce: Buffer.alloc(16, 5), at: after });
    expect(verifyUsernameToken(late, admin, after, p)).toMatchObject({ ok: true });
    expect(verifyUsernameToken(tokens[0]!, admin, after, p)).toEqual({ ok: false, reason: 'clock-skew' });
  });
});
