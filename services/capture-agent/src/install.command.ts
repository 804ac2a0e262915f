/**
 * `install`/`uninstall`: on Windows a Task Scheduler logon task starts the agent in the user's
 * session. Not a Windows service: services live in session 0 and cannot capture a desktop
 * (DESIGN.md, "The capture agent"). Shared mode runs it at any user's logon (creating that task
 * needs an administrator); per-user mode at the current user's logon only, interactively.
 */
export interface TaskSpec {
  mode: 'shared' | 'per-user';
  /** `DOMAIN\user` of the current user (per-user mode). */
  user: string;
  /** node.exe, or the one-file desk-onvif-agent.exe itself. */
  nodePath: string;
  /** The agent's main.js for node; none for the one-file program (its code is inside it). */
  entryPath: string | undefined;
  configFile: string | undefined;
}

export function taskName(spec: Pick<TaskSpec, 'mode' | 'user'>): string {
  const who = spec.mode === 'shared' ? 'shared' : spec.user.replace(/[\\/:*?"<>|]/g, '_');
  return `desk-onvif-agent (${who})`;
}

/**
 * What the task runs: node and the agent's entry (or the one-file program alone), `run` in the mode the task was made for, and the
 * config file when one is used. The mode is spelled out because it may have come from a flag of
 * `install` (`--mode per-user`), which the task would not otherwise see: a per-user task would
 * then run a shared-mode agent, every user's logon registering the same PC camera.
 */
export function taskCommand(spec: TaskSpec): string {
  const q = (s: string) => `"${s}"`;
  const parts = [
    q(spec.nodePath),
    ...(spec.entryPath ? [q(spec.entryPath)] : []),
    'run',
    '--mode',
    spec.mode,
  ];
  if (spec.configFile) parts.push('--config', q(spec.configFile));
  return parts.join(' ');
}

export function schtasksCreateArgs(spec: TaskSpec): string[] {
  const who =
    spec.mode === 'shared'
      ? ['/RU', 'BUILTIN\\Users'] // every user who logs on; the group's SID is S-1-5-32-545
      : ['/RU', spec.user, '/IT']; // /IT: only while the user is logged on, in their session
  return [
    '/Create',
    '/F',
    '/TN',
    taskName(spec),
    '/SC',
    'ONLOGON',
    '/RL',
    'LIMITED',
    ...who,
    '/TR',
    taskCommand(spec),
  ];
}

export function schtasksDeleteArgs(spec: Pick<TaskSpec, 'mode' | 'user'>): string[] {
  return ['/Delete', '/F', '/TN', taskName(spec)];
}

export const NOT_WINDOWS_MESSAGE = [
  'install/uninstall create a Windows Task Scheduler logon task; there is none to create here.',
  'On Linux, start the agent inside the desktop session, for example with an XDG autostart entry',
  '(~/.config/autostart/desk-onvif-agent.desktop, Exec=desk-onvif-agent run) or a systemd --user',
  'unit started by graphical-session.target.',
].join('\n');
