import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleView } from '../../scripts/dev/dev.console.js';
import { DevConfigError, loadDevConfig } from '../../scripts/dev/dev.config.js';
import { DevSecrets } from '../../scripts/dev/dev.secrets.js';

/** `make dev`'s pure parts: its settings, what reaches its console, the secrets it keeps. */
describe('loadDevConfig', () => {
  const none = () => undefined;

  it('defaults: loopback everywhere, discovery on 127.0.0.1 only, the usual ports, .dev', () => {
    const sut = loadDevConfig({ PATH: '/usr/bin' }, '/repo', none);
    expect(sut).toMatchObject({
      host: '127.0.0.1',
      discoveryInterfaces: '127.0.0.1',
      stateDir: '/repo/.dev',
      natsPort: 4222,
      rtspPort: 8554,
      onvifPortRange: '8090-8110',
      extraCameras: 0,
      display: undefined,
      mediamtxBin: undefined,
      verbose: false,
    });
  });

  it('MEDIAMTX_BIN wins over PATH; PATH is searched otherwise', () => {
    expect(
      loadDevConfig({ MEDIAMTX_BIN: '/opt/mediamtx' }, '/repo', () => '/usr/bin/mediamtx').mediamtxBin,
    ).toBe('/opt/mediamtx');
    expect(loadDevConfig({}, '/repo', () => '/usr/bin/mediamtx').mediamtxBin).toBe('/usr/bin/mediamtx');
  });

  it('lists every bad and unknown DEV_ variable at once', () => {
    let error: unknown;
    try {
      loadDevConfig(
        {
          DEV_NATS_PORT: 'abc',
          DEV_CAMERAS: '-1',
          DEV_ONVIF_PORT_RANGE: '9000-8000',
          DEV_TYPO: '1',
          DEV_HOST: 'a b',
        },
        '/repo',
        none,
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DevConfigError);
    const problems = (error as DevConfigError).problems;
    expect(problems).toHaveLength(5);
    for (const name of ['DEV_NATS_PORT', 'DEV_CAMERAS', 'DEV_ONVIF_PORT_RANGE', 'DEV_TYPO', 'DEV_HOST'])
      expect(problems.some((p) => p.startsWith(name))).toBe(true);
  });
});

describe('consoleView', () => {
  it('keeps warnings and errors, one short line each, and drops the rest', () => {
    expect(consoleView('{"level":"info","msg":"registered","cameraId":"x"}', false)).toBeUndefined();
    expect(consoleView('{"level":"warn","msg":"slow","ms":5,"time":"t","service":"s"}', false)).toBe(
      'warn: slow {"ms":5}',
    );
    // Nest's JSON logger: level "error", a structured message.
    expect(
      consoleView(
        '{"level":"error","pid":1,"message":{"msg":"bind failed","port":8090},"context":"x"}',
        false,
      ),
    ).toBe('error: bind failed {"port":8090}');
    expect(consoleView('[123] 2026/11/21 [WRN] JetStream low on space', false)).toContain('[WRN]');
    expect(consoleView('[123] 2026/11/21 [INF] Server is ready', false)).toBeUndefined();
  });

  it("leaves the agent's ffmpeg stderr lines to the file, and shows an exit with its first error", () => {
    expect(
      consoleView('{"level":"warn","msg":"ffmpeg","line":"[warning] deprecated"}', false),
    ).toBeUndefined();
    const exited = JSON.stringify({
      level: 'warn',
      msg: 'ffmpeg exited',
      code: 1,
      stderr: ['[warning] deprecated', '[rtsp] [error] ANNOUNCE failed: 401', '[error] init'],
    });
    expect(consoleView(exited, false)).toBe(
      'warn: ffmpeg exited {"code":1,"stderr":"[rtsp] [error] ANNOUNCE failed: 401"}',
    );
  });

  it('shows everything when verbose', () => {
    expect(consoleView('{"level":"info","msg":"registered"}', true)).toBe('info: registered');
    expect(consoleView('plain text', true)).toBe('plain text');
  });
});

describe('DevSecrets', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'desk-onvif-dev-secrets-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates the users key once, 32 bytes, in a 0600 file', () => {
    const sut = new DevSecrets(join(dir, 'state'));
    const key = sut.usersKey();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(new DevSecrets(join(dir, 'state')).usersKey()).toBe(key);
    expect(statSync(join(dir, 'state', 'onvif-users.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'state')).mode & 0o777).toBe(0o700);
  });

  it('keeps each camera’s credentials and host id; more cameras add to them', () => {
    const sut = new DevSecrets(dir);
    const two = sut.cameras(1);
    expect(two.map((c) => c.name)).toEqual(['desktop', 'dev-1']);
    expect(two[0]?.hostId).toBeUndefined(); // the machine's own identity
    expect(two[1]?.hostId).toMatch(/^dev-[0-9a-f]{8}-dev-1$/);
    const three = new DevSecrets(dir).cameras(2);
    expect(three.slice(0, 2)).toEqual(two);
    expect(new Set(three.map((c) => c.onvifPassword)).size).toBe(3);
    expect(statSync(join(dir, 'cameras.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, 'cameras.json'), 'utf8'))).toMatchObject({ version: 1 });
  });
});
