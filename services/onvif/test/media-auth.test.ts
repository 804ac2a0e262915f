import { Registry, call, type CameraRecord } from '@desk-onvif/contracts';
import {
  type MediaServer,
  meanColourOf,
  probeStreams,
  publishTestPattern,
  startMediaServer,
  waitFor,
  type Spawned,
} from '@desk-onvif/test-support';
import { OnvifRig } from './onvif.rig.js';

/**
 * The MediaMTX auth hook of the onvif service, asked by a real media server (MediaMTX where one
 * runs, else the relay double that makes MediaMTX's calls), with real ffmpeg on both ends.
 */
describe('MediaMTX auth hook', () => {
  let rig: OnvifRig;
  let media: MediaServer;
  let camera: CameraRecord;
  let publisher: Spawned | undefined;
  const viewer = { user: 'admin', password: 'admin-password-1' };
  let publish: { user: string; password: string };

  beforeAll(async () => {
    rig = await OnvifRig.start();
    camera = await rig.camera('media-auth-pc');
    // The agent's own registration is the one reply that carries the publish secret.
    const own = await call(rig.nc, Registry.register, {
      identity: { hostId: 'media-auth-pc', hostName: 'PC-media-auth-pc', mode: 'shared' },
    });
    publish = own.camera.publish;
    media = await startMediaServer({ authHookUrl: `${rig.onvif.baseUrl}/mediamtx/auth` });
  });

  afterAll(async () => {
    await publisher?.stop();
    await media?.stop();
    await rig?.dispose();
  });

  const hook = (body: unknown) =>
    fetch(`${rig.onvif.baseUrl}/mediamtx/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const mediamtxBody = (over: Record<string, unknown>) => ({
    user: '',
    password: '',
    token: '',
    ip: '192.168.1.20',
    action: 'read',
    path: camera.paths.main,
    protocol: 'rtsp',
    id: null,
    query: '',
    ...over,
  });

  it.each([
    ['publisher with the camera secret', 200, () => ({ action: 'publish', ...publish })],
    ['publisher without credentials: asked for them', 401, () => ({ action: 'publish' })],
    ['publisher with a wrong secret', 403, () => ({ action: 'publish', user: publish.user, password: 'x' })],
    ['an ONVIF user of the camera reads', 200, () => ({ ...viewer })],
    ['a reader with a wrong password', 403, () => ({ user: 'admin', password: 'wrong-password' })],
    ['api from loopback', 200, () => ({ action: 'api', ip: '127.0.0.1', path: '' })],
    ['metrics from the LAN', 403, () => ({ action: 'metrics', path: '' })],
  ])('%s → %d', async (_name, status, over) => {
    expect((await hook(mediamtxBody(over()))).status).toBe(status);
  });

  it('a body that is not MediaMTX-shaped is a 400 naming the field', async () => {
    const res = await hook({ action: 'delete-everything' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('action');
  });

  it('publishing without the secret is refused; with it the stream arrives', async () => {
    const intruder = publishTestPattern(
      media.rtspUrl(camera.paths.main, { user: publish.user, password: 'guess' }),
    );
    const code = await intruder.exited;
    expect(code).not.toBe(0);
    const unauthenticated = publishTestPattern(media.rtspUrl(camera.paths.main));
    expect(await unauthenticated.exited).not.toBe(0);

    publisher = publishTestPattern(media.rtspUrl(camera.paths.main, publish), { colour: 'blue' });
    await waitFor('the stream readable with ONVIF credentials', async () => {
      const probe = await probeStreams(media.rtspUrl(camera.paths.main, viewer));
      return probe.ok && probe.streams.some((s) => s.codec_name === 'h264');
    });
    const colour = await meanColourOf(media.rtspUrl(camera.paths.main, viewer));
    expect(colour.b).toBeGreaterThan(150);
    expect(colour.r).toBeLessThan(80);
  });

  it('reading with wrong or no credentials is refused', async () => {
    const wrong = await probeStreams(
      media.rtspUrl(camera.paths.main, { user: 'admin', password: 'nope-nope' }),
    );
    expect(wrong.ok).toBe(false);
    const none = await probeStreams(media.rtspUrl(camera.paths.main));
    expect(none.ok).toBe(false);
    // The publish secret is not a viewer's password.
    const publisherAsReader = await probeStreams(media.rtspUrl(camera.paths.main, publish));
    expect(publisherAsReader.ok).toBe(false);
  });

  it('every decision is counted, no password reaches the log', async () => {
    const metrics = await rig.onvif.metrics();
    expect(metrics).toMatch(/desk_onvif_media_auth_decisions_total\{action="publish",result="publisher"/);
    expect(metrics).toMatch(
      /desk_onvif_media_auth_decisions_total\{action="read",result="wrong-credentials"/,
    );
    expect(rig.onvif.output()).not.toContain(publish.password);
    expect(rig.onvif.output()).not.toContain('nope-nope');
  });
});
