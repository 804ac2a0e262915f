import { firewallRules } from './firewall.command.js';
import { formatStatus, statusView } from './status.command.js';
import type { AgentState } from './state.store.js';
import { schtasksCreateArgs, schtasksDeleteArgs, taskCommand } from './install.command.js';

const spec = {
  mode: 'per-user' as const,
  user: 'LAB\\ada',
  nodePath: 'C:\\Program Files\\nodejs\\node.exe',
  entryPath: 'C:\\desk-onvif\\services\\capture-agent\\dist\\main.js',
  configFile: 'C:\\Users\\ada\\AppData\\Roaming\\desk-onvif\\agent.json',
};

describe('install', () => {
  it('per-user: a logon task for this user, interactive only', () => {
    expect(schtasksCreateArgs(spec)).toEqual([
      ...['/Create', '/F', '/TN', 'desk-onvif-agent (LAB_ada)', '/SC', 'ONLOGON', '/RL', 'LIMITED'],
      ...['/RU', 'LAB\\ada', '/IT', '/TR', taskCommand(spec)],
    ]);
    expect(taskCommand(spec)).toBe(
      '"C:\\Program Files\\nodejs\\node.exe" "C:\\desk-onvif\\services\\capture-agent\\dist\\main.js" run --mode per-user --config "C:\\Users\\ada\\AppData\\Roaming\\desk-onvif\\agent.json"',
    );
  });

  it('the one-file desk-onvif-agent.exe is its own entry', () => {
    expect(
      taskCommand({
        ...spec,
        nodePath: 'C:\\Program Files\\desk-onvif\\desk-onvif-agent.exe',
        entryPath: undefined,
      }),
    ).toBe(
      '"C:\\Program Files\\desk-onvif\\desk-onvif-agent.exe" run --mode per-user --config "C:\\Users\\ada\\AppData\\Roaming\\desk-onvif\\agent.json"',
    );
  });

  it('the task runs the agent in the mode it was installed for, however that mode was given', () => {
    // `install --mode per-user` without a config file: the mode exists only in install's flags.
    const command = taskCommand({ ...spec, configFile: undefined });
    expect(command).toMatch(/ run --mode per-user$/);
  });

  it('shared: one task for every user who logs on', () => {
    const args = schtasksCreateArgs({ ...spec, mode: 'shared', configFile: undefined });
    expect(args.slice(3, 4)).toEqual(['desk-onvif-agent (shared)']);
    expect(args).toContain('BUILTIN\\Users');
    expect(args.at(-1)).not.toContain('--config');
    expect(args.at(-1)).toMatch(/ run --mode shared$/);
    expect(schtasksDeleteArgs({ mode: 'shared', user: 'x' })).toEqual([
      '/Delete',
      '/F',
      '/TN',
      'desk-onvif-agent (shared)',
    ]);
  });
});

describe('firewall', () => {
  it('lists the lab server ports from the configuration', () => {
    const text = firewallRules({ natsUrl: 'nats://lab:4333', mediaUrl: 'rtsp://lab:8555', onvifPort: 8093 });
    expect(text).toContain('ufw allow 4333/tcp');
    expect(text).toContain('ufw allow 8555/tcp');
    expect(text).toContain('ufw allow 8093/tcp');
    expect(text).toContain('ufw allow 3702/udp');
    expect(firewallRules({ natsUrl: 'nats://lab', mediaUrl: 'rtsp://lab', onvifPort: undefined })).toContain(
      'ufw allow 8090:8110/tcp',
    );
  });
});

describe('status', () => {
  const camera = {
    id: '0b7f5f64-5d1a-5c8e-9a4e-2f1d4e8c7a90',
    name: 'LAB-PC-07',
    onvifPort: 8093,
    paths: { main: 'desk/0b7f/main', sub: 'desk/0b7f/sub' },
  };
  const state = {
    camera,
    onvif: { username: 'admin', password: 'Xy7-secret-9', source: 'generated', at: '2026-01-01T00:00:00Z' },
  } as unknown as AgentState;

  it('shows addresses and a password hint, the password only with --reveal', () => {
    const v = statusView({ mediaUrl: 'rtsp://10.0.0.5:8554' }, state, undefined, false);
    expect(formatStatus(v)).toBe(
      [
        'camera:      LAB-PC-07 (0b7f5f64-5d1a-5c8e-9a4e-2f1d4e8c7a90)',
        'state:       not running',
        'ONVIF:       http://10.0.0.5:8093/onvif/device_service',
        'RTSP main:   rtsp://10.0.0.5:8554/desk/0b7f/main',
        'RTSP sub:    rtsp://10.0.0.5:8554/desk/0b7f/sub',
        'credentials: user admin, password Xy********** (generated; --reveal shows it)',
        '',
      ].join('\n'),
    );
    expect(statusView({ mediaUrl: 'rtsp://h' }, state, undefined, true).credentials).toContain(
      'Xy7-secret-9',
    );
  });

  it('an agent publishing over RTSPS shows RTSPS addresses (8322 unless given)', () => {
    expect(statusView({ mediaUrl: 'rtsps://media.lab' }, state, undefined, false).rtsp).toEqual({
      main: 'rtsps://media.lab:8322/desk/0b7f/main',
      sub: 'rtsps://media.lab:8322/desk/0b7f/sub',
    });
  });

  it.each([
    [
      { state: 'streaming', device: '@DEFAULT_MONITOR@', codec: 'aac' },
      'audio:       streaming, AAC, @DEFAULT_MONITOR@',
    ],
    [{ state: 'lost', codec: 'pcmu', detail: 'gone' }, 'audio:       lost, G.711 μ-law, gone'],
    [
      { state: 'unavailable', detail: 'no loopback audio device' },
      'audio:       unavailable, no loopback audio device',
    ],
  ])('shows the audio state of the running agent: %j', (audio, line) => {
    const live = { state: 'streaming', registered: true, natsConnected: true, fps: 15, bitrateKbps: 4512 };
    const v = statusView(
      { mediaUrl: 'rtsp://h' },
      state,
      { ...live, restarts: 0, encoder: 'libx264', audio },
      false,
    );
    expect(formatStatus(v).split('\n')).toContain(line);
  });

  it('says when nothing is known yet', () => {
    expect(formatStatus(statusView({ mediaUrl: 'rtsp://h' }, undefined, undefined, false))).toContain(
      'camera:      not registered yet',
    );
  });

  it('a running agent: which grabber, which ffmpeg and which encoder', () => {
    const live = {
      state: 'streaming',
      registered: true,
      natsConnected: true,
      fps: 15,
      bitrateKbps: 4512,
      restarts: 1,
      encoder: 'libx264',
      grabber: 'gdigrab',
      ffmpeg: { path: 'C:\\Program Files\\desk-onvif\\ffmpeg.exe', version: '4.1' },
      settings: { main: { width: 1920, height: 1080 }, sub: { width: 640, height: 360 } },
    };
    const text = formatStatus(statusView({ mediaUrl: 'rtsp://h' }, state, live, false));
    expect(text).toContain('capture:     gdigrab, ffmpeg 4.1 (C:\\Program Files\\desk-onvif\\ffmpeg.exe)\n');
    expect(text).toContain('encoding:    libx264, main 1920x1080, sub 640x360\n');
  });
});
