import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { errorMessage, type Logger } from './logger.js';

/**
 * Lock and unlock of the user's session, for the camera's "scene change" (a locked session shows
 * the lock screen, not the desktop). Each platform has a tool that prints the changes as they
 * happen; the agent runs it and reads its lines:
 * - Windows: PowerShell subscribed to SystemEvents.SessionSwitch (WTS session notifications),
 *   printing the reason: SessionLock, SessionUnlock.
 * - Linux: `gdbus monitor` on the system bus, on this session's logind object
 *   (`/org/freedesktop/login1/session/<id>`): the Lock and Unlock signals, and LockedHint changes.
 */
export type LockState = 'locked' | 'unlocked';

export interface MonitorCommand {
  command: string;
  args: string[];
}

const WINDOWS_SCRIPT = [
  '$null = Register-ObjectEvent -InputObject ([Microsoft.Win32.SystemEvents]) -EventName SessionSwitch -SourceIdentifier desk',
  'while ($true) { $e = Wait-Event -SourceIdentifier desk; [Console]::Out.WriteLine([string]$e.SourceEventArgs.Reason); [Console]::Out.Flush(); Remove-Event -EventIdentifier $e.EventIdentifier }',
].join('; ');

/** systemd's D-Bus object path escaping (sd_bus_path_encode): `_` + hex for all but [A-Za-z0-9], and a leading digit. */
export function busPathEscape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const plain = /[A-Za-z]/.test(c) || (/[0-9]/.test(c) && i > 0);
    out += plain ? c : `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  }
  return out || '_';
}

/** The monitor of this platform, or undefined with the reason it cannot be run. */
export function sessionMonitorCommand(
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
): MonitorCommand | { unavailable: string } {
  if (platform === 'win32')
    return { command: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-Command', WINDOWS_SCRIPT] };
  if (platform === 'linux') {
    const id = env.XDG_SESSION_ID;
    if (!id) return { unavailable: 'XDG_SESSION_ID is not set: not in a logind session' };
    return {
      command: 'gdbus',
      args: [
        'monitor',
        '--system',
        '--dest',
        'org.freedesktop.login1',
        '--object-path',
        `/org/freedesktop/login1/session/${busPathEscape(id)}`,
      ],
    };
  }
  return { unavailable: `no session lock monitor on ${platform}` };
}

/** One line of a monitor's output → a lock state, or undefined for anything else. */
export function parseMonitorLine(line: string): LockState | undefined {
  const t = line.trim();
  if (t === 'SessionLock') return 'locked';
  if (t === 'SessionUnlock') return 'unlocked';
  if (/\.Session\.Lock \(\)/.test(t)) return 'locked';
  if (/\.Session\.Unlock \(\)/.test(t)) return 'unlocked';
  const hint = /'LockedHint': <(true|false)>/.exec(t);
  if (hint) return hint[1] === 'true' ? 'locked' : 'unlocked';
  return undefined;
}

/**
 * Runs the monitor and reports each change of state once. A monitor that exits is started again
 * after `restartMs` (doubling up to ten times that); one that cannot be spawned at all (the tool
 * is missing) is reported once and left alone: the camera then has no lock events.
 */
export class SessionMonitor {
  private child: ChildProcess | undefined;
  private state: LockState | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;

  constructor(
    private readonly cmd: MonitorCommand,
    private readonly onChange: (state: LockState) => void,
    private readonly logger: Logger,
    private readonly restartMs = 5000,
  ) {
    this.delayMs = restartMs;
  }

  start(): void {
    if (this.stopped || this.child) return;
    const child = spawn(this.cmd.command, this.cmd.args, {
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
    });
    this.child = child;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const state = parseMonitorLine(line);
      if (!state || state === this.state) return;
      this.state = state;
      this.delayMs = this.restartMs;
      this.onChange(state);
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      this.child = undefined;
      if (err.code === 'ENOENT') {
        this.logger.warn('session lock monitor not available: no lock events', { command: this.cmd.command });
        this.stopped = true;
        return;
      }
      this.logger.warn('session lock monitor failed', { err: errorMessage(err) });
      this.later();
    });
    child.once('exit', (code) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (!this.stopped) {
        this.logger.debug('session lock monitor exited, starting it again', { code });
        this.later();
      }
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.child?.kill();
    this.child = undefined;
  }

  private later(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.start(), this.delayMs);
    this.timer.unref();
    this.delayMs = Math.min(this.delayMs * 2, this.restartMs * 10);
  }
}
