import { cpSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  call,
  cameraRequests,
  cameraSubjects,
  CredentialsBootstrapSchema,
  decodePayload,
  encodePayload,
  Onvif,
  Registry,
} from '@desk-onvif/contracts';
import {
  freePort,
  NatsServer,
  RtspReceiver,
  ServiceProcess,
  waitFor,
  startRegistry,
} from '@desk-onvif/test-support';
import { AgentProcess, alive, FAKE_FFMPEG, runCli, sharedCamera, tempStateDir } from './agent.process.js';

/**
 * Registration against a real port-registry and nats-server, the cached assignment, the ONVIF
 * credentials bootstrap, bad configuration, and a clean stop. The source is lavfi's test pattern.
 */
describe('capture agent: registration and resilience', () => {
  const camera = sharedCamera();
  const state = tempStateDir();
  let nats: NatsServer;
  let registry: ServiceProcess;
  let main: RtspReceiver;
  let sub: RtspReceiver;
  let nc: NatsConnection;
  let agent: AgentProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    nats = await NatsServer.start();
    registry = await startRegistry(nats, {
      REGISTRY_PORT_RANGE: '20000-20999',
      REGISTRY_HEARTBEAT_TIMEOUT_MS: '5000',
    });
    [main, sub] = await Promise.all([
      RtspReceiver.start(camera.paths.main),
      RtspReceiver.start(camera.paths.sub),
    ]);
    nc = await nats.connect('admin', { maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    env = {
      ...(await nats.agentEnv(camera.id)),
      AGENT_MEDIA_URL: main.baseUrl,
      AGENT_SUB_MEDIA_URL: sub.baseUrl,
      AGENT_SOURCE: 'test-pattern',
      AGENT_ENCODER: 'libx264',
      AGENT_MAIN_SIZE: '320x240',
      AGENT_SUB_SIZE: '160x120',
      AGENT_FPS: '10',
      AGENT_STATE_DIR: state.dir,
      AGENT_HEARTBEAT_MS: '300',
      AGENT_REGISTER_RETRY_MS: '300',
      AGENT_ONVIF_RETRY_MS: '300',
      AGENT_BACKOFF_INITIAL_MS: '200',
      AGENT_BACKOFF_MAX_MS: '1000',
      AGENT_ONVIF_HOST: 'lab.example',
    };
  });

  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });

  afterAll(async () => {
    await nc?.close();
    await Promise.all([main?.stop(), sub?.stop(), registry?.stop()]);
    await nats?.dispose();
    state.dispose();
  });

  it('registers, streams, keeps the assignment in a private file, gets ONVIF credentials once onvif answers', async () => {
    agent = await AgentProcess.start(env);
    await waitFor('registered', async () => (await agent!.status()).registered);
    const { camera: record } = await call(nc, Registry.get, { id: camera.id });
    expect(record).toMatchObject({
      id: camera.id,
      mode: 'shared',
      paths: camera.paths,
      agent: { platform: 'linux' },
    });
    await main.waitForFrames(2);
    // The configured encoding reaches the record, which GetProfiles describes (it was 1920x1080).
    await waitFor('the streamed settings in the record', async () => {
      const { settings } = (await call(nc, Registry.get, { id: camera.id })).camera;
      return settings.main.width === 320 && settings.sub.height === 120;
    });
    expect((await call(nc, Registry.get, { id: camera.id })).camera.settings).toMatchObject({
      main: { width: 320, height: 240, fps: 10 },
      sub: { width: 160, height: 120, fps: 10 },
    });

    const statePath = join(state.dir, 'state.json');
    expect(statSync(statePath).mode & 0o777).toBe(0o600);
    expect(statSync(state.dir).mode & 0o777).toBe(0o700);
    const saved = JSON.parse(readFileSync(statePath, 'utf8')) as {
      camera: { id: string; onvifPort: number; publish: { password: string } };
    };
    expect(saved.camera.id).toBe(camera.id);
    expect(saved.camera.publish.password.length).toBeGreaterThan(8);
    expect(agent.output()).not.toContain(saved.camera.publish.password);

    // No onvif service yet: the agent got NO_RESPONDERS and streams on. Now one answers.
    expect(agent.output()).toContain('"code":"NO_RESPONDERS"');
    const asked: unknown[] = [];
    // The agent holds its camera's credential: it asks on its own subject.
    const onvif = nc.subscribe(cameraRequests(camera.id).bootstrapCredentials.subject, {
      callback: (_err, msg) => {
        asked.push(decodePayload(CredentialsBootstrapSchema, msg.data, 4096));
        const reply = { ok: true as const, username: 'admin', created: true, password: 'Gen3rated-Passw0rd' };
        msg.respond(encodePayload(Onvif.bootstrapCredentials.reply, reply));
      },
    });
    await waitFor('credentials saved', () =>
      Promise.resolve(readFileSync(statePath, 'utf8').includes('"onvif"')),
    );
    onvif.unsubscribe();
    expect(asked[0]).toEqual({ id: camera.id });
    expect(agent.output()).not.toContain('Gen3rated');

    const shown = await runCli(['status'], {
      AGENT_STATE_DIR: state.dir,
      AGENT_MEDIA_URL: main.baseUrl,
      AGENT_ONVIF_HOST: 'lab.example',
    });
    expect(shown.code).toBe(0);
    expect(shown.output).toContain(
      `ONVIF:       http://lab.example:${saved.camera.onvifPort}/onvif/device_service`,
    );
    expect(shown.output).toContain(`RTSP main:   ${main.baseUrl}/${camera.paths.main}`);
    expect(shown.output).toContain('password Ge**************** (generated');
    expect(shown.output).toContain('state:       streaming');
    const revealed = await runCli(['status', '--reveal'], { AGENT_STATE_DIR: state.dir });
    expect(revealed.output).toContain('Gen3rated-Passw0rd');
  });

  it('streams with the cached assignment while NATS is down, and registers again when it returns', async () => {
    await nats.stop();
    const sessions = main.sessions.length;
    agent = await AgentProcess.start(env);
    await main.waitForFrames(2, 20_000, () => main.sessions.slice(sessions).at(-1));
    expect(await agent.status()).toMatchObject({
      state: 'streaming',
      natsConnected: false,
      registered: false,
    });

    const heartbeats: string[] = [];
    await nats.restart();
    const watcher = await nats.connect();
    watcher.subscribe(cameraSubjects(camera.id).heartbeat.subject, {
      callback: (_e, m) => void heartbeats.push(m.string()),
    });
    await waitFor('registered again', async () => (await agent!.status()).registered, 30_000);
    await waitFor('a heartbeat', () => Promise.resolve(heartbeats.length > 0));
    await watcher.close();
  });

  it('stops an ffmpeg deaf to SIGTERM with SIGKILL: no orphan', async () => {
    const fakeState = tempStateDir();
    cpSync(join(state.dir, 'state.json'), join(fakeState.dir, 'state.json'));
    const log = join(fakeState.dir, 'fake.jsonl');
    try {
      agent = await AgentProcess.start({
        ...env,
        AGENT_STATE_DIR: fakeState.dir,
        AGENT_NATS_URL: `nats://127.0.0.1:${await freePort()}`, // nobody there
        AGENT_FFMPEG_PATH: FAKE_FFMPEG,
        FAKE_FFMPEG_MODE: 'hang',
        FAKE_FFMPEG_LOG: log,
      });
      await waitFor('fake ffmpeg started', () => Promise.resolve(readFileSync(log, 'utf8').length > 0));
      const { pid, args } = JSON.parse(readFileSync(log, 'utf8').split('\n')[0]!) as {
        pid: number;
        args: string[];
      };
      expect(alive(pid)).toBe(true);
      // The fake answers as ffmpeg 4.1, which has no -stats_period: the agent does not pass it.
      expect(args.slice(0, 7)).toEqual([
        '-hide_banner',
        '-nostdin',
        '-nostats',
        '-loglevel',
        'level+warning',
        '-progress',
        'pipe:4',
      ]);
      expect(args).not.toContain('-stats_period');
      expect(await agent.status()).toMatchObject({
        ffmpeg: { path: FAKE_FFMPEG, version: '4.1-fake' },
        grabber: 'lavfi testsrc2',
      });
      expect(await agent.stop()).toBe(0);
      agent = undefined;
      expect(alive(pid)).toBe(false);
    } finally {
      fakeState.dispose();
    }
  });

  it('auto picks a working encoder; an agent killed hard leaves no ffmpeg behind', async () => {
    const killed = await AgentProcess.start({
      ...env,
      AGENT_NATS_URL: `nats://127.0.0.1:${await freePort()}`, // nobody there: the cached assignment
      AGENT_SNAPSHOT_EVERY_SECONDS: '1',
      AGENT_ENCODER: '', // auto: probe encodes of the listed hardware encoders fail here (no GPU)
    });
    expect((await killed.status()) as unknown).toMatchObject({ encoder: 'libx264' });
    await waitFor('ffmpeg running', async () => (await killed.status()).ffmpegPid !== undefined);
    const pid = (await killed.status()).ffmpegPid!;
    killed.proc.child.kill('SIGKILL');
    await killed.proc.exited;
    await waitFor('ffmpeg gone', () => Promise.resolve(!alive(pid)), 10_000);
  });

  it('bad configuration: every problem listed, secrets hidden, exit code 2', async () => {
    const { code, output } = await runCli(['run'], {
      AGENT_FPS: '100',
      AGENT_SOURCE: 'screen:2',
      AGENT_ONVIF_USER: 'admin',
      AGENT_ONVIF_PASSWORD: 'short',
      AGENT_NATS_URL: 'http://lab:4222',
      AGENT_COLOUR: 'red',
    });
    expect(code).toBe(2);
    expect(output).toContain('invalid configuration');
    for (const name of [
      'AGENT_FPS',
      'AGENT_SOURCE',
      'AGENT_ONVIF_PASSWORD',
      'AGENT_NATS_URL',
      'AGENT_COLOUR',
    ])
      expect(output).toContain(name);
    expect(output).not.toContain('short"');
  });

  it('a missing ffmpeg: a clear message and exit code 1', async () => {
    const { code, output } = await runCli(['run'], { ...env, AGENT_FFMPEG_PATH: '/nonexistent/ffmpeg' });
    expect(code).toBe(1);
    expect(output).toContain('ffmpeg not found or not executable at /nonexistent/ffmpeg');
  });

  it('--help without a command: the usage and exit code 0; no command at all: exit code 2', async () => {
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.output).toContain('usage: desk-onvif-agent <command>');
    const none = await runCli([], {});
    expect(none.code).toBe(2);
    expect(none.output).toContain('a command is needed');
  });
});
