import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RtspRelay, type AuthRequest } from '@desk-onvif/rtsp-relay';
import {
  NatsServer,
  REPO_ROOT,
  ServiceProcess,
  startRegistry,
  testSitePki,
  waitFor,
  WireCapture,
  type SitePki,
} from '@desk-onvif/test-support';
import { loadRelayConfig } from '../../../test/rtsp-relay/src/relay.config.js';
import { AgentProcess, sharedCamera, tempStateDir } from './agent.process.js';

/**
 * RTSPS publishing (issue 9): the real agent and its real ffmpeg publish through the agent's
 * loopback proxy to a media server serving RTSPS with the site certificate (the relay double, as
 * MediaMTX's `rtspEncryption: optional`), across a capture of the wire. The server gets the
 * camera's publish credentials; the wire shows neither them nor any RTSP in clear. A server whose
 * certificate the agent cannot verify against its CA gets nothing.
 */
describe('capture agent: publishing over RTSPS', () => {
  let pki: SitePki;
  let nats: NatsServer;
  let registry: ServiceProcess;
  let relay: RtspRelay;
  let wire: WireCapture;
  let agent: AgentProcess | undefined;
  const state = tempStateDir();
  const asked: AuthRequest[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    pki = await testSitePki();
    nats = await NatsServer.start();
    registry = await startRegistry(nats, { REGISTRY_PORT_RANGE: '22000-22999' });
    relay = await RtspRelay.start({
      pathNames: loadRelayConfig(join(REPO_ROOT, 'mediamtx.yml')).pathNames,
      // The hook's side is not under test here: it allows whoever brings credentials, and keeps them.
      auth: {
        allows: (req) => {
          asked.push(req);
          return Promise.resolve(req.user !== '' && req.password !== '');
        },
      },
      rtsps: { port: 0, cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) },
    });
    wire = await WireCapture.start(relay.rtspsPort!);
    env = {
      ...(await nats.agentEnv(sharedCamera().id)),
      AGENT_MEDIA_URL: `rtsps://127.0.0.1:${wire.port}`,
      AGENT_MEDIA_CA: pki.caCert,
      AGENT_SOURCE: 'test-pattern',
      AGENT_ENCODER: 'libx264',
      AGENT_MAIN_SIZE: '320x240',
      AGENT_SUB_SIZE: '160x120',
      AGENT_FPS: '10',
      AGENT_STATE_DIR: state.dir,
      AGENT_BACKOFF_INITIAL_MS: '200',
      AGENT_BACKOFF_MAX_MS: '1000',
    };
    agent = await AgentProcess.start(env);
  });

  afterAll(async () => {
    await agent?.stop();
    await Promise.all([wire?.stop(), relay?.stop(), registry?.stop()]);
    await nats?.dispose();
    state.dispose();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  it('the media server gets the publish credentials; the wire holds no secret and no RTSP in clear', async () => {
    await waitFor(
      'both streams published',
      () =>
        Promise.resolve(
          ['main', 'sub'].every((s) => asked.some((r) => r.action === 'publish' && r.path.endsWith(`/${s}`))),
        ),
      20_000,
    );
    // Video flows: a few seconds of two H.264 streams.
    await waitFor('video on the wire', () => Promise.resolve(wire.bytes > 50_000), 20_000);
    const { camera } = JSON.parse(readFileSync(join(state.dir, 'state.json'), 'utf8')) as {
      camera: { publish: { user: string; password: string } };
    };
    const publish = asked.find((r) => r.action === 'publish')!;
    expect({ user: publish.user, password: publish.password }).toEqual(camera.publish);
    for (const clear of [camera.publish.password, camera.publish.user, 'ANNOUNCE', 'RTSP/1.0', 'Basic '])
      expect({ clear, onTheWire: wire.contains(clear) }).toEqual({ clear, onTheWire: false });
  });

  it('publishes nothing to a media server its CA does not vouch for', async () => {
    expect(await agent!.stop()).toBe(0);
    const before = asked.filter((r) => r.action === 'publish').length;
    const { AGENT_MEDIA_CA: _ca, ...untrusting } = env;
    agent = await AgentProcess.start(untrusting);
    await waitFor(
      'the proxy to refuse the server',
      () => Promise.resolve(/media server connection failed.*certificate/i.test(agent!.proc.output())),
      20_000,
    );
    expect(asked.filter((r) => r.action === 'publish').length).toBe(before);
  });
});
