import { readFileSync, rmSync } from 'node:fs';
import { connect as connectTls } from 'node:tls';
import type { CameraRecord } from '@desk-onvif/contracts';
import { WireCapture, colourNear, parseColour, testSitePki, type SitePki } from '@desk-onvif/test-support';
import { AGENT, DeskLab, type Credentials } from './desk.lab.js';

/**
 * The NVR's side over TLS (issue 9): the whole system on the harness `make dev` runs, its cameras
 * serving ONVIF over HTTPS with the site certificate (libs/site-pki) and ONVIF_REQUIRE_TLS on. The
 * NVR is the npm `onvif` client trusting only the site CA; what it is given, ffmpeg reads.
 */
const COLOUR = '#3c64b4';

/** Whether a TLS client trusting only `caFile` accepts the server at host:port (as a verifying NVR would). */
function tlsVerifies(host: string, port: number, caFile: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTls({ host, port, ca: readFileSync(caFile) }, () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function withCredentials(uri: string, creds: Credentials): string {
  const url = new URL(uri);
  url.username = encodeURIComponent(creds.username);
  url.password = encodeURIComponent(creds.password);
  return url.toString();
}

describe('an NVR over HTTPS, plain HTTP refused', () => {
  let pki: SitePki;
  let lab: DeskLab;
  let camera: CameraRecord;

  beforeAll(async () => {
    pki = await testSitePki();
    lab = await DeskLab.start({
      width: 320,
      height: 180,
      fps: 10,
      colour: COLOUR,
      pki,
      requireTls: true,
      rtsps: true,
    });
    camera = await lab.camera();
  }, 120_000);

  afterAll(async () => {
    await lab?.stop();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  it('adds the camera over https (GetProfiles, GetStreamUri) and reads the desktop from the URI', async () => {
    const profiles = await lab.connect(lab.xaddr(camera, 'https'));
    expect(profiles.map((p) => [p.token, p.width, p.height])).toEqual([
      ['profile_main', 320, 180],
      ['profile_sub', 160, 90],
    ]);
    const media = `rtsp://${lab.media.host}:${lab.media.rtspPort}`;
    expect(profiles.map((p) => p.uri)).toEqual([
      `${media}/${camera.paths.main}`,
      `${media}/${camera.paths.sub}`,
    ]);
    const got = await lab.readColour(withCredentials(profiles[0]!.uri, lab.opts.onvifUser));
    if (!got.ok) throw new Error(`the NVR could not read ${profiles[0]!.uri}: ${got.error}`);
    expect(colourNear(got.colour, parseColour(COLOUR))).toBe(true);
  });

  it('the agent publishes over RTSPS through its proxy (no secret in argv); an NVR asking RtspsUnicast reads RTSPS', async () => {
    const pid = (await lab.system.agentStatus(AGENT)).ffmpegPid!;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    expect(argv.filter((a) => a.startsWith('rtsp://'))).toEqual([
      expect.stringMatching(/^rtsp:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/main$/),
      expect.stringMatching(/^rtsp:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/sub$/),
    ]);
    expect(argv.join(' ')).not.toContain(camera.publish.user);
    // The NVR asks Media2 for RtspsUnicast and is handed the media server's RTSPS port.
    const profiles = await lab.connect(lab.xaddr(camera, 'https'), lab.opts.onvifUser, 'RtspsUnicast');
    const media = `rtsps://${lab.media.host}:${lab.media.rtspsPort!}`;
    expect(profiles.map((p) => p.uri)).toEqual([
      `${media}/${camera.paths.main}`,
      `${media}/${camera.paths.sub}`,
    ]);
    // What a verifying NVR checks (ffmpeg 5.1's RTSP demuxer cannot be given a CA): the RTSPS
    // port's certificate is the site CA's, for this host, and another CA does not accept it.
    const uri = new URL(profiles[0]!.uri);
    expect(await tlsVerifies(uri.hostname, Number(uri.port), pki.caCert)).toBe(true);
    const other = await testSitePki();
    try {
      expect(await tlsVerifies(uri.hostname, Number(uri.port), other.caCert)).toBe(false);
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
    // ffmpeg reads that URI with the viewer's credentials; recorded on the way, nothing is in clear.
    const wire = await WireCapture.start(Number(uri.port), uri.hostname);
    try {
      uri.port = String(wire.port);
      const got = await lab.readColour(withCredentials(uri.toString(), lab.opts.onvifUser));
      if (!got.ok) throw new Error(`could not read ${profiles[0]!.uri}: ${got.error}`);
      expect(colourNear(got.colour, parseColour(COLOUR))).toBe(true);
      expect(wire.bytes).toBeGreaterThan(1000);
      for (const clear of [lab.opts.onvifUser.username, lab.opts.onvifUser.password, 'RTSP/1.0', 'DESCRIBE'])
        expect({ clear, onTheWire: wire.contains(clear) }).toEqual({ clear, onTheWire: false });
    } finally {
      await wire.stop();
    }
  });

  it('announces Profile T over https', async () => {
    const { scopes } = await lab.deviceInfo(lab.xaddr(camera, 'https'));
    expect(scopes).toEqual(
      expect.arrayContaining(['onvif://www.onvif.org/Profile/Streaming', 'onvif://www.onvif.org/Profile/T']),
    );
  });

  it('an NVR on plain HTTP gets the clock and the https address, not the profiles', async () => {
    // npm onvif's connect drops the GetProfiles fault: the NVR is left with no profile to stream.
    expect(await lab.connect(lab.xaddr(camera, 'http'))).toEqual([]);
    await expect(lab.deviceInfo(lab.xaddr(camera, 'http'))).rejects.toThrow(
      `requires HTTPS: use https://${lab.host}:${camera.onvifPort}/`,
    );
  });
});
