import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureSitePki } from '@desk-onvif/site-pki';
import { CONSOLE_ENTRY, consoleEnv, type SystemSettings } from '@desk-onvif/system';

const run = promisify(execFile);

/** The site CA and server certificate in `<state>/pki`, made once and kept (never printed). */
export async function devTls(
  stateDir: string,
  host: string,
): Promise<{ cert: string; key: string; ca: string }> {
  const pki = await ensureSitePki(join(stateDir, 'pki'), { hosts: [host] });
  return { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert };
}

/**
 * The web console's address and, the first time only, its first administrator: the console's
 * `create-admin admin --if-no-admin` prints a generated password once; later runs say one exists.
 */
export async function webConsoleBanner(s: SystemSettings, caCert: string): Promise<string> {
  const address = `  console         https://${s.host}:${s.consolePort}/  (certificate of the site CA ${caCert})`;
  const command = [join(s.repoRoot, CONSOLE_ENTRY), 'create-admin', 'admin', '--if-no-admin'];
  let stdout: string;
  try {
    // Argon2id (64 MiB) and a Node start: seconds on a loaded machine.
    ({ stdout } = await run(process.execPath, command, {
      env: { PATH: process.env.PATH ?? '', ...consoleEnv(s) },
      timeout: 120_000,
    }));
  } catch (err) {
    const e = err as { stderr?: string; signal?: string; message: string };
    return [
      address,
      `                  WARNING: the first administrator could not be created (${e.signal ?? ''} ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' ')})`,
      `                  create it by hand: node ${CONSOLE_ENTRY} create-admin admin (with the CONSOLE_* settings)`,
      '',
    ].join('\n');
  }
  const first = /password\s+(\S+)/.exec(stdout);
  return [
    address,
    first
      ? `                  first administrator: admin / ${first[1]}  (shown this once; only its hash is kept)`
      : '                  sign in with your console account (a new password: node services/console/dist/main.js reset-password admin)',
    '',
  ].join('\n');
}
