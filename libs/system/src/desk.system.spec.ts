import { DeskSystem } from './desk.system.js';
import { createServer } from 'node:net';
import { holdPorts, resolvePorts, type SystemSettings } from './system.settings.js';

/** The harness's pure part: which services a settings object starts, in what order, with what. */
function settings(over: Partial<SystemSettings> = {}): SystemSettings {
  return {
    repoRoot: '/repo',
    stateDir: '/state',
    host: '10.0.0.5',
    natsPort: 4222,
    registryHttpPort: 9101,
    onvifHttpPort: 9102,
    discoveryHttpPort: 9103,
    discoveryPort: 3702,
    discoveryInterfaces: '127.0.0.1',
    onvifPortRange: '8090-8110',
    rtspPort: 8554,
    rtpPort: 8000,
    rtcpPort: 8001,
    mediaApiPort: 9997,
    mediaMetricsPort: 9998,
    mediamtxBin: undefined,
    natsServerBin: '/usr/bin/nats-server',
    ffmpegBin: '/usr/bin/ffmpeg',
    onvifUsersKey: 'a2V5',
    consolePort: 8443,
    agents: [{ name: 'desktop', onvifUser: 'admin', onvifPassword: 'pw-1', metricsPort: 9120 }],
    restartOnExit: true,
    trust: {
      natsConfig: '/state/trust/nats/nats.conf',
      caFile: '/state/trust/pki/ca.crt',
      creds: {
        registry: '/state/trust/nats/creds/registry.creds',
        onvif: '/state/trust/nats/creds/onvif.creds',
        discovery: '/state/trust/nats/creds/discovery.creds',
        console: '/state/trust/nats/creds/console.creds',
        admin: '/state/trust/nats/creds/admin.creds',
      },
      registryTrustDir: '/state/trust/nats/registry-trust',
      viewKeys: {
        privateKey: '/state/trust/media/console-view.key',
        publicKey: '/state/trust/media/console-view.pub',
      },
    },
    ...over,
  };
}

