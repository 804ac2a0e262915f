import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  Enrolment,
  call,
  cameraIdOf,
  cameraSubjects,
  identityKey,
  mediaPathsOf,
} from '@desk-onvif/contracts';
import {
  colourNear,
  decodeJpeg,
  freePort,
  meanColour,
  NatsServer,
  onPath,
  parseColour,
  prerequisitesMet,
  RtspReceiver,
  type ServiceProcess,
  startRegistry,
  waitFor,
  Xvfb,
} from '@desk-onvif/test-support';
import {
  AGENT_BUNDLE,
  AGENT_EXE,
  FFMPEG_EXE,
  NODE_EXE,
  WinePrefix,
  type WineProgram,
  windowsPath,
} from './wine.js';

const run = promisify(execFile);
const RED = '#c82878';
const GREEN = '#28a050';

/** How the agent is started under Wine: the bundle with node.exe, or the one-file .exe as installed. */
interface Launcher {
  name: string;
  artefact: string;
  /** The `wine` arguments before `run`, after putting the files where they go. */
  install(prefix: WinePrefix): string[];
  /** ffmpegPath for agent.json; none: the .exe finds ffmpeg.exe beside itself. */
  ffmpegPath: string | undefined;
}

const launchers: Launcher[] = [
  {
    name: 'node.exe running the bundled agent',
    artefact: AGENT_BUNDLE,
    install: () => [NODE_EXE, windowsPath(AGENT_BUNDLE)],
    ffmpegPath: windowsPath(FFMPEG_EXE),
  },
  {
    name: 'desk-onvif-agent.exe (make agent-dist) with ffmpeg.exe beside it',
    artefact: AGENT_EXE,
    install: (prefix) => {
      const dir = join(prefix.programFiles, 'desk-onvif');
      mkdirSync(dir, { recursive: true });
      copyFileSync(AGENT_EXE, join(dir, 'desk-onvif-agent.exe'));
      copyFileSync(FFMPEG_EXE, join(dir, 'ffmpeg.exe'));
      return ['C:\\Program Files\\desk-onvif\\desk-onvif-agent.exe'];
    },
    ffmpegPath: undefined,
  },
];

const missing = [
  ...['wine', 'wineserver', 'Xvfb', 'xsetroot', 'xwininfo', 'nats-server', 'ffmpeg']
    .filter((t) => !onPath(t))
    .map((t) => `${t} (scripts/ensure-windows-deps.sh, scripts/ensure-system-deps.sh)`),
  ...[NODE_EXE, FFMPEG_EXE].filter((f) => !existsSync(f)).map((f) => `${f} (scripts/ensure-windows-deps.sh)`),
];
const runnable = prerequisitesMet('the Wine tier (the agent on Windows code paths)', missing)
  ? launchers.filter((l) =>
      prerequisitesMet(
        `the Wine tier with ${l.name}`,
        existsSync(l.artefact) ? [] : [`${l.artefact} (make agent-dist)`],
      ),
    )
  : [];
const suite = runnable.length ? describe : describe.skip;

