import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { Page } from 'puppeteer-core';
import { ViewTokenSigner } from '@desk-onvif/media-auth';
import { waitFor } from '@desk-onvif/test-support';
import {
  chromiumAvailable,
  launchChromium,
  screenshot,
  signInThroughPage,
  textOf,
  videoColour,
} from './chromium.js';
import { WHEP_COLOUR, WhepRig } from './whep.rig.js';

/**
 * The camera page's live view by WebRTC: Debian's Chromium plays WHEP from a WebRTC server that
 * answers as MediaMTX does (test/support's WHEP double: werift sending ffmpeg's H.264) and asks the
 * real onvif service's MediaMTX auth hook, with the real console's per-view token; a decoded pixel
 * of the <video> has the source's colour. The hook refuses an absent or wrong credential, and a
 * failed WHEP falls back to snapshots, saying why.
 */
const suite = chromiumAvailable('the console WHEP test') ? describe : describe.skip;

suite('the live view by WebRTC (WHEP)', () => {
  let rig: WhepRig;
  let page: Page;
  let closeBrowser: () => Promise<void> = () => Promise.resolve();
  let adminPassword: string;

  beforeAll(async () => {
    rig = await WhepRig.start();
    adminPassword = await rig.konsole.createAdmin('root');
    const browser = await launchChromium();
    closeBrowser = browser.close;
    page = await browser.browser.newPage();
    await signInThroughPage(page, rig.konsole.url, 'root', adminPassword);
  }, 120_000);

  afterAll(async () => {
    await closeBrowser();
    await rig?.stop();
  });

  /** A WHEP offer straight to the server (no browser): its status and headers. */
  const offer = (path: string, authorization?: string) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>(
      (resolve, reject) => {
        const req = request(
          `${rig.whep.url}/${path}/whep`,
          {
            method: 'POST',
            ca: readFileSync(rig.pki.caCert),
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
    await page.evaluate(`location.hash = '#/camera/${rig.camera.id}'`);
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
    for (const [i, c] of colour!.entries()) expect(Math.abs(c - WHEP_COLOUR.rgb[i]!)).toBeLessThan(24);
    // MediaMTX asked the hook as 1.x does for WHEP, with the console's token and nothing else.
    const asked = rig.whep.hookCalls.at(-1)!;
    expect(asked).toMatchObject({
      action: 'read',
      protocol: 'webrtc',
      path: rig.camera.paths.main,
      user: '',
      password: '',
    });
    expect(asked.token.split('.')).toHaveLength(3);
    expect(rig.whep.sessionCount).toBe(1);
    // Nothing secret in the page: no view key, and the token never lands in the DOM.
    const html = await page.content();
    expect(html).not.toContain(asked.token);
    expect(html).not.toContain('PRIVATE KEY');
  });

  it('leaving the page ends the WHEP session on the server', async () => {
    await page.evaluate(`location.hash = '#/'`);
    await waitFor('the session deleted', () => Promise.resolve(rig.whep.sessionCount === 0), 10_000);
  });

  it('the hook refuses an absent credential, a forged token and a token for another path', async () => {
    const none = await offer(rig.camera.paths.main);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic/);
    const stranger = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    const forged = await new ViewTokenSigner(stranger).sign({ path: rig.camera.paths.main, sub: 'mallory' });
    expect((await offer(rig.camera.paths.main, `Bearer ${forged}`)).status).toBe(401);
    // The console's own token for the sub stream does not open the main one.
    const sub = await konsoleGrant('sub');
    expect((await offer(rig.camera.paths.main, `Bearer ${sub.token}`)).status).toBe(401);
    // A guessed ONVIF password (Basic) is the hook's usual refusal.
    expect(
      (await offer(rig.camera.paths.main, `Basic ${Buffer.from('admin:guess').toString('base64')}`)).status,
    ).toBe(401);
    const refused = rig.whep.hookCalls.slice(-4);
    expect(refused.map((c) => c.protocol)).toEqual(['webrtc', 'webrtc', 'webrtc', 'webrtc']);
  });

  it('forged tokens lock their address out, as wrong passwords do; other addresses still read', async () => {
    // MediaMTX tells the hook who is asking (`ip`): a LAN address of its own, not this test's.
    const hook = async (ip: string, token: string) =>
      (
        await fetch(`${rig.onvif.baseUrl}/mediamtx/auth`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            token,
            ip,
            action: 'read',
            path: rig.camera.paths.main,
            protocol: 'webrtc',
          }),
        })
      ).status;
    const stranger = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    const forged = await new ViewTokenSigner(stranger).sign({ path: rig.camera.paths.main, sub: 'mallory' });
    const good = () =>
      new ViewTokenSigner(readFileSync(rig.keys.privateKey)).sign({
        path: rig.camera.paths.main,
        sub: 'root',
      });
    for (let i = 0; i < 10; i++) expect(await hook('192.168.77.7', forged)).toBe(403);
    // Locked: even a good token from that address is refused without being looked at.
    expect(await hook('192.168.77.7', await good())).toBe(403);
    expect(await hook('192.168.77.8', await good())).toBe(200);
    const metrics = await (await fetch(`${rig.onvif.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /desk_onvif_media_auth_decisions_total\{action="read",result="throttled",service="onvif"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /desk_onvif_media_auth_decisions_total\{action="read",result="console-view",service="onvif"\} [1-9]/,
    );
  });

  it('a failed WHEP falls back to snapshots and says why', async () => {
    // The dark camera has no publisher: MediaMTX answers 404 to its offer.
    await page.evaluate(`location.hash = '#/camera/${rig.dark.id}'`);
    await waitFor(
      'the fallback to snapshots',
      async () => (await page.$('[data-live-mode=snapshots]')) !== null,
      20_000,
    );
    expect(await textOf(page, '[data-live-mode]')).toContain('WebRTC failed: the WHEP server answered 404');
  });

  it('the token is the console’s to give: only with a session and its CSRF token', async () => {
    expect((await rig.konsole.request('POST', `/api/cameras/${rig.camera.id}/live-view`)).status).toBe(401);
    const s = await rig.konsole.signIn('root', adminPassword);
    const noCsrf = await rig.konsole.request('POST', `/api/cameras/${rig.camera.id}/live-view`, {
      cookie: s.cookie,
    });
    expect(noCsrf.status).toBe(403);
    const grant = await konsoleGrant('main');
    expect(grant.whepUrl).toBe(`${rig.whep.url}/${rig.camera.paths.main}/whep`);
    expect(grant.expiresInS).toBe(60);
    // Viewers watch too: a read token is not a change.
    const created = await rig.konsole.request('POST', '/api/accounts', {
      cookie: s.cookie,
      headers: { 'X-CSRF-Token': s.csrf },
      body: { username: 'watcher', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    const viewer = await rig.konsole.signIn('watcher', created.json<{ password: string }>().password);
    const viewed = await rig.konsole.request('POST', `/api/cameras/${rig.camera.id}/live-view`, {
      cookie: viewer.cookie,
      headers: { 'X-CSRF-Token': viewer.csrf },
    });
    expect(viewed.status).toBe(200);
    // The hook lets the viewer's token through; only the (deliberately empty) SDP is refused.
    expect(
      (await offer(rig.camera.paths.main, `Bearer ${viewed.json<{ token: string }>().token}`)).status,
    ).toBe(400);
  });

  /** A grant through the API as the administrator. */
  async function konsoleGrant(stream: 'main' | 'sub') {
    const s = await rig.konsole.signIn('root', adminPassword);
    const r = await rig.konsole.request('POST', `/api/cameras/${rig.camera.id}/live-view?stream=${stream}`, {
      cookie: s.cookie,
      headers: { 'X-CSRF-Token': s.csrf },
    });
    expect(r.status).toBe(200);
    return r.json<{ whepUrl: string; token: string; expiresInS: number }>();
  }
});
