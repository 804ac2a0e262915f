import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { machineDirAclArgs, machineFileAclArgs, type CredentialScope } from './credential.location.js';

/**
 * Files that hold secrets (state.json: the publish password, a generated ONVIF password; NATS
 * credentials) readable by their owner only. On Linux that is mode 0600. Windows ignores file
 * modes: there the file gets an ACL of its own, without inherited entries, that grants only the
 * current user and SYSTEM (S-1-5-18) full control — not Administrators, not other users.
 */
export class SecretFileError extends Error {
  readonly code = 'SECRET_FILE_UNPROTECTED';
  constructor(path: string, detail: string) {
    super(`cannot restrict ${path} to its owner: ${detail}`);
    this.name = 'SecretFileError';
  }
}

/** The Windows account to grant: `DOMAIN\user` as Windows names the logged-on user. */
export function windowsAccount(env: NodeJS.ProcessEnv = process.env): string {
  const user = env['USERNAME'] ?? userInfo().username;
  const domain = env['USERDOMAIN'];
  return domain ? `${domain}\\${user}` : user;
}

/** `icacls FILE /inheritance:r /grant:r ACCOUNT:F *S-1-5-18:F`: only these two entries remain. */
export function icaclsArgs(path: string, account: string): string[] {
  return [path, '/inheritance:r', '/grant:r', `${account}:F`, '*S-1-5-18:F'];
}

/**
 * `scope` machine (Windows shared mode, credential.location.ts): SYSTEM and Administrators full
 * control, the PC's users read only, instead of the current user and SYSTEM.
 */
export function protectSecretFile(
  path: string,
  platform: NodeJS.Platform = process.platform,
  scope: CredentialScope = 'user',
): void {
  if (platform !== 'win32') {
    chmodSync(path, 0o600);
    return;
  }
  icacls(path, scope === 'machine' ? machineFileAclArgs(path) : icaclsArgs(path, windowsAccount()));
}

/** Windows: the machine credential directory gets its own ACL (SYSTEM, Administrators; users read). */
export function protectMachineDir(path: string, platform: NodeJS.Platform = process.platform): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if (platform === 'win32') icacls(path, machineDirAclArgs(path));
}

function icacls(path: string, args: string[]): void {
  try {
    execFileSync('icacls', args, {
      stdio: 'pipe',
      windowsHide: true,
      timeout: 15_000,
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new SecretFileError(path, (e.stderr?.toString() || e.stdout?.toString() || e.message).trim());
  }
}

/**
 * Writes `text` to `path` atomically (a temporary file renamed over it: a crash never leaves half a
 * file) in a directory created 0700. `secret`: the temporary file is protected before it gets any
 * content, and before the rename, so the secret is never readable by others, even for a moment.
 */
export function writeFileAtomic(
  path: string,
  text: string,
  opts: { secret?: boolean; scope?: CredentialScope } = {},
): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, '', { mode: 0o600 });
    if (opts.secret) protectSecretFile(tmp, process.platform, opts.scope);
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
