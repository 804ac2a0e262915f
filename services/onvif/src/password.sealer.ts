import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { OnvifUserRecord } from '@desk-onvif/contracts';

type Sealed = OnvifUserRecord['password'];

/**
 * ONVIF passwords at rest: AES-256-GCM (NIST SP 800-38D) with a random 96-bit IV per password.
 * The additional data binds a sealed password to its KV key, so it cannot be copied to another user.
 */
export class PasswordSealer {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the users key must be 32 bytes');
  }

  seal(password: string, aad: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const data = Buffer.concat([cipher.update(password, 'utf8'), cipher.final()]);
    return {
      alg: 'A256GCM',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  }

  /** Throws when the key is wrong or the value was tampered with. */
  open(sealed: Sealed, aad: string): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  }
}
