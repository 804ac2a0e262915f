import { fileURLToPath } from 'node:url';
import type { Logger } from './logger.js';
import {
  busPathEscape,
  parseMonitorLine,
  SessionMonitor,
  sessionMonitorCommand,
  type LockState,
} from './session.monitor.js';

const FAKE = fileURLToPath(new URL('../test/fixtures/fake-session-monitor.mjs', import.meta.url));
const QUIET: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => QUIET,
};

describe('session lock monitor', () => {
  test.each([
    ['SessionLock', 'locked'],
    ['SessionUnlock', 'unlocked'],
    ['SessionLogon', undefined],
    ['/org/freedesktop/login1/session/_32: org.freedesktop.login1.Session.Lock ()', 'locked'],
    ['/org/freedesktop/login1/session/_32: org.freedesktop.login1.Session.Unlock ()', 'unlocked'],
    ["… PropertiesChanged ('org.freedesktop.login1.Session', {'LockedHint': <false>}, @as [])", 'unlocked'],
    ["… PropertiesChanged ('org.freedesktop.login1.Session', {'IdleHint': <true>}, @as [])", undefined],
  ])('%s → %s', (line, state) => expect(parseMonitorLine(line)).toBe(state));

  test('logind object paths are escaped as systemd does', () => {
    expect(busPathEscape('2')).toBe('_32');
    expect(busPathEscape('c12')).toBe('c12');
    expect(busPathEscape('a-b')).toBe('a_2db');
  });

  test('the command of each platform', () => {
    expect(sessionMonitorCommand('linux', { XDG_SESSION_ID: '2' })).toEqual({
      command: 'gdbus',
      args: [
        'monitor',
        '--system',
        '--dest',
        'org.freedesktop.login1',
        '--object-path',
        '/org/freedesktop/login1/session/_32',
      ],
    });
    const none = sessionMonitorCommand('linux', {});
    expect('unavailable' in none && none.unavailable).toContain('XDG_SESSION_ID');
    const win = sessionMonitorCommand('win32', {});
    expect('command' in win && win.command).toBe('powershell.exe');
    expect('args' in win && win.args.at(-1)).toContain('SessionSwitch');
    expect('unavailable' in sessionMonitorCommand('darwin', {})).toBe(true);
  });

  test('a real child: each change reported once, the monitor started again after it exits', async () => {
    const seen: LockState[] = [];
    const sut = new SessionMonitor(
      { command: process.execPath, args: [FAKE] },
      (s) => seen.push(s),
      QUIET,
      50,
    );
    sut.start();
    // locked, (locked again: not reported), unlocked; then the restart prints them again.
    for (let i = 0; i < 200 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 25));
    sut.stop();
    expect(seen.slice(0, 3)).toEqual(['locked', 'unlocked', 'locked']);
  });

  test('a missing tool is reported and left alone', async () => {
    const warned: string[] = [];
    const logger: Logger = { ...QUIET, warn: (m: string) => void warned.push(m) };
    const sut = new SessionMonitor({ command: 'no-such-monitor-tool', args: [] }, () => {}, logger, 10);
    sut.start();
    for (let i = 0; i < 100 && warned.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    sut.stop();
    expect(warned).toEqual(['session lock monitor not available: no lock events']);
  });
});
