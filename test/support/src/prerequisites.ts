import { execFileSync } from 'node:child_process';

/** Whether `tool` is on PATH. */
export function onPath(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v "$0"`, tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * For suites that need tools or files this machine may lack: true when nothing is missing. Under
 * `CI=true` a missing prerequisite is an error (CI installs everything, so a skip there would hide
 * a broken install); elsewhere the suite is skipped with a loud reason.
 */
export function prerequisitesMet(purpose: string, missing: string[]): boolean {
  if (missing.length === 0) return true;
  const reason = `${purpose}: missing ${missing.join('; ')}`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: a missing prerequisite fails)`);
  process.stderr.write(`\n*** SKIPPED ${reason} ***\n\n`);
  return false;
}
