import { join } from 'node:path';
import { REPO_ROOT, spawnTracked, type NatsServer } from '@desk-onvif/test-support';

const CLI = join(REPO_ROOT, 'services', 'admin-cli', 'dist', 'main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The built `desk-onvif` as a script runs it, with the administrator's credential and the site CA
 * as `trust init` writes them; `stdin` is written to its standard input, then closed.
 */
export async function runCli(
  nats: NatsServer,
  args: string[],
  opts: { natsUrl?: string; stdin?: string } = {},
): Promise<CliRun> {
  const p = spawnTracked(
    process.execPath,
    [CLI, ...args],
    {
      PATH: process.env.PATH,
      ...nats.serviceEnv('DESK_ONVIF_', 'admin'),
      DESK_ONVIF_NATS_URL: opts.natsUrl ?? nats.url,
    },
    undefined,
    { stdin: opts.stdin === undefined ? 'ignore' : 'pipe' },
  );
  if (opts.stdin !== undefined) p.child.stdin?.end(opts.stdin);
  let stdout = '';
  let stderr = '';
  p.child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  p.child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await p.exited;
  return { code, stdout, stderr };
}
