import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Page } from 'puppeteer-core';
import { Registry, call, type CameraRecord } from '@desk-onvif/contracts';
import { ensureViewKeys, ViewTokenSigner, type ViewKeyFiles } from '@desk-onvif/media-auth';
import {
  NatsServer,
  ServiceProcess,
  WhepDouble,
  startRegistry,
  testSitePki,
  waitFor,
  type SitePki,
} from '@desk-onvif/test-support';
import {
  chromiumAvailable,
  launchChromium,
  screenshot,
  signInThroughPage,
  textOf,
  videoColour,
} from './chromium.js';
import { ConsoleProcess } from './console.process.js';

/**
 * The camera page's live view by WebRTC: Debian's Chromium plays WHEP from a WebRTC server that
 * answers as MediaMTX does (test/support's WHEP double: werift sending ffmpeg's H.264) and asks the
 * real onvif service's MediaMTX auth hook, with the real console's per-view token; a decoded pixel
 * of the <video> has the source's colour. The hook refuses an absent or wrong credential, and a
 * failed WHEP falls back to snapshots, saying why.
 */
const suite = chromiumAvailable('the console WHEP test') ? describe : describe.skip;

/** 0x3070c0 as ffmpeg's lavfi colour, through H.264's 4:2:0 and back. */
const COLOUR = { ffmpeg: '0x3070c0', rgb: [0x30, 0x70, 0xc0] as const };

