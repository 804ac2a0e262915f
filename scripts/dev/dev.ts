#!/usr/bin/env node
/**
 * `make dev`: the whole desk-onvif system as native processes on this machine (no Docker), each
 * supervised in a process group of its own; Ctrl-C or SIGTERM stops them all, ffmpeg included.
 * Prints each camera's ONVIF address, RTSP URLs and credentials. Settings: `DEV_*` (dev.config.ts
 * and the README's "Run natively" section).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DevConfigError, findOnPath, loadDevConfig, type DevConfig } from './dev.config.js';
import { Interrupted } from './dev.readiness.js';
import { DevSecrets } from './dev.secrets.js';
import { formatCameras } from './dev.cameras.js';
import { DevSystem, say } from './dev.system.js';

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
  const missing = [
    'services/port-registry/dist/main.js',
    'services/onvif/dist/main.js',
    'services/discovery/dist/main.js',
    'services/capture-agent/dist/main.js',
    ...(config.mediamtxBin ? [] : ['test/rtsp-relay/dist/cli.js']),
  ].filter((p) => !existsSync(join(repoRoot, p)));
  if (missing.length > 0) {
    process.stderr.write(`make dev: ${missing.join(', ')} missing: run 'make build' (make dev does)\n`);
    return EXIT_USAGE;
  }
  if (!process.env['NATS_SERVER_BIN'] && !findOnPath('nats-server', process.env['PATH'])) {
    process.stderr.write(
      "make dev: no nats-server on PATH (Debian: apt-get install nats-server; make dev's deps do)\n",
    );
    return EXIT_USAGE;
  }
  mkdirSync(join(config.stateDir, 'logs'), { recursive: true, mode: 0o700 });

  const stop = new AbortController();
  const system = new DevSystem(config, stop.signal);
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
  process.on('exit', () => system.killNow()); // last resort, e.g. an uncaught error

  if (!config.mediamtxBin)
    say(
      'WARNING: no mediamtx binary (MEDIAMTX_BIN or PATH): running the RTSP relay TEST DOUBLE instead of MediaMTX.\n' +
        '         It serves readers over TCP and UDP (RTP/RTCP on DEV_RTP_PORT/DEV_RTCP_PORT), has no metrics, and\n' +
        '         is for development and tests only. Install MediaMTX 1.20.x and put it on PATH for the real thing.',
    );

  let code = 0;
  try {
    const cameras = await system.start(new DevSecrets(config.stateDir));
    say(system.banner());
    say(formatCameras(cameras));
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

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`make dev: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
