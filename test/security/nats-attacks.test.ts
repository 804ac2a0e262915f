import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  cameraIdOf,
  decodeEnrolmentToken,
  identityKey,
  mediaPathsOf,
  type Identity,
} from '@desk-onvif/contracts';
import { RtspReceiver, startOnvif, waitFor, type ServiceProcess } from '@desk-onvif/test-support';
import { AgentProcess, FAKE_FFMPEG } from '../../services/capture-agent/test/agent.process.js';
import { runNatsAttacks } from './nats.attacks.js';
import { TcpRecorder } from './tcp.recorder.js';
import { TrustSystem } from './trust.system.js';

/**
 * Issue 9's NATS attacks, made with a real enrolled agent's credential against another real agent
 * (real ffmpeg, streaming): every one refused, nothing changed (KV, the victim's stream and users).
 * The agents reach NATS through a recording proxy: the capture of enrolment, registration and the
 * ONVIF bootstrap holds no token secret, seed, publish secret or password in clear.
 */
describe('NATS attacks from an agent’s credential', () => {
  let sys: TrustSystem;
  let recorder: TcpRecorder;
  let onvif: ServiceProcess;
  let main: RtspReceiver;
  let sub: RtspReceiver;
  let attacker: NatsConnection;
  const agents: AgentProcess[] = [];
  const tokens: string[] = [];
  const pc = (name: string): Identity => ({
    hostId: `${name}-${randomUUID().slice(0, 8)}`,
    hostName: name,
    mode: 'shared',
  });
  const victim = pc('victim');
  const intruder = pc('intruder');
  const victimId = cameraIdOf(identityKey(victim));
  const intruderId = cameraIdOf(identityKey(intruder));
  let victimState: string;
  let intruderState: string;

  beforeAll(async () => {
    sys = await TrustSystem.start({
      env: async (nats) => {
        recorder = await TcpRecorder.start({ host: nats.host, port: nats.port });
        return { REGISTRY_ENROL_NATS_URLS: `nats://127.0.0.1:${recorder.port}` };
      },
    });
    onvif = await startOnvif(sys.nats);
    const paths = mediaPathsOf(victimId);
    [main, sub] = await Promise.all([RtspReceiver.start(paths.main), RtspReceiver.start(paths.sub)]);
    const common = {
      AGENT_NATS_URL: 'nats://127.0.0.1:1', // the token says where to connect
      AGENT_SOURCE: 'test-pattern',
      AGENT_ENCODER: 'libx264',
      AGENT_MAIN_SIZE: '320x240',
      AGENT_SUB_SIZE: '160x120',
      AGENT_FPS: '10',
      AGENT_REGISTER_RETRY_MS: '300',
      AGENT_ONVIF_RETRY_MS: '300',
      AGENT_HEARTBEAT_MS: '500',
    };
    victimState = sys.tempDir('victim-');
    intruderState = sys.tempDir('intruder-');
    tokens.push(await sys.issue({ hostId: victim.hostId }), await sys.issue({ hostId: intruder.hostId }));
    agents.push(
      await AgentProcess.start({
        ...common,
        AGENT_ENROLLMENT_TOKEN: tokens[0]!,
        AGENT_HOST_ID: victim.hostId,
        AGENT_HOST_NAME: victim.hostName,
        AGENT_MEDIA_URL: main.baseUrl,
        AGENT_SUB_MEDIA_URL: sub.baseUrl,
        AGENT_STATE_DIR: victimState,
      }),
      await AgentProcess.start({
        ...common,
        AGENT_ENROLLMENT_TOKEN: tokens[1]!,
        AGENT_HOST_ID: intruder.hostId,
        AGENT_HOST_NAME: intruder.hostName,
        AGENT_MEDIA_URL: 'rtsp://127.0.0.1:1',
        AGENT_FFMPEG_PATH: FAKE_FFMPEG,
        FAKE_FFMPEG_MODE: 'hang',
        AGENT_STATE_DIR: intruderState,
      }),
    );
    const state = (dir: string) => readFileSync(join(dir, 'state.json'), 'utf8');
    await waitFor(
      'both agents registered, the victim with its ONVIF credentials and streaming',
      async () =>
        (await agents[0]!.status()).registered &&
        (await agents[1]!.status()).registered &&
        state(victimState).includes('"onvif"'),
      60_000,
    );
    await main.waitForFrames(2, 30_000);
    // The intruder's own credential, from its state directory, as someone on that PC would take it.
    attacker = await connect({ ...sys.agentCredential(intruderState, intruderId), reconnect: false });
  });

  afterAll(async () => {
    await attacker?.close().catch(() => undefined);
    for (const a of agents) await a.stop().catch(() => undefined);
    await Promise.all([main?.stop(), sub?.stop(), onvif?.stop(), recorder?.stop()]);
    await sys?.stop();
  });

  it('refuses every attack and changes nothing: KV, the victim’s users and its stream', async () => {
    const before = await sys.kvSnapshot();
    expect(Object.keys(before).some((k) => k.startsWith(`users/${victimId}`))).toBe(true);
    const results = await runNatsAttacks({
      attacker,
      attackerId: intruderId,
      victimId,
      victimIdentity: victim,
    });
    const through = results.filter((r) => !r.refused);
    expect(through).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(25);
    expect(await sys.kvSnapshot()).toEqual(before);
    const frames = main.sessions.length;
    expect(frames).toBeGreaterThan(0);
    await main.waitForFrames(2, 20_000);
    expect(await agents[0]!.status()).toMatchObject({ registered: true, state: 'streaming' });
  });

  it('the checks can fail: a credential allowed to read cameras is not counted as refused', async () => {
    const discovery = await sys.nats.connect('discovery');
    try {
      const results = await runNatsAttacks(
        { attacker: discovery, attackerId: intruderId, victimId, victimIdentity: victim },
        ['read the cameras bucket (publish secrets)'],
      );
      expect(results).toEqual([expect.objectContaining({ refused: false })]);
    } finally {
      await discovery.close();
    }
  });

  it('puts no token secret, seed, publish secret or password on the wire in clear', () => {
    const bytes = recorder.bytes();
    expect(bytes.length).toBeGreaterThan(10_000); // TLS handshakes, enrolment, registration, bootstrap…
    expect(bytes.includes(Buffer.from('INFO {'))).toBe(true); // the recording is real: NATS's greeting is clear
    const state = JSON.parse(readFileSync(join(victimState, 'state.json'), 'utf8')) as {
      camera: { publish: { password: string } };
      onvif?: { password?: string };
    };
    const secrets: Record<string, string> = {
      'victim token secret': decodeEnrolmentToken(tokens[0]!).secret,
      'intruder token secret': decodeEnrolmentToken(tokens[1]!).secret,
      'victim seed': readFileSync(join(victimState, 'nats', 'identity.nk'), 'utf8').trim(),
      'intruder seed': readFileSync(join(intruderState, 'nats', 'identity.nk'), 'utf8').trim(),
      'token credential seed': /SU[A-Z2-7]{56}/.exec(decodeEnrolmentToken(tokens[0]!).creds)![0],
      'publish secret': state.camera.publish.password,
      'generated ONVIF password': state.onvif?.password ?? '',
    };
    expect(secrets['generated ONVIF password']).not.toBe('');
    const seen = Object.entries(secrets)
      .filter(([, v]) => recorder.contains(v))
      .map(([k]) => k);
    expect(seen).toEqual([]);
  });
});
