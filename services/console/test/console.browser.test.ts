import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Kvm } from '@nats-io/kv';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import type { Page } from 'puppeteer-core';
import { Buckets, cameraIdOf, decodeEnrolmentToken, identityKey } from '@desk-onvif/contracts';
import {
  NetNamespace,
  Xvfb,
  colourNear,
  freePort,
  parseColour,
  probeStreams,
  readColour,
  waitFor,
  type Rgb,
} from '@desk-onvif/test-support';
import { AgentProcess, tempStateDir } from '../../capture-agent/test/agent.process.js';
import { DeskLab } from '../../../test/e2e/desk.lab.js';
import {
  chromiumAvailable,
  countOf,
  imageColour,
  inPageChecks,
  launchChromium,
  screenshot,
  signInThroughPage,
  styleOf,
  textOf,
} from './chromium.js';
import { ConsoleProcess } from './console.process.js';

/**
 * The console in a real browser (Debian's Chromium through puppeteer-core) against the whole real
 * system: two agents capturing Xvfb desktops of two colours with ffmpeg, the media server, registry,
 * onvif and discovery, the NVR's npm `onvif` client inside a network namespace. Every change is
 * made through the page, and checked where an NVR sees it.
 */
const ns = chromiumAvailable('the console browser test')
  ? await NetNamespace.tryCreate('the console browser test')
  : undefined;
const suite = ns ? describe : describe.skip;

const RED = '#c83232';
const BLUE = '#2850c8';

