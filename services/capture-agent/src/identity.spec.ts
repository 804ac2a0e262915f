import { IdentitySchema } from '@desk-onvif/contracts';
import { detectIdentity, parseMachineGuid, parseWhoamiSid } from './identity.js';

describe('Windows identity parsing', () => {
  it('reads MachineGuid from `reg query` (Windows 11 23H2 output)', () => {
    const out =
      '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography\r\n    MachineGuid    REG_SZ    6F1C2D3E-4B5A-4C7D-8E9F-0A1B2C3D4E5F\r\n\r\n';
    expect(parseMachineGuid(out)).toBe('6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f');
  });

  it('reads the SID from `whoami /user /fo csv /nh`', () => {
    expect(parseWhoamiSid('"lab-pc-07\\ada","S-1-5-21-3623811015-3361044348-30300820-1013"\r\n')).toBe(
      'S-1-5-21-3623811015-3361044348-30300820-1013',
    );
  });

  it('says so when the output has no answer', () => {
    expect(() => parseMachineGuid('ERROR: The system was unable to find the specified registry key')).toThrow(
      /MachineGuid not found/,
    );
    expect(() => parseWhoamiSid('')).toThrow(/no SID/);
  });
});

describe('detectIdentity', () => {
  const source = {
    hostId: () => Promise.resolve('3d1219c7c4c5404aaa1f6d2a48adfda4'),
    userId: () => Promise.resolve('1000'),
  };

  it('shared: the host alone, a valid registration identity', async () => {
    const identity = await detectIdentity(source, 'shared');
    expect(identity).toMatchObject({ mode: 'shared', hostId: '3d1219c7c4c5404aaa1f6d2a48adfda4' });
    expect(identity.userId).toBeUndefined();
    expect(IdentitySchema.safeParse(identity).success).toBe(true);
  });

  it('per-user: the host and the user', async () => {
    const identity = await detectIdentity(source, 'per-user');
    expect(identity).toMatchObject({ mode: 'per-user', userId: '1000' });
    expect(IdentitySchema.safeParse(identity).success).toBe(true);
  });
  it('a configured host id and name replace the machine id and the computer name', async () => {
    const identity = await detectIdentity(source, 'shared', { hostId: 'lab-clone-7', hostName: 'LAB 7' });
    expect(identity).toEqual({ mode: 'shared', hostId: 'lab-clone-7', hostName: 'LAB 7' });
  });
});
