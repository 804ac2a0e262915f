import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import onvif, { type Cam } from 'onvif';
import {
  freePort,
  probeStreams,
  REPO_ROOT,
  spawnTracked,
  waitFor,
  type Spawned,
} from '@desk-onvif/test-support';

const exec = promisify(execFile);
const UP = join(REPO_ROOT, 'scripts', 'up.sh');
const AGENT_MAIN = join(REPO_ROOT, 'services', 'capture-agent', 'dist', 'main.js');

/**
 * `make test-compose`: the production path for real, where a Docker engine answers. `make up`
 * (scripts/up.sh, in a compose project and settings file of the test's own) builds and starts
 * docker-compose.yml; a capture agent on this host (test pattern) enrols with a token the stack's
 * `cli` issues (NATS over TLS, the site CA pinned from the token) and publishes to its MediaMTX; then, as an NVR: the npm `onvif` client adds the
 * camera at its ONVIF address (host networking), GetStreamUri, and ffprobe reads that URI through
 * MediaMTX, whose auth hook asks the onvif service through host.docker.internal: the right
 * credentials decode H.264, wrong ones are refused. Not part of `make test`: CI has no Docker
 * engine. Without one it skips, saying what `make up --check` found missing. The stack uses the
 * compose file's fixed host ports (4222, 8554, 3702, the ONVIF range): stop a running one first.
 */
const check = await exec('bash', [UP, '--check']).then(
  () => undefined,
  (err: { stderr?: string }) => err.stderr?.trim() || 'no Docker engine answers',
);
if (check) process.stderr.write(`\nmake test-compose SKIPPED: ${check}\n\n`);
const suite = check ? describe.skip : describe;

function envOf(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

function promised<T>(fn: (cb: (err: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

suite('docker-compose.yml brought up by make up, seen by an NVR', () => {
  const project = `deskonvif${randomBytes(4).toString('hex')}`;
  let dir: string;
  let envFile: string;
  let settings: Record<string, string>;
  let agent: Spawned | undefined;
  const onvifUser = 'nvr';
  const onvifPassword = randomBytes(12).toString('base64url');
  let camera: { onvifAddress: string; rtspMain: string };

  const compose = (args: string[], timeout = 60_000) =>
    exec('docker', ['compose', '-p', project, '--env-file', envFile, ...args], {
      cwd: REPO_ROOT,
      timeout,
      maxBuffer: 16 * 1024 * 1024,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'desk-onvif-compose-'));
    envFile = join(dir, '.env');
    try {
      await bringUp();
    } catch (err) {
      // What the stack said, with the failure: the containers are gone after afterAll.
      const logs = await compose(['logs', '--no-color', '--tail', '40']).catch(() => undefined);
      if (err instanceof Error && logs) err.message += `\n--- docker compose logs ---\n${logs.stdout}`;
      throw err;
    }
  }, 1_200_000);

  async function bringUp(): Promise<void> {
    // make up itself: writes the settings with fresh secrets, builds the image, starts the stack.
    await exec('bash', [UP], {
      cwd: REPO_ROOT,
      env: { ...process.env, UP_ENV_FILE: envFile, COMPOSE_PROJECT_NAME: project },
      timeout: 900_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    settings = envOf(readFileSync(envFile, 'utf8'));
    // Every healthcheck passing (MediaMTX, NATS, the Node services).
    await compose(['up', '-d', '--wait', '--wait-timeout', '180'], 240_000);

    // What an administrator does for a PC: `docker compose run --rm cli enrolment issue --host-id <PC>`.
    const issued = await compose(['run', '--rm', 'cli', 'enrolment', 'issue', '--host-id', project], 120_000);
    const enrollmentToken = issued.stdout.trim();
    expect(enrollmentToken).toMatch(/^DOE1\./);

    const metricsPort = await freePort();
    const rtspPort = settings.RTSP_PORT ?? '8554';
    // Secrets through the environment, never on the command line.
    agent = spawnTracked(
      process.execPath,
      [
        AGENT_MAIN,
        'run',
        ...['--source', 'test-pattern', '--encoder', 'libx264', '--audio', 'off'],
        ...['--session-monitor', 'false', '--activity-detection', 'false'],
        ...['--media-url', `rtsp://127.0.0.1:${rtspPort}`],
        ...['--onvif-host', settings.PUBLIC_HOST!, '--host-id', project],
        ...['--state-dir', join(dir, 'agent'), '--metrics-port', String(metricsPort)],
      ],
      {
        PATH: process.env.PATH,
        FFMPEG_BIN: process.env.FFMPEG_BIN,
        AGENT_ENROLLMENT_TOKEN: enrollmentToken,
        AGENT_ONVIF_USER: onvifUser,
        AGENT_ONVIF_PASSWORD: onvifPassword,
      },
    );
    await waitFor(
      'the agent registered with the stack',
      async () => {
        const res = await fetch(`http://127.0.0.1:${metricsPort}/status`, {
          signal: AbortSignal.timeout(2000),
        });
        return ((await res.json()) as { registered: boolean }).registered;
      },
      90_000,
      500,
    );
    const { stdout } = await exec(process.execPath, [
      AGENT_MAIN,
      'status',
      '--json',
      ...['--state-dir', join(dir, 'agent'), '--onvif-host', settings.PUBLIC_HOST!],
      ...['--media-url', `rtsp://${settings.PUBLIC_HOST}:${rtspPort}`],
    ]);
    const status = JSON.parse(stdout) as { onvifAddress: string; rtsp: { main: string } };
    camera = { onvifAddress: status.onvifAddress, rtspMain: status.rtsp.main };
  }

  afterAll(async () => {
    await agent?.stop();
    if (envFile) await compose(['down', '-v', '--remove-orphans'], 120_000).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  const connect = (password: string): Promise<Cam> => {
    const url = new URL(camera.onvifAddress);
    return new Promise((resolve, reject) => {
      const cam = new onvif.Cam({
        hostname: url.hostname,
        port: Number(url.port),
        username: onvifUser,
        password,
        useWSSecurity: true,
        timeout: 10_000,
        autoconnect: false,
      });
      cam.connect((err) => (err ? reject(err) : resolve(cam)));
    });
  };

  it('the NVR adds the camera with its credentials and reads the stream through MediaMTX', async () => {
    const cam = await connect(onvifPassword);
    const main = await promised<{ uri: string }>((cb) =>
      cam.getStreamUri({ protocol: 'RTSP', profileToken: 'profile_main' }, cb),
    );
    expect(main.uri).toBe(camera.rtspMain);
    const withCreds = (password: string) => {
      const url = new URL(main.uri);
      url.username = onvifUser;
      url.password = encodeURIComponent(password);
      return url.toString();
    };
    let probed: Awaited<ReturnType<typeof probeStreams>> | undefined;
    await waitFor(
      'the stream',
      async () => (probed = await probeStreams(withCreds(onvifPassword))).ok,
      60_000,
      500,
    );
    expect(probed?.ok && probed.streams.map((s) => s.codec_name)).toEqual(['h264']);
    // MediaMTX asked the onvif service's auth hook (host.docker.internal): a wrong password is refused.
    expect((await probeStreams(withCreds(`${onvifPassword}-wrong`))).ok).toBe(false);
  });

  it('refuses ONVIF calls with a wrong password', async () => {
    const intruder = await connect(`${onvifPassword}-wrong`);
    await expect(promised((cb) => intruder.getDeviceInformation(cb))).rejects.toThrow(/not authorized/i);
  });
});
