import { runChecks, type DoctorProbes } from './doctor.checks.js';
import type { CameraView } from './fleet.state.js';

const now = Date.parse('2026-11-30T12:00:00Z');
const camera: CameraView = {
  id: '3f1c4b6e-1a2b-5c3d-8e4f-0123456789ab',
  name: 'Reception',
  hostName: 'PC-7',
  mode: 'per-user',
  userName: 'alice',
  online: true,
  onvifPort: 8093,
  portSetByAdmin: false,
  paths: { main: 'desk/x/main', sub: 'desk/x/sub' },
  discoveryMode: 'Discoverable',
  settings: {
    main: { width: 1920, height: 1080, fps: 15, bitrateKbps: 4000, gop: 30 },
    sub: { width: 640, height: 360, fps: 15, bitrateKbps: 512, gop: 30 },
  },
  mac: '02:00:00:00:00:01',
  serial: 'DO-1',
  updatedAt: '2026-11-30T11:00:00Z',
  live: {
    state: 'streaming',
    fps: 15,
    bitrateKbps: 3900,
    encoder: 'libx264',
    uptimeS: 60,
    restarts: 0,
    at: '2026-11-30T11:59:58Z',
  },
};
const probes: DoctorProbes = {
  now,
  urls: {
    onvifAddress: 'http://lab:8093/onvif/device_service',
    rtsp: { main: 'rtsp://lab:8554/desk/x/main', sub: 'rtsp://lab:8554/desk/x/sub' },
  },
  onvifPort: { state: 'onvif', detail: 'answers' },
  rtsp: { state: 'auth', detail: 'asks for credentials' },
  portMoves: [],
  firewall: { natsPort: 4222, rtspPort: 8554, onvif: '8093', consolePort: 8443 },
};
const status = (checks: ReturnType<typeof runChecks>) =>
  Object.fromEntries(checks.map((c) => [c.id, c.status]));

describe('the doctor', () => {
  it("passes the seven checks of a healthy camera, in DeskCamera's order", () => {
    const checks = runChecks(camera, probes);
    expect(checks.map((c) => c.id)).toEqual([
      'agent',
      'addresses',
      'mode',
      'ports',
      'onvif-port',
      'rtsp',
      'firewall',
    ]);
    expect(checks.every((c) => c.status === 'pass')).toBe(true);
    expect(checks[2]!.detail).toMatch(/Windows user alice on PC-7/);
  });

  it('says the audio in the agent check; a lost device is a warning with what to do, the video still passes', () => {
    const streaming = runChecks(
      {
        ...camera,
        live: { ...camera.live!, audio: { state: 'streaming', codec: 'aac', device: 'Stereo Mix' } },
      },
      probes,
    );
    expect(streaming[0]!.status).toBe('pass');
    expect(streaming[0]!.detail).toMatch(/audio streaming \(aac, Stereo Mix\)$/);
    const lost = runChecks(
      {
        ...camera,
        live: {
          ...camera.live!,
          audio: { state: 'lost', codec: 'aac', detail: 'audio device "Stereo Mix" is not there' },
        },
      },
      probes,
    );
    expect(status(lost)).toMatchObject({ agent: 'warn', rtsp: 'pass' });
    expect(lost[0]!.detail).toMatch(/without audio.*Stereo Mix/);
    expect(lost[0]!.fix).toMatch(/adds the audio back/);
  });

  it('fails the agent check of an offline camera and says what to do', () => {
    const checks = runChecks({ ...camera, online: false }, probes);
    expect(status(checks)).toMatchObject({ agent: 'fail', rtsp: 'fail' });
    expect(checks[0]!.fix).toMatch(/start the agent/);
  });

  it('fails a stale heartbeat and a stalled capture', () => {
    expect(
      status(runChecks({ ...camera, live: { ...camera.live!, at: '2026-11-30T11:59:00Z' } }, probes)).agent,
    ).toBe('fail');
    expect(status(runChecks({ ...camera, live: { ...camera.live!, state: 'stalled' } }, probes)).agent).toBe(
      'fail',
    );
  });

  it('flags a port held by another program, and a forced move of the address', () => {
    expect(
      status(runChecks(camera, { ...probes, onvifPort: { state: 'other', detail: 'HTTP 200' } }))[
        'onvif-port'
      ],
    ).toBe('fail');
    const moved = runChecks(camera, {
      ...probes,
      portMoves: [{ at: '2026-11-30T11:30:00Z', from: 8092, to: 8093, reason: 'listen EADDRINUSE' }],
    });
    expect(status(moved)).toMatchObject({ addresses: 'warn', 'onvif-port': 'warn' });
    expect(moved[4]!.detail).toMatch(/8092 was held by another program/);
    expect(
      status(runChecks(camera, { ...probes, onvifPort: { state: 'closed', detail: 'refused' } }))[
        'onvif-port'
      ],
    ).toBe('fail');
  });

  it('generates ufw, nftables and netsh rules for the actual ports', () => {
    const fw = runChecks(camera, probes)[6]!;
    const data = fw.data as { ufw: string[]; nftables: string[]; netsh: string[] };
    expect(data.ufw).toContain("ufw allow 8093/tcp comment 'desk-onvif ONVIF device service'");
    expect(data.ufw).toContain("ufw allow 8000:8001/udp comment 'desk-onvif RTP/RTCP'");
    expect(data.nftables).toContain('nft add rule inet filter input udp dport 3702 accept');
    expect(data.netsh.join('\n')).toMatch(/protocol=TCP localport=8554/);
  });
});