suite.each(runnable.length ? runnable : launchers.slice(0, 1))(
  'Windows agent under Wine, shared mode: $name',
  (launcher) => {
    let nats: NatsServer;
    let registry: ServiceProcess;
    let xvfb: Xvfb;
    let main: RtspReceiver;
    let sub: RtspReceiver;
    let prefix: WinePrefix;
    let nc: NatsConnection;
    let agent: WineProgram | undefined;
    let command: string[];
    let metricsPort: number;
    let cameraId: string;

    interface Status {
      state: string;
      registered: boolean;
      natsConnected: boolean;
      cameraId?: string;
      encoder: string;
      grabber: string;
      ffmpeg: { path: string; version: string };
      restarts: number;
    }
    const status = async (): Promise<Status> =>
      (
        await fetch(`http://127.0.0.1:${metricsPort}/status`, { signal: AbortSignal.timeout(2000) })
      ).json() as Promise<Status>;

    /** A test whose failure message carries the agent's last log lines (what ffmpeg.exe said). */
    const step = (name: string, fn: () => Promise<void>) =>
      it(name, async () => {
        try {
          await fn();
        } catch (err) {
          if (err instanceof Error)
            err.message += `\n--- the agent's log (last lines) ---\n${agent?.output().slice(-6000)}`;
          throw err;
        }
      });

    const startAgent = async (extra: string[] = [], logName = 'agent') => {
      agent = prefix.start([...command, 'run', ...extra], logName);
      await waitFor(
        'the agent under Wine to serve /status',
        async () => {
          if (!agent?.running) throw new Error(`the agent exited:\n${agent?.output().slice(-3000)}`);
          return (await status()).state !== undefined;
        },
        90_000,
        500,
      );
    };

    /** Frames of a session that began after `since` sessions, with the colour the test expects. */
    const colourArrives = (receiver: RtspReceiver, since: number, colour: string, timeoutMs = 60_000) =>
      waitFor(
        `${colour} at the receiver of ${receiver.path}`,
        () => {
          const frame = receiver.sessions.slice(since).at(-1)?.frames.at(-1);
          return frame !== undefined && colourNear(meanColour(frame), parseColour(colour), 24);
        },
        timeoutMs,
        200,
      );

    beforeAll(async () => {
      nats = await NatsServer.start();
      [registry, xvfb] = await Promise.all([
        startRegistry(nats, { REGISTRY_PORT_RANGE: '21000-21999' }),
        Xvfb.start({ width: 640, height: 480 }),
      ]);
      await xvfb.fill(RED);
      prefix = await WinePrefix.create(xvfb.display);
      const guid = await prefix.machineGuid();
      cameraId = cameraIdOf(identityKey({ mode: 'shared', hostId: guid }));
      const paths = mediaPathsOf(cameraId);
      [main, sub] = await Promise.all([RtspReceiver.start(paths.main), RtspReceiver.start(paths.sub)]);
      metricsPort = await freePort();
      command = launcher.install(prefix);
      nc = await nats.connect();
      // What an administrator gives the PC: a one-use enrolment token for this PC only. It carries
      // where to connect and the site CA; the agent enrols, then holds only its camera's credential.
      const { token } = await call(nc, Enrolment.issue, { hostId: guid, maxUses: 1, label: 'wine' });
      // Every setting from %APPDATA%\desk-onvif\agent.json, as on a PC: no AGENT_ variable, no flag.
      mkdirSync(join(prefix.appData, 'desk-onvif'), { recursive: true });
      writeFileSync(
        join(prefix.appData, 'desk-onvif', 'agent.json'),
        JSON.stringify({
          enrollmentToken: token,
          mediaUrl: main.baseUrl,
          subMediaUrl: sub.baseUrl,
          mode: 'shared',
          source: 'desktop',
          encoder: 'libx264',
          mainSize: '640x480',
          subSize: '320x240',
          fps: 10,
          metricsPort,
          heartbeatMs: 1000,
          backoffInitialMs: 200,
          backoffMaxMs: 2000,
          snapshotEverySeconds: 1,
          ...(launcher.ffmpegPath ? { ffmpegPath: launcher.ffmpegPath } : {}),
        }),
      );
      // As install.ps1 does in shared mode (as administrator): enrol once, machine-wide.
      const enrol = prefix.start([...command, 'enrol'], 'enrol');
      const enrolled = await enrol.exited;
      if (enrolled !== 0) throw new Error(`enrol exited ${enrolled}:\n${enrol.output().slice(-3000)}`);
      expect(enrol.output()).toContain(`enrolled: camera ${cameraId}`);
      await startAgent();
    }, 300_000);

    afterAll(async () => {
      await agent?.kill();
      await nc?.close();
      await prefix?.dispose();
      await Promise.all([main?.stop(), sub?.stop(), xvfb?.stop(), registry?.stop()]);
      await nats?.dispose();
    }, 60_000);

    step(
      'registers the camera of the MachineGuid, its state in %LOCALAPPDATA%, its credential in %ProgramData%',
      async () => {
        await waitFor('registered', async () => (await status()).registered, 60_000, 500);
        const state = JSON.parse(
          readFileSync(join(prefix.localAppData, 'desk-onvif', 'state.json'), 'utf8'),
        ) as {
          camera: { id: string };
        };
        expect(state.camera.id).toBe(cameraId);
        expect(await status()).toMatchObject({ cameraId, encoder: 'libx264' });
        // Enrolled once with the token by `enrol`: the camera's own credential machine-wide (shared
        // mode), written through protectSecretFile (icacls, the machine ACL); the agent read it.
        const creds = readFileSync(join(prefix.programData, 'desk-onvif', 'nats', 'camera.creds'), 'utf8');
        expect(creds).toContain('BEGIN NATS USER JWT');
        expect(existsSync(join(prefix.localAppData, 'desk-onvif', 'nats'))).toBe(false);
        expect(JSON.stringify(await call(nc, Enrolment.list, {}))).toMatch(/"uses":1/);
      },
    );

    // The stream below starting at all shows that -stats_period was left out: ffmpeg 4.1 refuses it.
    step('says which ffmpeg and grabber: this ffmpeg (4.1) has no ddagrab, so gdigrab', async () => {
      const s = await status();
      expect(s.grabber).toBe('gdigrab');
      expect(s.ffmpeg.version).toMatch(/^N-92722-/); // the 4.1-era build of @ffmpeg-installer/win32-x64
      expect(agent!.output()).toContain('has no ddagrab');
    });

    step(
      'streams the desktop (gdigrab) to both receivers at their sizes, and follows a colour change',
      async () => {
        const [m, s] = await Promise.all([main.waitForFrames(2, 90_000), sub.waitForFrames(2, 90_000)]);
        expect([m.width, m.height, s.width, s.height]).toEqual([640, 480, 320, 240]);
        await colourArrives(main, 0, RED);
        await xvfb.fill(GREEN);
        await Promise.all([colourArrives(main, 0, GREEN, 20_000), colourArrives(sub, 0, GREEN, 20_000)]);
      },
    );

    step('answers a snapshot request with a JPEG of the desktop', async () => {
      let jpeg = '';
      await waitFor(
        'a snapshot',
        async () => {
          jpeg = (await call(nc, cameraSubjects(cameraId).snapshot, { stream: 'main' }, 5000)).jpegBase64;
          const image = await decodeJpeg(Buffer.from(jpeg, 'base64'));
          return colourNear(meanColour(image.rgb), parseColour(GREEN), 24);
        },
        30_000,
        500,
      );
      const image = await decodeJpeg(Buffer.from(jpeg, 'base64'));
      expect([image.width, image.height]).toEqual([640, 480]);
    });

    step('restarts ffmpeg with new settings', async () => {
      const sessions = main.sessions.length;
      const settings = {
        main: { width: 480, height: 360, fps: 10, bitrateKbps: 800, gop: 20 },
        sub: { width: 240, height: 180, fps: 5, bitrateKbps: 200, gop: 10 },
      };
      expect((await call(nc, cameraSubjects(cameraId).settings, { settings }, 10_000)).settings).toEqual(
        settings,
      );
      const m = await main.waitForFrames(2, 90_000, () =>
        main.sessions.slice(sessions).find((x) => x.width === 480),
      );
      expect([m.width, m.height]).toEqual([480, 360]);
    });

    step('restarts ffmpeg.exe when it is killed', async () => {
      // The streaming ffmpeg.exe: the agent also runs short ones (its audio device probe every 5 s).
      const streaming = prefix.processes('ffmpeg.exe', 'gdigrab');
      expect(streaming).toHaveLength(1);
      const [pid] = streaming;
      const before = (await status()).restarts;
      const sessions = main.sessions.length;
      process.kill(pid!, 'SIGKILL');
      await waitFor('a restart', async () => (await status()).restarts > before, 60_000, 500);
      await main.waitForFrames(2, 90_000, () => main.sessions.slice(sessions).at(-1));
    });

    step(
      'devices: says that PowerShell listed no monitor (Wine has no System.Windows.Forms), exit code 1',
      async () => {
        const devices = prefix.start([...command, 'devices'], 'devices');
        expect(await devices.exited).toBe(1);
        expect(devices.output()).toContain(
          'no monitor listed: PowerShell ([System.Windows.Forms.Screen]::AllScreens) returned nothing',
        );
      },
    );

    step('stops cleanly on SIGINT: exit code 0, no ffmpeg.exe left', async () => {
      expect(await agent!.interrupt()).toBe(0);
      expect(agent!.output()).toContain('"msg":"stopped"');
      await waitFor('no ffmpeg.exe', () => prefix.processes('ffmpeg.exe').length === 0, 15_000, 200);
    });

    step(
      'another Windows user of the PC: its agent reads the machine credential, no IDENTITY_BOUND',
      async () => {
        // Another profile (its own state dir); the token is used up, so enrolling again would fail.
        const other = 'C:\\users\\second\\AppData\\Local\\desk-onvif';
        await startAgent(['--state-dir', other], 'agent-second-user');
        await waitFor('the second user registered', async () => (await status()).registered, 60_000, 500);
        expect(await status()).toMatchObject({ cameraId, registered: true });
        expect(agent!.output()).not.toContain('IDENTITY_BOUND');
        expect(agent!.output()).not.toContain('"msg":"enrolled"');
        expect(JSON.stringify(await call(nc, Enrolment.list, {}))).toMatch(/"uses":1/);
        expect(
          existsSync(
            join(prefix.dir, 'drive_c', 'users', 'second', 'AppData', 'Local', 'desk-onvif', 'nats'),
          ),
        ).toBe(false);
        expect(await agent!.interrupt()).toBe(0);
      },
    );

    step(
      'NATS down: streams at once with the cached assignment (here a window captured by its title)',
      async () => {
        await nats.stop();
        const notepad = prefix.start(['notepad'], 'notepad');
        try {
          await waitFor(
            'the Notepad window',
            async () => {
              await run('xwininfo', ['-display', xvfb.display, '-name', 'Untitled - Notepad']);
              return true;
            },
            60_000,
            500,
          );
          const sessions = main.sessions.length;
          await startAgent(['--source', 'window:Untitled - Notepad']);
          // Notepad is white where the desktop around it is green.
          await waitFor(
            'white frames at the receiver',
            () => {
              const frame = main.sessions.slice(sessions).at(-1)?.frames.at(-1);
              return frame !== undefined && meanColour(frame).every((c) => c > 200);
            },
            90_000,
            200,
          );
          expect(await status()).toMatchObject({ cameraId, registered: false, natsConnected: false });
          expect(await agent!.interrupt()).toBe(0);
        } finally {
          await notepad.kill();
        }
      },
    );
  },
);