suite('the live view by WebRTC (WHEP)', () => {
  let nats: NatsServer;
  let registry: ServiceProcess;
  let onvif: ServiceProcess;
  let whep: WhepDouble;
  let konsole: ConsoleProcess;
  let nc: NatsConnection;
  let trustDir: string;
  let keys: ViewKeyFiles;
  let pki: SitePki;
  let camera: CameraRecord;
  let dark: CameraRecord;
  let page: Page;
  let closeBrowser: () => Promise<void> = () => Promise.resolve();
  let beat: NodeJS.Timeout | undefined;
  let adminPassword: string;

  beforeAll(async () => {
    trustDir = mkdtempSync(join(tmpdir(), 'desk-onvif-view-keys-'));
    // The view key pair as `desk-onvif trust init` writes it: the console signs, the hook checks.
    keys = ensureViewKeys(trustDir);
    nats = await NatsServer.start();
    registry = await startRegistry(nats, { REGISTRY_LOG_LEVEL: 'warn' });
    onvif = await ServiceProcess.start(
      'onvif',
      {
        ...nats.serviceEnv('ONVIF_', 'onvif'),
        ONVIF_USERS_KEY: randomBytes(32).toString('base64'),
        ONVIF_LISTEN_HOST: '127.0.0.1',
        ONVIF_PUBLIC_HOST: '127.0.0.1',
        ONVIF_WORKERS: '1',
        ONVIF_MEDIA_VIEW_PUBLIC_KEY: keys.publicKey,
        ONVIF_LOG_LEVEL: 'warn',
      },
      'ONVIF_HTTP_PORT',
    );
    pki = await testSitePki();
    // MediaMTX's WebRTC server over HTTPS (webrtcEncryption), as the console's page needs.
    whep = await WhepDouble.start({
      authHookUrl: `${onvif.baseUrl}/mediamtx/auth`,
      tls: { cert: pki.serverCert, key: pki.serverKey },
      refusedPauseMs: 200,
    });
    konsole = await ConsoleProcess.start(nats, {
      CONSOLE_WHEP_URL: whep.url,
      CONSOLE_MEDIA_VIEW_KEY: keys.privateKey,
    });
    // webrtcAllowOrigins: the console's origin only.
    whep.allowOrigins = [konsole.url];
    nc = await nats.connect();
    const register = async (hostId: string) =>
      (
        await call(nc, Registry.register, {
          identity: { hostId, hostName: hostId.toUpperCase(), mode: 'shared' },
          agent: { version: '0.1.0', platform: 'linux' },
        })
      ).camera;
    camera = await register('whep-pc');
    dark = await register('whep-dark-pc');
    // Their agents, simulated over NATS: heartbeats keep both online.
    const heartbeat = () => {
      for (const c of [camera, dark])
        nc.publish(
          `camera.${c.id}.heartbeat`,
          JSON.stringify({
            state: 'streaming',
            fps: 15,
            bitrateKbps: 512,
            encoder: 'libx264',
            uptimeS: 60,
            errors: 0,
            at: new Date().toISOString(),
          }),
        );
    };
    heartbeat();
    beat = setInterval(heartbeat, 1000);
    // The camera's publisher: a plain colour, H.264 from ffmpeg, on its main path only.
    await whep.source(camera.paths.main, COLOUR.ffmpeg);
    // The hook serves the camera once the onvif service has its record.
    const signer = new ViewTokenSigner(readFileSync(keys.privateKey));
    await waitFor('the camera in the onvif service', async () => {
      const token = await signer.sign({ path: camera.paths.main, sub: 'readiness' });
      const r = await fetch(`${onvif.baseUrl}/mediamtx/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          token,
          ip: '127.0.0.1',
          action: 'read',
          path: camera.paths.main,
          protocol: 'webrtc',
        }),
      });
      return r.status === 200;
    });
    adminPassword = await konsole.createAdmin('root');
    const browser = await launchChromium();
    closeBrowser = browser.close;
    page = await browser.browser.newPage();
    await signInThroughPage(page, konsole.url, 'root', adminPassword);
  }, 120_000);

  afterAll(async () => {
    if (beat) clearInterval(beat);
    await closeBrowser();
    await nc?.close();
    await konsole?.stop();
    await whep?.stop();
    await onvif?.stop();
    await registry?.stop();
    await nats?.dispose();
    rmSync(trustDir, { recursive: true, force: true });
    rmSync(pki.dir, { recursive: true, force: true });
  });

  /** A WHEP offer straight to the server (no browser): its status and headers. */
  const offer = (path: string, authorization?: string) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>(
      (resolve, reject) => {
        const req = request(
          `${whep.url}/${path}/whep`,
          {
            method: 'POST',
            ca: readFileSync(pki.caCert),
            headers: {
              'Content-Type': 'application/sdp',
              ...(authorization ? { Authorization: authorization } : {}),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
          },
        );
        req.on('error', reject);
        req.end('v=0\r\n');
      },
    );

  it('plays the camera over WebRTC: a decoded pixel has its colour, and the page says WebRTC', async () => {
    await page.evaluate(`location.hash = '#/camera/${camera.id}'`);
    await page.waitForSelector('video[data-live-view-webrtc]');
    let colour: [number, number, number] | undefined;
    await waitFor(
      'a decoded frame of the WebRTC live view',
      async () => {
        colour = await videoColour(page, 'video[data-live-view-webrtc]');
        return colour !== undefined;
      },
      20_000,
    );
    await screenshot(page, 'whep-live-view');
    expect(await textOf(page, '[data-live-mode]')).toBe('Live: WebRTC (WHEP)');
    for (const [i, c] of colour!.entries()) expect(Math.abs(c - COLOUR.rgb[i]!)).toBeLessThan(24);
    // MediaMTX asked the hook as 1.x does for WHEP, with the console's token and nothing else.
    const asked = whep.hookCalls.at(-1)!;
    expect(asked).toMatchObject({
      action: 'read',
      protocol: 'webrtc',
      path: camera.paths.main,
      user: '',
      password: '',
    });
    expect(asked.token.split('.')).toHaveLength(3);
    expect(whep.sessionCount).toBe(1);
    // Nothing secret in the page: no view key, and the token never lands in the DOM.
    const html = await page.content();
    expect(html).not.toContain(asked.token);
    expect(html).not.toContain('PRIVATE KEY');
  });

  it('leaving the page ends the WHEP session on the server', async () => {
    await page.evaluate(`location.hash = '#/'`);
    await waitFor('the session deleted', () => Promise.resolve(whep.sessionCount === 0), 10_000);
  });

  it('the hook refuses an absent credential, a forged token and a token for another path', async () => {
    const none = await offer(camera.paths.main);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic/);
    const stranger = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    const forged = await new ViewTokenSigner(stranger).sign({ path: camera.paths.main, sub: 'mallory' });
    expect((await offer(camera.paths.main, `Bearer ${forged}`)).status).toBe(401);
    // The console's own token for the sub stream does not open the main one.
    const sub = await konsoleGrant('sub');
    expect((await offer(camera.paths.main, `Bearer ${sub.token}`)).status).toBe(401);
    // A guessed ONVIF password (Basic) is the hook's usual refusal.
    expect(
      (await offer(camera.paths.main, `Basic ${Buffer.from('admin:guess').toString('base64')}`)).status,
    ).toBe(401);
    const refused = whep.hookCalls.slice(-4);
    expect(refused.map((c) => c.protocol)).toEqual(['webrtc', 'webrtc', 'webrtc', 'webrtc']);
  });

  it('a failed WHEP falls back to snapshots and says why', async () => {
    // The dark camera has no publisher: MediaMTX answers 404 to its offer.
    await page.evaluate(`location.hash = '#/camera/${dark.id}'`);
    await waitFor(
      'the fallback to snapshots',
      async () => (await page.$('[data-live-mode=snapshots]')) !== null,
      20_000,
    );
    expect(await textOf(page, '[data-live-mode]')).toContain('WebRTC failed: the WHEP server answered 404');
  });

  it('the token is the console’s to give: only with a session and its CSRF token', async () => {
    expect((await konsole.request('POST', `/api/cameras/${camera.id}/live-view`)).status).toBe(401);
    const s = await konsole.signIn('root', adminPassword);
    const noCsrf = await konsole.request('POST', `/api/cameras/${camera.id}/live-view`, { cookie: s.cookie });
    expect(noCsrf.status).toBe(403);
    const grant = await konsoleGrant('main');
    expect(grant.whepUrl).toBe(`${whep.url}/${camera.paths.main}/whep`);
    expect(grant.expiresInS).toBe(60);
  });

  /** A grant through the API as the administrator. */
  async function konsoleGrant(stream: 'main' | 'sub') {
    const s = await konsole.signIn('root', adminPassword);
    const r = await konsole.request('POST', `/api/cameras/${camera.id}/live-view?stream=${stream}`, {
      cookie: s.cookie,
      headers: { 'X-CSRF-Token': s.csrf },
    });
    expect(r.status).toBe(200);
    return r.json<{ whepUrl: string; token: string; expiresInS: number }>();
  }
});