describe('DeskSystem', () => {
  it('starts the services in dependency order, the relay double without MediaMTX, agents last', () => {
    expect(new DeskSystem(settings()).services.map((d) => d.name)).toEqual([
      'nats-server',
      'port-registry',
      'onvif',
      'rtsp-relay',
      'discovery',
      'agent-desktop',
    ]);
    const withMtx = new DeskSystem(settings({ mediamtxBin: '/opt/mediamtx', skip: ['discovery'] }));
    expect(withMtx.services.map((d) => d.name)).toEqual([
      'nats-server',
      'port-registry',
      'onvif',
      'mediamtx',
      'agent-desktop',
    ]);
  });

  it('derives every child environment from the settings, per-service extras last', () => {
    const sut = new DeskSystem(
      settings({ env: { onvif: { ONVIF_LOG_LEVEL: 'debug', ONVIF_RTSP_PORT: '554' } } }),
    );
    const onvif = sut.childSpec('onvif');
    expect(onvif.command).toBe(process.execPath);
    expect(onvif.args).toEqual(['/repo/services/onvif/dist/main.js']);
    expect(onvif.env).toMatchObject({
      ONVIF_NATS_URL: 'nats://10.0.0.5:4222',
      // Its own credential and the site CA: operator mode, TLS required, as deployed.
      ONVIF_NATS_CREDS: '/state/trust/nats/creds/onvif.creds',
      ONVIF_NATS_CA: '/state/trust/pki/ca.crt',
      ONVIF_HTTP_PORT: '9102',
      ONVIF_LISTEN_HOST: '10.0.0.5',
      ONVIF_USERS_KEY: 'a2V5',
      ONVIF_LOG_LEVEL: 'debug',
      ONVIF_RTSP_PORT: '554',
      FFMPEG_BIN: '/usr/bin/ffmpeg',
    });
    // Nothing of this process's environment leaks through but PATH and HOME.
    expect(
      Object.keys(onvif.env)
        .filter((k) => !k.startsWith('ONVIF_'))
        .sort(),
    ).toEqual(['FFMPEG_BIN', 'HOME', 'PATH']);
    expect(sut.childSpec('nats-server').args).toEqual(['-c', '/state/trust/nats/nats.conf']);
    expect(sut.childSpec('port-registry').env).toMatchObject({
      REGISTRY_NATS_CREDS: '/state/trust/nats/creds/registry.creds',
      REGISTRY_TRUST_DIR: '/state/trust/nats/registry-trust',
    });
    expect(sut.childSpec('rtsp-relay').args.join(' ')).toContain(
      '--rtp-port 8000 --rtcp-port 8001 --auth-url http://127.0.0.1:9102/mediamtx/auth',
    );
  });

  it('serves ONVIF over HTTPS with the site certificate, and requires it when told', () => {
    expect(new DeskSystem(settings()).childSpec('onvif').env).not.toHaveProperty('ONVIF_TLS_CERT');
    const tls = { cert: '/pki/server.crt', key: '/pki/server.key' };
    const secure = new DeskSystem(settings({ tls, onvifRequireTls: true })).childSpec('onvif').env;
    expect(secure).toMatchObject({
      ONVIF_TLS_CERT: '/pki/server.crt',
      ONVIF_TLS_KEY: '/pki/server.key',
      ONVIF_REQUIRE_TLS: 'true',
    });
    expect(new DeskSystem(settings({ tls })).childSpec('discovery').env).toMatchObject({
      DISCOVERY_ONVIF_HTTPS: 'true',
    });
  });

  it('with RTSPS the media server serves it, agents publish over it trusting the site CA, stream URIs name it', () => {
    const tls = { cert: '/pki/server.crt', key: '/pki/server.key', ca: '/pki/ca.crt' };
    const plain = new DeskSystem(settings({ tls })).childSpec('agent-desktop').env;
    expect(plain['AGENT_MEDIA_URL']).toBe('rtsp://10.0.0.5:8554');
    expect(new DeskSystem(settings({ tls })).childSpec('onvif').env['ONVIF_RTSPS_PORT']).toBeUndefined();
    const sut = new DeskSystem(settings({ tls, rtspsPort: 8322 }));
    expect(sut.childSpec('agent-desktop').env).toMatchObject({
      AGENT_MEDIA_URL: 'rtsps://10.0.0.5:8322',
      AGENT_MEDIA_CA: '/pki/ca.crt',
    });
    expect(sut.childSpec('rtsp-relay').args.join(' ')).toContain(
      '--rtsps-port 8322 --tls-cert /pki/server.crt --tls-key /pki/server.key',
    );
    const mtx = new DeskSystem(settings({ tls, rtspsPort: 8322, mediamtxBin: '/opt/mediamtx' }));
    expect(mtx.childSpec('mediamtx').env).toMatchObject({
      MTX_RTSPENCRYPTION: 'optional',
      MTX_RTSPSADDRESS: '10.0.0.5:8322',
      MTX_RTSPSERVERCERT: '/pki/server.crt',
      MTX_RTSPSERVERKEY: '/pki/server.key',
    });
    expect(sut.media.rtspsPort).toBe(8322);
    // The same port, from the same settings, is what stream URIs name.
    expect(sut.childSpec('onvif').env['ONVIF_RTSPS_PORT']).toBe('8322');
  });

  it('with MediaMTX and its WebRTC ports, the console plays WHEP with its view key; the hook checks the public half', () => {
    const tls = { cert: '/pki/server.crt', key: '/pki/server.key', ca: '/pki/ca.crt' };
    const webrtc = { webrtcPort: 8889, webrtcIcePort: 8189 };
    const mtx = new DeskSystem(settings({ tls, ...webrtc, mediamtxBin: '/opt/mediamtx' }));
    expect(mtx.childSpec('mediamtx').env).toMatchObject({
      MTX_WEBRTC: 'yes',
      MTX_WEBRTCADDRESS: '10.0.0.5:8889',
      MTX_WEBRTCENCRYPTION: 'yes',
      MTX_WEBRTCSERVERCERT: '/pki/server.crt',
      MTX_WEBRTCALLOWORIGINS: 'https://10.0.0.5:8443',
      MTX_WEBRTCLOCALUDPADDRESS: '10.0.0.5:8189',
      MTX_WEBRTCADDITIONALHOSTS: '10.0.0.5',
    });
    expect(mtx.childSpec('console').env).toMatchObject({
      CONSOLE_WHEP_URL: 'https://10.0.0.5:8889',
      CONSOLE_MEDIA_VIEW_KEY: '/state/trust/media/console-view.key',
    });
    // Least privilege: the hook gets the public half only; the private half stays with the console.
    expect(mtx.childSpec('onvif').env['ONVIF_MEDIA_VIEW_PUBLIC_KEY']).toBe(
      '/state/trust/media/console-view.pub',
    );
    expect(Object.values(mtx.childSpec('onvif').env)).not.toContain('/state/trust/media/console-view.key');
    // The relay double has no WebRTC: the console's live view is by snapshots there.
    const relay = new DeskSystem(settings({ tls, ...webrtc }));
    expect(relay.childSpec('console').env['CONSOLE_WHEP_URL']).toBeUndefined();
    expect(
      new DeskSystem(settings({ tls, mediamtxBin: '/opt/mediamtx' })).childSpec('mediamtx').env,
    ).toMatchObject({
      MTX_WEBRTC: 'no',
    });
  });

  it('gives agents their credentials and enrolment token in the environment, never on the command line', () => {
    const s = settings();
    const agent = new DeskSystem({
      ...s,
      agents: s.agents.map((a) => ({ ...a, enrollmentToken: 'DOE1.secret-token' })),
    }).childSpec('agent-desktop');
    expect(agent.args.join(' ')).not.toContain('pw-1');
    expect(agent.args.join(' ')).not.toContain('DOE1');
    expect(agent.env['AGENT_ENROLLMENT_TOKEN']).toBe('DOE1.secret-token');
    expect(agent.env).toMatchObject({
      AGENT_ONVIF_USER: 'admin',
      AGENT_ONVIF_PASSWORD: 'pw-1',
      AGENT_SOURCE: 'test-pattern',
      AGENT_STATE_DIR: '/state/agents/desktop',
      AGENT_METRICS_PORT: '9120',
      XDG_CONFIG_HOME: '/state/agents/config',
    });
  });

  it('runs the services marked for it inside the network namespace', () => {
    const netns = {
      address: '10.9.0.2',
      wrap: (command: string, args: string[]): [string, string[]] => [
        'ip',
        ['netns', 'exec', 'x', command, ...args],
      ],
    };
    const sut = new DeskSystem(settings({ netns }));
    expect(sut.childSpec('discovery').command).toBe('ip');
    expect(sut.childSpec('discovery').env['DISCOVERY_HTTP_HOST']).toBe('0.0.0.0');
    expect(sut.childSpec('onvif').command).toBe(process.execPath);
  });

  it('starts the console with its Node flags before its entry (its memory bound)', () => {
    const sut = new DeskSystem(settings({ tls: { cert: '/state/site.crt', key: '/state/site.key' } }));
    expect(sut.childSpec('console').args).toEqual([
      '--max-semi-space-size=4',
      '/repo/services/console/dist/main.js',
    ]);
  });

  it('resolvePorts picks a free port for every 0 and keeps the others', async () => {
    const sut = await resolvePorts(
      settings({
        natsPort: 0,
        rtpPort: 0,
        agents: [{ name: 'a', onvifUser: 'u', onvifPassword: 'p', metricsPort: 0 }],
        host: '127.0.0.1',
      }),
    );
    expect(sut.natsPort).toBeGreaterThan(0);
    expect(sut.rtpPort % 2).toBe(0);
    expect(sut.rtcpPort).toBe(sut.rtpPort + 1);
    expect(sut.agents[0]?.metricsPort).toBeGreaterThan(0);
    expect(sut.rtspPort).toBe(8554);
  });

  it('holdPorts keeps each chosen port bound until its service is about to start', async () => {
    const { settings: s, holds } = await holdPorts(settings({ natsPort: 0, host: '127.0.0.1' }));
    const bindable = (port: number) =>
      new Promise<boolean>((resolve) => {
        const srv = createServer();
        srv.once('error', () => resolve(false));
        srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
      });
    expect(await bindable(s.natsPort)).toBe(false);
    await holds.release('port-registry');
    expect(await bindable(s.natsPort)).toBe(false);
    await holds.release('nats-server');
    expect(await bindable(s.natsPort)).toBe(true);
  });
});
