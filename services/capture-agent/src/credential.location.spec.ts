import { loadAgentConfig } from './config.js';
import { credentialLocation, machineDirAclArgs, machineFileAclArgs } from './credential.location.js';
import { icaclsArgs } from './secret.file.js';

const WIN_ENV = {
  ProgramData: 'C:\\ProgramData',
  APPDATA: 'C:\\Users\\ada\\AppData\\Roaming',
  LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local',
};

describe('where the camera credential is kept', () => {
  it('Windows shared mode: machine-wide in %ProgramData%\\desk-onvif, whoever runs the agent', () => {
    const ada = credentialLocation('win32', 'shared', WIN_ENV, 'C:\\Users\\ada\\AppData\\Local\\desk-onvif');
    const bob = credentialLocation(
      'win32',
      'shared',
      { ...WIN_ENV, LOCALAPPDATA: 'C:\\Users\\bob\\AppData\\Local' },
      'C:\\Users\\bob\\AppData\\Local\\desk-onvif',
    );
    expect(ada.scope).toBe('machine');
    expect(ada.dir).toMatch(/^C:\\ProgramData[\\/]desk-onvif$/);
    expect(bob).toEqual(ada);
    // Windows names the variable in either case; ALLUSERSPROFILE is the same folder.
    expect(credentialLocation('win32', 'shared', { ALLUSERSPROFILE: 'D:\\PD' }, 'x').dir).toMatch(
      /^D:\\PD[\\/]desk-onvif$/,
    );
  });

  it('Windows per-user mode and Linux: beside the state, for that user only', () => {
    expect(
      credentialLocation('win32', 'per-user', WIN_ENV, 'C:\\Users\\ada\\AppData\\Local\\desk-onvif'),
    ).toEqual({
      dir: 'C:\\Users\\ada\\AppData\\Local\\desk-onvif',
      scope: 'user',
    });
    expect(credentialLocation('linux', 'shared', {}, '/home/ada/.local/state/desk-onvif')).toEqual({
      dir: '/home/ada/.local/state/desk-onvif',
      scope: 'user',
    });
  });

  it('credentialDir moves it, keeping who may read it', () => {
    expect(credentialLocation('win32', 'shared', WIN_ENV, 'x', 'E:\\creds')).toEqual({
      dir: 'E:\\creds',
      scope: 'machine',
    });
    const config = loadAgentConfig({
      env: { ...WIN_ENV, AGENT_MODE: 'shared', AGENT_CREDENTIAL_DIR: 'E:\\creds' },
      flags: {},
      platform: 'win32',
      readFile: () => {
        throw Object.assign(new Error('none'), { code: 'ENOENT' });
      },
    });
    expect(config.credentials).toEqual({ dir: 'E:\\creds', scope: 'machine' });
  });

  it('the machine ACL: no inherited entries; SYSTEM and Administrators full control, users read only', () => {
    expect(machineFileAclArgs('C:\\ProgramData\\desk-onvif\\nats\\camera.creds')).toEqual([
      'C:\\ProgramData\\desk-onvif\\nats\\camera.creds',
      '/inheritance:r',
      '/grant:r',
      '*S-1-5-18:F',
      '*S-1-5-32-544:F',
      '*S-1-5-32-545:R',
    ]);
    // The directory passes the same to what is created in it, and lets users list, not write.
    expect(machineDirAclArgs('C:\\ProgramData\\desk-onvif\\nats')).toEqual([
      'C:\\ProgramData\\desk-onvif\\nats',
      '/inheritance:r',
      '/grant:r',
      '*S-1-5-18:(OI)(CI)F',
      '*S-1-5-32-544:(OI)(CI)F',
      '*S-1-5-32-545:(OI)(CI)RX',
    ]);
    // A per-user credential stays the user's and SYSTEM's only (not Administrators').
    expect(icaclsArgs('f', 'PC\\ada')).toEqual([
      'f',
      '/inheritance:r',
      '/grant:r',
      'PC\\ada:F',
      '*S-1-5-18:F',
    ]);
  });
});
