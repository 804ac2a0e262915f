import { parseMachineGuid, parseWhoamiSid } from './identity.js';

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
