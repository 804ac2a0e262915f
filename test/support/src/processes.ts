import { spawn, type ChildProcess } from 'node:child_process';
import { WaitAborted, waitFor } from './ports.js';

/** Every child a test started, killed when the test process exits, whatever happens. */
const children = new Set<ChildProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

export interface Spawned {
  child: ChildProcess;
  /** Everything it printed, for assertions and for the message of a failed test. */
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnTracked(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd?: string,
  opts: { stdin?: 'ignore' | 'pipe'; uid?: number; gid?: number } = {},
): Spawned {
  hookExit();
  const child = spawn(command, args, {
    env,
    cwd,
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
    // Another user (root only): what a local user who is not the agent's can do.
    ...(opts.uid === undefined ? {} : { uid: opts.uid }),
    ...(opts.gid === undefined ? {} : { gid: opts.gid }),
  });
  children.add(child);
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 1_000_000) out = out.slice(-500_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
    child.on('error', (err) => {
      out += `spawn error: ${err.message}\n`;
      children.delete(child);
      resolve(null);
    });
  });
  return {
    child,
    output: () => out,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Waits until `probe` says the process is ready; fails at once, with everything it printed, if it
 * exits first (a wrong flag or a port taken shows in seconds, not at the timeout).
 */
export async function waitUntilReady(
  proc: Spawned,
  what: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<void> {
  let exited = false;
  void proc.exited.then(() => (exited = true));
  await waitFor(
    what,
    () => {
      if (exited) throw new WaitAborted(`${what}: the process exited first:\n${proc.output()}`);
      return probe();
    },
    timeoutMs,
    everyMs,
  );
}
