import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Where a child's output goes: every line to its log file; the console shows `view`'s summary. */
export interface OutputSink {
  logDir: string;
  console: (line: string) => void;
  view: (line: string) => string | undefined;
}

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** SIGTERM to the leader, then after this long SIGKILL to its whole group. */
  graceMs: number;
  /** Started again after an unexpected exit (`make dev`); a test restarts what it killed itself. */
  restartOnExit: boolean;
}

const BACKOFF_INITIAL_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** A child that ran this long before it exited starts again at the initial delay. */
const BACKOFF_RESET_MS = 60_000;
const TAIL_LINES = 5;
/** Lines kept in memory for `output()`, the message of a failed test. */
const RECENT_LINES = 300;

/**
 * One supervised child in a process group of its own (`detached`: setsid), so that stopping it
 * reaches what it started too (an agent's ffmpeg): SIGTERM to the leader for a clean stop, then
 * SIGKILL to the group after the grace period and, in any case, once the leader is gone, so no
 * grandchild outlives it. An unexpected exit restarts it after a doubling pause, as MediaMTX's
 * own supervisor does (when `restartOnExit`); the terminal's Ctrl-C reaches only the dev script,
 * which stops the children in order.
 */
export class SupervisedChild {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private backoffMs = BACKOFF_INITIAL_MS;
  private readonly log: WriteStream;
  /** Incremented on every exit: readiness checks compare it to notice a death. */
  exits = 0;
  lastExit: string | undefined;
  /** The last lines it printed, shown when it exits unexpectedly. */
  private readonly tail: string[] = [];
  private readonly recent: string[] = [];

  constructor(
    readonly spec: ChildSpec,
    private readonly sink: OutputSink,
  ) {
    this.log = createWriteStream(join(sink.logDir, `${spec.name}.log`), { flags: 'a', mode: 0o600 });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** What it printed lately (every start), for the message of a failed test. */
  output(): string {
    return this.recent.join('\n');
  }

  start(): void {
    const { command, args, env, cwd } = this.spec;
    const child = spawn(command, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const startedAt = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => this.line(line));
    }
    this.exited = new Promise((resolve) => {
      let done = false;
      const finish = (why: string) => {
        if (done) return;
        done = true;
        this.child = undefined;
        this.exits += 1;
        this.lastExit = why;
        killGroup(child.pid, 'SIGKILL'); // whatever it left behind
        if (!this.stopping && this.spec.restartOnExit) this.scheduleRestart(why, Date.now() - startedAt);
        else if (!this.stopping) this.sink.console(`[${this.spec.name}] exited (${why})`);
        resolve();
      };
      child.on('exit', (code, signal) => finish(signal ? `signal ${signal}` : `code ${code}`));
      child.on('error', (err) => finish(`spawn error: ${err.message}`));
    });
  }

  private line(line: string): void {
    this.log.write(`${line}\n`);
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.recent.push(line);
    if (this.recent.length > RECENT_LINES) this.recent.shift();
    const shown = this.sink.view(line);
    if (shown !== undefined) this.sink.console(`[${this.spec.name}] ${shown}`);
  }

  private scheduleRestart(why: string, ranMs: number): void {
    if (ranMs >= BACKOFF_RESET_MS) this.backoffMs = BACKOFF_INITIAL_MS;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    const last = this.tail.splice(0).map((l) => `[${this.spec.name}]   ${l}`);
    this.sink.console(
      [
        `[${this.spec.name}] exited (${why}); restarting in ${delay / 1000} s. Its last lines (all in ${this.spec.name}.log):`,
        ...last,
      ].join('\n'),
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopping) this.start();
    }, delay);
  }

  /** Stops it for good: resolves once the leader and every member of its group are gone. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.terminate();
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  /** Stops it if it runs (a pending restart is cancelled) and starts it again at once. */
  async restart(): Promise<void> {
    this.stopping = true;
    await this.terminate();
    this.stopping = false;
    this.backoffMs = BACKOFF_INITIAL_MS;
    this.start();
  }

  private async terminate(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (child?.pid !== undefined) {
      const pid = child.pid;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), this.spec.graceMs);
      await this.exited;
      clearTimeout(timer);
      await groupGone(pid);
    }
  }

  /** SIGKILL to its whole group, synchronous: a crash for a test, or the last resort at exit. */
  killNow(): void {
    if (this.child?.pid !== undefined) killGroup(this.child.pid, 'SIGKILL');
  }
}

function killGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is empty
  }
}

/** Waits until no process of the group is left (each gets SIGKILL again meanwhile). */
async function groupGone(pgid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    killGroup(pgid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
}
