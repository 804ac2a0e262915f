import { AgentConfigError, loadAgentConfig, parseSource } from './config.js';

const noFile = () => {
  throw new Error('ENOENT');
};

function load(env: Record<string, string>, flags: Record<string, string> = {}, file?: string) {
  return loadAgentConfig({
    env: { HOME: '/home/ada', ...env },
    flags,
    platform: 'linux',
    readFile: file === undefined ? noFile : () => file,
  });
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof AgentConfigError) return err.problems;
    throw err;
  }
  throw new Error('no AgentConfigError');
}

describe('loadAgentConfig', () => {
  it('has working defaults and no default password', () => {
    const sut = load({});
    expect(sut).toMatchObject({
      natsUrl: 'nats://127.0.0.1:4222',
      mode: 'shared',
      source: { kind: 'desktop' },
      encoder: 'auto',
      display: ':0',
      stateDir: '/home/ada/.local/state/desk-onvif',
      metricsPort: 9120,
    });
    expect(sut.onvifPassword).toBeUndefined();
  });

  it('file < env < flags', () => {
    const file = JSON.stringify({ fps: 10, mode: 'per-user', mainSize: '1280x720' });
    const sut = load({ AGENT_FPS: '20' }, { fps: '25', config: '/etc/agent.json' }, file);
    expect(sut).toMatchObject({ fps: 25, mode: 'per-user', mainSize: { width: 1280, height: 720 } });
    expect(sut.configFile).toBe('/etc/agent.json');
  });

  it('lists every problem with where it came from, secrets hidden', () => {
    const problems = problemsOf(() =>
      load(
        { AGENT_FPS: '0', AGENT_MAIN_SIZE: '1281x720', AGENT_ONVIF_PASSWORD: 'short', AGENT_BOGUS: '1' },
        { encoder: 'h265', 'no-such': 'x' },
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'AGENT_BOGUS: unknown variable',
        '--no-such: unknown option',
        expect.stringMatching(/^AGENT_FPS: .*\(got "0"\)$/),
        expect.stringMatching(/^AGENT_MAIN_SIZE: width and height must be even/),
        expect.stringMatching(/^--encoder: .*\(got "h265"\)$/),
        'AGENT_ONVIF_PASSWORD: at least 8 characters',
      ]),
    );
    expect(problems.join('\n')).not.toContain('short');
  });

  it('refuses an ONVIF password without its user', () => {
    expect(problemsOf(() => load({ AGENT_ONVIF_PASSWORD: 'longenough' }))).toEqual([
      'AGENT_ONVIF_USER and AGENT_ONVIF_PASSWORD go together (or neither: one is generated)',
    ]);
  });

  it('an explicit config file must exist and be a JSON object', () => {
    expect(problemsOf(() => load({ AGENT_CONFIG: '/nope.json' }))[0]).toMatch(/^\/nope.json: cannot read/);
    expect(problemsOf(() => load({}, { config: '/x.json' }, '[1]'))).toEqual([
      '/x.json: a JSON object is required',
    ]);
    expect(problemsOf(() => load({}, { config: '/x.json' }, '{"fsp": 3}'))).toEqual([
      '/x.json: unknown key "fsp"',
    ]);
  });
});

describe('parseSource', () => {
  it.each([
    ['desktop', { kind: 'desktop' }],
    ['test-pattern', { kind: 'test-pattern' }],
    ['monitor:2', { kind: 'monitor', index: 2 }],
    ['region:10,20,640x480', { kind: 'region', rect: { x: 10, y: 20, width: 640, height: 480 } }],
    ['window:Chart: live', { kind: 'window', title: 'Chart: live' }],
  ])('%s', (text, expected) => {
    expect(parseSource(text)).toEqual(expected);
  });
});
