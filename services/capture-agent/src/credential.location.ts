import { join } from 'node:path';

/**
 * Where the camera credential (nkey seed, camera JWT, pinned site CA) is kept, and who may read it
 * (README "Security model", agent README "Credentials").
 *
 * - `user`: beside the agent's state, readable by its user only (0600 on Linux; on Windows an ACL
 *   with that user and SYSTEM): per-user mode, and every mode on Linux.
 * - `machine`: Windows shared mode. One camera per PC whoever logs on, so one credential per PC:
 *   `%ProgramData%\desk-onvif\nats`, written once by `desk-onvif-agent enrol` run as an
 *   administrator (install.ps1 does), with an ACL of its own (no inherited entries): SYSTEM and
 *   Administrators full control, the PC's users (BUILTIN\Users, who each run the shared agent at
 *   logon) read only. The agent of any user reads it and never enrols again, so a second Windows
 *   user is not refused IDENTITY_BOUND.
 */
export type CredentialScope = 'user' | 'machine';

export interface CredentialLocation {
  /** The directory that holds `nats/`. */
  dir: string;
  scope: CredentialScope;
}

export function credentialLocation(
  platform: NodeJS.Platform,
  mode: 'shared' | 'per-user',
  env: NodeJS.ProcessEnv,
  stateDir: string,
  configured?: string,
): CredentialLocation {
  const scope: CredentialScope = platform === 'win32' && mode === 'shared' ? 'machine' : 'user';
  if (configured) return { dir: configured, scope };
  if (scope === 'user') return { dir: stateDir, scope };
  return { dir: join(programData(env), 'desk-onvif'), scope };
}

/** %ProgramData% (Windows names it in either case; ALLUSERSPROFILE is the same folder). */
function programData(env: NodeJS.ProcessEnv): string {
  return env['ProgramData'] ?? env['PROGRAMDATA'] ?? env['ALLUSERSPROFILE'] ?? 'C:\\ProgramData';
}

const SYSTEM = '*S-1-5-18';
const ADMINISTRATORS = '*S-1-5-32-544';
const USERS = '*S-1-5-32-545';

/**
 * `icacls` arguments for a machine credential file: inheritance removed, SYSTEM and Administrators
 * full control, the PC's users read. Well-known SIDs, so that a localised Windows reads them too.
 */
export function machineFileAclArgs(path: string): string[] {
  return [path, '/inheritance:r', '/grant:r', `${SYSTEM}:F`, `${ADMINISTRATORS}:F`, `${USERS}:R`];
}

/**
 * The same for its directory, inherited by what is created in it: %ProgramData% lets every user
 * create folders, so the directory's own ACL (not ProgramData's) decides who may write there.
 */
export function machineDirAclArgs(path: string): string[] {
  return [
    path,
    '/inheritance:r',
    '/grant:r',
    `${SYSTEM}:(OI)(CI)F`,
    `${ADMINISTRATORS}:(OI)(CI)F`,
    `${USERS}:(OI)(CI)RX`,
  ];
}