suite('the console in Chromium', () => {
  let sys: DeskLab;
  let konsole: ConsoleProcess;
  let page: Page;
  let closeBrowser: () => Promise<void>;
  let second: { xvfb: Xvfb; agent: AgentProcess; state: { dispose(): void }; hostId: string; id: string };
  const stops: Array<() => Promise<unknown>> = [];

  /** The second PC's agent on its Xvfb desktop, enrolling with `token` (a fresh state: a new install). */
  async function startSecondAgent(xvfb: Xvfb, hostId: string, token: string) {
    const state = tempStateDir();
    const agent = await AgentProcess.start({
      AGENT_NATS_URL: sys.system.natsUrl,
      AGENT_ENROLLMENT_TOKEN: token,
      AGENT_MEDIA_URL: `rtsp://${sys.media.host}:${sys.media.rtspPort}`,
      AGENT_DISPLAY: xvfb.display,
      AGENT_SOURCE: 'desktop',
      AGENT_ENCODER: 'libx264',
      AGENT_FPS: '10',
      AGENT_MAIN_SIZE: '640x360',
      AGENT_SUB_SIZE: '320x180',
      AGENT_HOST_ID: hostId,
      AGENT_HOST_NAME: 'desk-two',
      AGENT_STATE_DIR: state.dir,
      AGENT_HEARTBEAT_MS: '1000',
      AGENT_REGISTER_RETRY_MS: '500',
      AGENT_ONVIF_RETRY_MS: '500',
      AGENT_LOG_LEVEL: 'warn',
    });
    stops.push(async () => {
      await agent.stop();
      state.dispose();
    });
    return { agent, state };
  }

  beforeAll(async () => {
    sys = await DeskLab.start({ netns: ns!, width: 640, height: 360, fps: 10, colour: RED });
    stops.push(() => sys.stop());
    const xvfb = await Xvfb.start({ width: 640, height: 360 });
    stops.push(() => xvfb.stop());
    await xvfb.fill(BLUE);
    const hostId = randomUUID();
    const { agent, state } = await startSecondAgent(xvfb, hostId, await sys.system.issueToken(hostId));
    second = { xvfb, agent, state, hostId, id: cameraIdOf(identityKey({ mode: 'shared', hostId })) };
    konsole = await ConsoleProcess.start(sys.system, {
      CONSOLE_CAMERA_HOST: sys.host,
      CONSOLE_RTSP_PORT: String(sys.media.rtspPort),
      CONSOLE_THUMBNAIL_MAX_AGE_MS: '1000',
    });
    stops.push(() => konsole.stop());
    const password = await konsole.createAdmin('admin');
    const chromium = await launchChromium();
    closeBrowser = chromium.close;
    stops.push(closeBrowser);
    page = await chromium.browser.newPage();
    // The page asks before removing or revoking anything.
    page.on('dialog', (d) => void d.accept());
    await page.setViewport({ width: 1400, height: 800 });
    await signInThroughPage(page, konsole.url, 'admin', password);
  }, 180_000);

  afterAll(async () => {
    // Each piece gets a bounded stop: one that hangs is reported, and the others are still stopped.
    for (const stop of stops.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 20_000)));
      const outcome = await Promise.race([stop().catch(() => undefined), bound]);
      clearTimeout(timer);
      if (outcome === 'hung')
        console.warn(`console browser test: a stop did not finish within 20 s (${stop.toString()})`);
    }
    await ns?.dispose();
  }, 240_000);

  const row = (id: string) => `[data-camera-id="${id}"]`;

  async function expectThumbnail(id: string, colour: Rgb): Promise<void> {
    let got: Rgb | undefined;
    await waitFor(
      `the thumbnail of ${id} to show ${JSON.stringify(colour)} (last: ${JSON.stringify(got)})`,
      async () => {
        got = await imageColour(page, `${row(id)} img[data-thumb]`);
        return got !== undefined && colourNear(got, colour, 24);
      },
      20_000,
      250,
    );
  }

  async function openCamera(id: string): Promise<void> {
    await page.goto(`${konsole.url}/#/camera/${id}`);
    await page.waitForSelector(`[data-camera-page="${id}"]`);
  }

  /** Submits one of the camera page's forms and waits until it says the change took effect. */
  async function submit(
    form: string,
    fields: Record<string, string>,
    effect: string,
    status: 'applied' | 'failed' = 'applied',
  ): Promise<void> {
    for (const [name, value] of Object.entries(fields)) {
      const input = `[data-form="${form}"] [name="${name}"]`;
      await page.locator(input).fill(value);
    }
    await page.click(`[data-form="${form}"] button`);
    try {
      await page.waitForSelector(`[data-effect="${effect}"][data-status="${status}"]`, { timeout: 25_000 });
    } catch (err) {
      const said = await textOf(page, '[data-effects]');
      const onvifSaid = sys.system
        .output('onvif')
        .split('\n')
        .filter((l) => /listen|port/i.test(l))
        .slice(-10)
        .join('\n');
      throw new Error(
        `${form}: the page says "${said}"; the registry: ${JSON.stringify((await sys.camera()).onvifPort)}\n${onvifSaid}\n${konsole.output().slice(-3000)}`,
        { cause: err },
      );
    }
  }

  test('the fleet shows every camera; each thumbnail has the colour of its desktop', async () => {
    await page.waitForSelector(`${row(sys.cameraId)}[data-state="online"]`, { timeout: 30_000 });
    await page.waitForSelector(`${row(second.id)}[data-state="online"]`, { timeout: 30_000 });
    expect(await countOf(page, '[data-camera-id]')).toBe(2);
    await expectThumbnail(sys.cameraId, parseColour(RED));
    await expectThumbnail(second.id, parseColour(BLUE));
    const address = await textOf(page, `${row(second.id)} [data-onvif-address]`);
    const camera = await sys.camera();
    expect(address).toContain(`http://${sys.host}:`);
    expect(await textOf(page, `${row(sys.cameraId)} [data-onvif-address]`)).toContain(sys.xaddr(camera));
    await screenshot(page, 'fleet');
  });

  test('a desktop changing colour shows in its thumbnail', async () => {
    await second.xvfb.fill('#30a040');
    await expectThumbnail(second.id, parseColour('#30a040'));
  });

  test('rename → GetDeviceInformation still answers, GetScopes and the discovery name scope change', async () => {
    await openCamera(sys.cameraId);
    await submit('name', { name: 'Lab bench 3' }, 'name');
    const camera = await sys.camera();
    expect(camera.name).toBe('Lab bench 3');
    const { info, scopes } = await sys.deviceInfo(sys.xaddr(camera));
    expect(info.serialNumber).toBe(camera.serial);
    expect(scopes).toContain('onvif://www.onvif.org/name/Lab%20bench%203');
    await waitFor(
      'the discovery name scope',
      async () => {
        const found = await sys.probe();
        return found.some((d) => d.scopes.includes('onvif://www.onvif.org/name/Lab%20bench%203'));
      },
      20_000,
      500,
    );
    await screenshot(page, 'camera-renamed');
  });

  test('set a port → the ONVIF address moves and the NVR client follows', async () => {
    const before = await sys.camera();
    const port = before.onvifPort + 7;
    await openCamera(sys.cameraId);
    await submit('port', { onvifPort: String(port) }, 'onvifPort');
    const moved = await sys.camera();
    expect(moved.onvifPort).toBe(port);
    await waitFor('the page to show the new address', async () =>
      ((await textOf(page, '[data-onvif-address]')) ?? '').includes(`:${port}/onvif/device_service`),
    );
    const profiles = await sys.connect(sys.xaddr(moved));
    expect(profiles.length).toBe(2);
  });

  test('change the sub resolution → the decoded sub stream has it', async () => {
    await openCamera(sys.cameraId);
    await submit('encoding', { 'sub.width': '400', 'sub.height': '224' }, 'settings');
    const camera = await sys.camera();
    expect(camera.settings.sub).toMatchObject({ width: 400, height: 224 });
    let last = '';
    await waitFor(
      `the sub stream at 400x224 (last: ${last})`,
      async () => {
        const r = await probeStreams(sys.rtspUrl(camera.paths.sub, sys.opts.onvifUser));
        last = JSON.stringify(r);
        return r.ok && r.streams.some((s) => s.width === 400 && s.height === 224);
      },
      30_000,
      500,
    );
    await screenshot(page, 'camera-encoding');
  });

  test('ONVIF users from the camera page: added (password shown once) → logs in over ONVIF and reads RTSP; level, reset, remove', async () => {
    const camera = await sys.camera();
    const xaddr = sys.xaddr(camera);
    await openCamera(sys.cameraId);
    await page.waitForSelector(`[data-onvif-user="${sys.opts.onvifUser.username}"]`, { timeout: 15_000 });
    await page.locator('[data-form="onvif-user"] [name="username"]').fill('nvr-op');
    await page.select('[data-form="onvif-user"] select', 'Operator');
    await page.click('[data-form="onvif-user"] button[type="submit"]');
    const shownPassword = async () => {
      await page.waitForSelector('[data-new-password="nvr-op"] code', { timeout: 15_000 });
      return (await textOf(page, '[data-new-password="nvr-op"] code')) ?? '';
    };
    const first = { username: 'nvr-op', password: await shownPassword() };
    expect(first.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    await page.waitForSelector('[data-onvif-user="nvr-op"][data-level="Operator"]');
    expect((await sys.connect(xaddr, first)).length).toBe(2);
    const read = await probeStreams(sys.rtspUrl(camera.paths.sub, first));
    expect(read.ok).toBe(true);
    // Shown once: not in the page once it is reloaded.
    await page.reload();
    await page.waitForSelector('[data-onvif-user="nvr-op"]');
    expect(await page.content()).not.toContain(first.password);
    await page.select('[data-onvif-user="nvr-op"] select', 'User');
    await page.waitForSelector('[data-onvif-user="nvr-op"][data-level="User"]', { timeout: 15_000 });
    await page.click('[data-onvif-user="nvr-op"] [data-action="reset-password"]');
    const second = { username: 'nvr-op', password: await shownPassword() };
    expect(second.password).not.toBe(first.password);
    expect((await sys.connect(xaddr, second)).length).toBe(2);
    // The old password no longer reads (one wrong try: well under the guessing throttle).
    expect((await probeStreams(sys.rtspUrl(camera.paths.sub, first))).ok).toBe(false);
    // The last Administrator cannot be demoted: the onvif service's rule, said in the page.
    await page.select(`[data-onvif-user="${sys.opts.onvifUser.username}"] select`, 'User');
    await page.waitForSelector('[data-onvif-users] [role="alert"]', { timeout: 15_000 });
    expect(await textOf(page, '[data-onvif-users] [role="alert"]')).toMatch(/CONFLICT: FixedUser/);
    await page.click('[data-onvif-user="nvr-op"] [data-action="remove-user"]');
    await waitFor(
      'the user gone from the page',
      async () => (await countOf(page, '[data-onvif-user="nvr-op"]')) === 0,
    );
    expect((await probeStreams(sys.rtspUrl(camera.paths.sub, second))).ok).toBe(false);
    expect((await sys.connect(xaddr)).length).toBe(2);
    await screenshot(page, 'camera-onvif-users');
  });

  test('capture source: a region of the desktop → the decoded main stream has that region’s colour', async () => {
    // The lab's desktop: the left half red, the right half blue.
    await sys.xvfb.split(320, RED, BLUE);
    const decoded = async (colour: Rgb, what: string) => {
      const camera = await sys.camera();
      let last = '';
      await waitFor(
        `the decoded main stream to be ${what} (last: ${last})`,
        async () => {
          const r = await readColour(sys.rtspUrl(camera.paths.main, sys.opts.onvifUser));
          last = JSON.stringify(r);
          return r.ok && colourNear(r.colour, colour, 30);
        },
        30_000,
        500,
      );
    };
    await openCamera(sys.cameraId);
    await page.select('[data-form="source"] select[name="kind"]', 'region');
    await submit('source', { x: '320', y: '0', width: '320', height: '360' }, 'source');
    expect(await textOf(page, '[data-effect="source"]')).toMatch(/streaming the region 320x360 at 320,0/);
    expect((await sys.camera()).settings.source).toEqual({
      kind: 'region',
      x: 320,
      y: 0,
      width: 320,
      height: 360,
    });
    await decoded(parseColour(BLUE), 'blue (the right half)');
    await screenshot(page, 'camera-source-region');
    await openCamera(sys.cameraId);
    await page.select('[data-form="source"] select[name="kind"]', 'region');
    await submit('source', { x: '0', y: '0', width: '320', height: '360' }, 'source');
    await decoded(parseColour(RED), 'red (the left half)');
    // Back to the agent's own source (the whole desktop): both halves.
    await openCamera(sys.cameraId);
    await page.select('[data-form="source"] select[name="kind"]', 'configured');
    await submit('source', {}, 'source');
    expect((await sys.camera()).settings.source).toBeUndefined();
    const [r1, g1, b1] = parseColour(RED);
    const [r2, g2, b2] = parseColour(BLUE);
    await decoded([(r1 + r2) / 2, (g1 + g2) / 2, (b1 + b2) / 2], 'both halves mixed');
    await sys.xvfb.fill(RED);
  });

  /** Runs the doctor on the camera page: each check's status by id. */
  async function doctor(id: string): Promise<Record<string, string>> {
    await openCamera(id);
    await page.click('[data-run-doctor]');
    await page.waitForSelector('[data-check="firewall"]', { timeout: 20_000 });
    return inPageChecks(page);
  }

  test('the doctor flags a port held by another process', async () => {
    const taken = await freePort(sys.host);
    const sockets = new Set<Socket>();
    const other: Server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.end('HTTP/1.1 200 OK\r\nServer: other-program\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((r) => other.listen(taken, sys.host, r));
    // close() waits for every connection to end: one a client keeps open would hold it forever.
    stops.push(
      () =>
        new Promise((r) => {
          other.close(() => r(undefined));
          for (const s of sockets) s.destroy();
        }),
    );
    await openCamera(sys.cameraId);
    await submit('port', { onvifPort: String(taken) }, 'onvifPort', 'failed');
    expect(await textOf(page, '[data-effect="onvifPort"]')).toMatch(
      new RegExp(`port ${taken} could not be used`),
    );
    const moved = await sys.camera();
    expect(moved.onvifPort).not.toBe(taken);
    const checks = await doctor(sys.cameraId);
    expect(checks).toMatchObject({
      agent: 'pass',
      addresses: 'warn',
      'onvif-port': 'warn',
      firewall: 'pass',
    });
    expect(await textOf(page, '[data-check="onvif-port"]')).toMatch(
      new RegExp(`${taken} was held by another program`),
    );
    // The NVR follows the camera to its new port.
    expect((await sys.connect(sys.xaddr(moved))).length).toBe(2);
    await screenshot(page, 'doctor-port-held');
  });

  test('a stopped agent shows offline in the fleet, and stands out', async () => {
    await second.agent.stop();
    await page.goto(`${konsole.url}/#/`);
    await page.waitForSelector(`${row(second.id)}[data-state="offline"]`, { timeout: 40_000 });
    expect(await styleOf(page, row(second.id), 'background-color')).not.toBe('rgba(0, 0, 0, 0)');
    await screenshot(page, 'fleet-offline');
    const checks = await doctor(second.id);
    expect(checks).toMatchObject({ agent: 'fail', rtsp: 'fail' });
    expect(await textOf(page, '[data-check="agent"]')).toMatch(/offline/);
    await screenshot(page, 'doctor-agent-stopped');
  });

  /** Issues a token in the admin page; returns the agent configuration it showed (once). */
  async function issueToken(fields: Record<string, string>): Promise<{ enrollmentToken: string }> {
    await page.goto(`${konsole.url}/#/admin`);
    await page.waitForSelector('[data-form="enrolment"]');
    for (const [name, value] of Object.entries(fields))
      await page.locator(`[data-form="enrolment"] [name="${name}"]`).fill(value);
    await page.click('[data-form="enrolment"] button[type="submit"]');
    await page.waitForSelector('[data-issued-token] pre', { timeout: 15_000 });
    const config = JSON.parse((await textOf(page, '[data-issued-token] pre')) ?? '{}') as {
      enrollmentToken: string;
    };
    expect(Object.keys(config)).toEqual(['enrollmentToken']);
    const { id, secret } = decodeEnrolmentToken(config.enrollmentToken);
    await page.waitForSelector(`[data-enrolment="${id}"][data-state="valid"]`);
    // Shown once: gone from the page when dismissed, and in no list.
    await page.click('[data-issued-token] [data-action="dismiss"]');
    await page.reload();
    await page.waitForSelector(`[data-enrolment="${id}"]`);
    expect(await page.content()).not.toContain(secret);
    return config;
  }

  test('a token issued in the page shows the agent configuration once; revoked, its credential is refused', async () => {
    const config = await issueToken({ label: 'spare PC' });
    const token = decodeEnrolmentToken(config.enrollmentToken);
    await screenshot(page, 'enrolment-issued');
    await page.click(`[data-enrolment="${token.id}"] button.danger`);
    await page.waitForSelector(`[data-enrolment="${token.id}"][data-state="revoked"]`, { timeout: 15_000 });
    await expect(
      connect({
        ...sys.system.connectOptions(),
        authenticator: credsAuthenticator(new TextEncoder().encode(token.creds)),
        inboxPrefix: `_INBOX_enrol_${token.id}`,
        reconnect: false,
      }),
    ).rejects.toThrow(/authorization|revoked/i);
  });

  test('the camera page revokes a camera and resets its binding; the re-installed PC enrols with a pasted token, same camera', async () => {
    const admin = await connect(sys.system.connectOptions());
    stops.push(() => admin.close());
    const bindings = await new Kvm(admin).open(Buckets.bindings);
    await openCamera(second.id);
    await page.click('[data-action="revoke-camera"]');
    await page.waitForSelector('[data-binding-result]');
    expect(await textOf(page, '[data-binding-result]')).toMatch(/^revoked/);
    const revoked = JSON.parse((await bindings.get(second.id))?.string() ?? '{}') as { revokedAt?: string };
    expect(revoked.revokedAt).toBeDefined();
    await page.click('[data-action="reset-binding"]');
    await waitFor('the binding reset', async () =>
      /^binding reset/.test((await textOf(page, '[data-binding-result]')) ?? ''),
    );
    expect((await bindings.get(second.id))?.operation ?? 'DEL').not.toBe('PUT');
    // The re-installed PC: a fresh agent state, the configuration pasted from the page.
    const config = await issueToken({ label: 'desk-two again', hostId: second.hostId });
    const again = await startSecondAgent(second.xvfb, second.hostId, config.enrollmentToken);
    second.agent = again.agent;
    await page.goto(`${konsole.url}/#/`);
    await page.waitForSelector(`${row(second.id)}[data-state="online"]`, { timeout: 60_000 });
    expect(await countOf(page, '[data-camera-id]')).toBe(2);
    const { id } = decodeEnrolmentToken(config.enrollmentToken);
    await page.goto(`${konsole.url}/#/admin`);
    await page.waitForSelector(`[data-enrolment="${id}"][data-state="used"]`, { timeout: 15_000 });
    const actions = [
      'onvif-user.add',
      'onvif-user.change',
      'onvif-user.remove',
      'enrolment.issue',
      'enrolment.revoke',
      'camera.revoke',
      'camera.binding.reset',
    ];
    let audit = '';
    await waitFor(`the audit log in the page to list ${actions.join(', ')} (it says: ${audit})`, async () => {
      audit = (await textOf(page, 'table.audit')) ?? '';
      return actions.every((a) => audit.includes(a));
    });
    await screenshot(page, 'enrolment-reinstalled');
  });
});
