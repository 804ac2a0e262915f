#!/usr/bin/env node
/**
 * `make dev`: the whole desk-onvif system as native processes on this machine (no Docker), each
 * supervised in a process group of its own; Ctrl-C or SIGTERM stops them all, ffmpeg included.
 * Prints each camera's ONVIF address, RTSP URLs and credentials. Settings: `DEV_*` (dev.config.ts
 * and the README's "Run natively" section). A thin CLI over the harness the end-to-end test uses
 * too (@desk-onvif/system): this file reads the settings, keeps the secrets and prints.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeskSystem, Interrupted } from '@desk-onvif/system';
import { banner } from './dev.banner.js';
import { awaitCameras, formatCameras } from './dev.cameras.js';
import { DevConfigError, loadDevConfig, type DevConfig } from './dev.config.js';
import { consoleView } from './dev.console.js';
import { DevSecrets, type DevCamera } from './dev.secrets.js';
import { devSettings } from './dev.settings.js';
import { devTls, webConsoleBanner } from './dev.webconsole.js';
import { fetchMediamtx, readPin } from './mediamtx.fetch.js';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

async function main(): Promise<number> {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  let config: DevConfig;
  try {
    config = loadDevConfig(process.env, repoRoot);
  } catch (err) {
    if (!(err instanceof DevConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return EXIT_USAGE;
  }
  let mediaProblem: string | undefined;
  if (!config.mediamtxBin) {
    // No binary found: the release pinned in the repository, downloaded and checked once.
    const pin = readPin(join(repoRoot, 'scripts', 'dev', 'mediamtx.pin.json'));
    const fetched = await fetchMediamtx({ pin, stateDir: config.stateDir });
    if ('bin' in fetched) {
      config = { ...config, mediamtxBin: fetched.bin };
      if (fetched.downloaded) say(`dev: MediaMTX ${pin.version} downloaded, SHA-256 checked: ${fetched.bin}`);
    } else mediaProblem = fetched.problem;
  }
  if (!config.natsServerBin) {
    process.stderr.write(
      "make dev: no nats-server on PATH (Debian: apt-get install nats-server; make dev's deps do)\n",
    );
    return EXIT_USAGE;
  }
  mkdirSync(join(config.stateDir, 'logs'), { recursive: true, mode: 0o700 });

  const secrets = new DevSecrets(config.stateDir);
  const cameras = secrets.cameras(config.extraCameras);
  const stop = new AbortController();
  const tls = await devTls(config.stateDir, config.host);
  const system = new DeskSystem(devSettings(config, { usersKey: secrets.usersKey(), cameras, tls }), {
    console: say,
    view: (line) => consoleView(line, config.verbose),
  });
  const missing = system.missingBuilds();
  if (missing.length > 0) {
    process.stderr.write(`make dev: ${missing.join(', ')} missing: run 'make build' (make dev does)\n`);
    return EXIT_USAGE;
  }
  // A second signal a second or more after the first kills at once. Sooner, it is the same request
  // arriving twice (`timeout`, for one, signals the process and then its whole group).
  let firstSignalAt: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (firstSignalAt === undefined) {
        firstSignalAt = Date.now();
        say(`\ndev: ${signal}: stopping everything… (again to kill at once)`);
        stop.abort();
      } else if (Date.now() - firstSignalAt >= 1000) {
        say('dev: killing everything now');
        system.killNow();
        process.exit(130);
      }
    });
  }

  if (!config.mediamtxBin)
    say(
      `WARNING: no MediaMTX: ${mediaProblem ?? 'none found'}.\n` +
        'WARNING: no mediamtx binary (MEDIAMTX_BIN or PATH): running the RTSP relay TEST DOUBLE instead of MediaMTX.\n' +
        '         It serves readers over TCP and UDP (RTP/RTCP on DEV_RTP_PORT/DEV_RTCP_PORT), has no metrics, and\n' +
        '         is for development and tests only. Install MediaMTX 1.20.x and put it on PATH for the real thing.',
    );

  let code = 0;
  try {
    await system.start(stop.signal);
    const labelled = cameras.map((dev) => ({ label: label(dev, config), dev }));
    const views = await awaitCameras(system, labelled, config.readyTimeoutMs, stop.signal);
    say(banner(system.settings));
    say(await webConsoleBanner(system.settings, tls.ca));
    say(formatCameras(views));
    say('Ctrl-C stops everything.');
    await new Promise<void>((resolve) => {
      if (stop.signal.aborted) resolve();
      stop.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } catch (err) {
    if (!(err instanceof Interrupted)) {
      process.stderr.write(`make dev: ${(err as Error).message}\n`);
      code = EXIT_FAILURE;
    }
  }
  await system.stop();
  say('dev: stopped, no process left');
  return code;
}

export function say(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function label(dev: DevCamera, config: DevConfig): string {
  if (dev.name !== 'desktop') return `${dev.name}, test pattern`;
  return config.display ? `desktop on display ${config.display}` : 'test pattern (no $DISPLAY to capture)';
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`make dev: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
