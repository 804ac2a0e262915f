import { execFile } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Medium project global teardown: every captured message through ../shared/tools/validate-onvif-xml
 * in one call; any invalid one fails the run. Loaded by Jest on its own: imports nothing of the project.
 */
export default async function teardown(_global: unknown, project: { rootDir: string }): Promise<void> {
  const dir = process.env.DESK_ONVIF_XML_DIR;
  if (!dir || !existsSync(dir)) return;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => join(dir, f));
  if (files.length === 0) return;
  const validator = resolve(project.rootDir, '..', 'shared', 'tools', 'validate-onvif-xml');
  if (!existsSync(validator)) {
    process.stdout.write(`\nONVIF XML validation skipped: ${validator} is missing\n`);
    return;
  }
  const { ok, output } = await new Promise<{ ok: boolean; output: string }>((done) =>
    execFile(validator, files, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      done({ ok: !err, output: `${stdout}${stderr}` }),
    ),
  );
  if (!ok) {
    const problems = output
      .split('\n')
      .filter((l) => !l.startsWith('valid '))
      .join('\n');
    throw new Error(`ONVIF XML validation failed (${files.length} files kept in ${dir}):\n${problems}`);
  }
  process.stdout.write(`\nONVIF XML validation: all ${files.length} captured messages are valid\n`);
  rmSync(dir, { recursive: true, force: true });
}
