import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, spawnTracked } from '@desk-onvif/test-support';

/** docker-compose.yml as Compose loads it (merge keys resolved), for tests that run its parts. */
export interface ComposeService {
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}

export function composeServices(): Record<string, ComposeService> {
  return (
    parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, ComposeService>;
    }
  ).services;
}

/** Compose's interpolation of `${VAR}`, `${VAR:-default}`, `${VAR:?error}`, innermost first. */
export function interpolate(value: string, vars: Record<string, string>): string {
  let out = value;
  for (let prev = ''; prev !== out;) {
    prev = out;
    out = out.replace(/\$\{(\w+)(?::([-?])([^${}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
      const v = vars[name];
      if (v !== undefined && v !== '') return v;
      if (op === '?') throw new Error(`compose would stop: ${name} is unset (${arg})`);
      return op === '-' ? (arg ?? '') : '';
    });
  }
  return out;
}

/**
 * A service's mounts as this machine has them: the project directory is `projectDir`, a named
 * volume `<name>` is `<projectDir>/volumes/<name>`. `hostPath` turns a path inside the container
 * into the host's (the longest mount that holds it), or leaves it as is.
 */
export function mountsOf(svc: ComposeService, projectDir: string) {
  const mounts = (svc.volumes ?? []).map((v) => {
    const [source, target] = v.split(':') as [string, string];
    const host = source.startsWith('./')
      ? join(projectDir, source.slice(2))
      : join(projectDir, 'volumes', source);
    return { host, target };
  });
  mounts.sort((a, b) => b.target.length - a.target.length);
  return {
    mounts,
    hostPath: (path: string): string => {
      const m = mounts.find((x) => path === x.target || path.startsWith(`${x.target}/`));
      return m ? m.host + path.slice(m.target.length) : path;
    },
  };
}

/** node with `args` and only `env`: its exit code and what it printed. */
export async function runNode(args: string[], env: Record<string, string> = {}) {
  const p = spawnTracked(process.execPath, args, { PATH: process.env.PATH ?? '', ...env });
  let stdout = '';
  let stderr = '';
  p.child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  p.child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await p.exited;
  return { code, stdout, stderr };
}

/** `service-entrypoint.sh <service> <args…>` (`run` arguments replace the command) as node arguments. */
export function entrypointArgs(svc: ComposeService, runArgs?: string[]): string[] {
  const [name, ...args] = [...(svc.entrypoint?.slice(1) ?? []), ...(runArgs ?? svc.command ?? [])];
  return [join(REPO_ROOT, 'services', name!, 'dist', 'main.js'), ...args];
}

/**
 * What `make up` does before the stack starts: `mkdir -p trust`, then compose's trust-init (the
 * admin CLI's `trust init`) into `<projectDir>/trust`. Not root: `--owner` (a chown to the
 * image's user) is left out and the files stay the caller's.
 */
export async function runTrustInit(projectDir: string, vars: Record<string, string>) {
  mkdirSync(join(projectDir, 'trust'), { recursive: true, mode: 0o700 });
  const init = composeServices()['trust-init']!;
  const { hostPath } = mountsOf(init, projectDir);
  const args = entrypointArgs(init).map((a) => hostPath(interpolate(a, vars)));
  if (process.getuid?.() !== 0) args.splice(args.indexOf('--owner'), 2);
  return runNode(args);
}
