import { randomBytes } from 'node:crypto';
import { PasswordSealer } from './password.sealer.js';

describe('PasswordSealer (AES-256-GCM)', () => {
  const sut = new PasswordSealer(randomBytes(32));

  test('opens what it sealed; the sealed form holds no trace of the password', () => {
    const sealed = sut.seal('correct horse battery', 'cam.61646d696e');
    expect(JSON.stringify(sealed)).not.toContain('correct');
    expect(sut.open(sealed, 'cam.61646d696e')).toBe('correct horse battery');
  });

  test.each([
    ['another key', (s: ReturnType<typeof sut.seal>) => new PasswordSealer(randomBytes(32)).open(s, 'k')],
    ['another user (additional data)', (s: ReturnType<typeof sut.seal>) => sut.open(s, 'other')],
    [
      'a changed ciphertext',
      (s: ReturnType<typeof sut.seal>) => sut.open({ ...s, data: Buffer.from('x').toString('base64') }, 'k'),
    ],
  ])('refuses %s', (_name, open) => {
    expect(() => open(sut.seal('secret-password', 'k'))).toThrow();
  });

  test('a key that is not 32 bytes is refused', () => {
    expect(() => new PasswordSealer(randomBytes(16))).toThrow(/32 bytes/);
  });
});
