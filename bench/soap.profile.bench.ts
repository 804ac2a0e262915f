/**
 * By hand (make profile-soap): the onvif service, one worker, one camera, under GetStreamUri with a
 * fresh UsernameToken for PROFILE_S seconds, profiled (bench/soap.profile.preload.mjs); the profile goes to
 * PROFILE_DIR (default $TMPDIR/desk-onvif-profile) and the top self-time frames are printed.
 * PROFILE_PREFILL=300000: that many authenticated requests between a first run and the profiled
 * one (the replay cache full of a window's nonces), both runs' CPU per request printed.
 */
import { readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { Onvif, Registry, call } from '@desk-onvif/contracts';
import { NatsServer, startOnvif, startRegistry, waitFor } from '@desk-onvif/test-support';
import { topFrames } from './cpu.profile.js';
import { HOSTILE, PASSWORD, getStreamUri, load, treeCpuUs, treeRssMb } from './soap.load.js';

const DIR = resolve(process.env.PROFILE_DIR ?? join(tmpdir(), 'desk-onvif-profile'));
const SECONDS = Number(process.env.PROFILE_S ?? 10);
/** 'stream-uri' (default) or 'flood': the hostile request on one camera, GetStreamUri on another. */
const WORKLOAD = process.env.PROFILE_WORKLOAD ?? 'stream-uri';
/** PROFILE_OFF=1: the same load without the profiler, for the CPU figures. */
const PROFILING = process.env.PROFILE_OFF !== '1';
/** Cameras registered (each with its listener): PROFILE_CAMERAS=1000 for the memory figures. */
const CAMERAS = Math.max(2, Number(process.env.PROFILE_CAMERAS ?? 2));
const CONNECTIONS = Number(process.env.PROFILE_CONNECTIONS ?? 16);
const PREFILL = Number(process.env.PROFILE_PREFILL ?? 0);

it('profile GetStreamUri on one worker', async () => {
  let pid = 0;
  mkdirSync(DIR, { recursive: true });
  const nats = await NatsServer.start();
  const registry = await startRegistry(nats, {
    REGISTRY_PORT_RANGE: '23000-23999',
    REGISTRY_LOG_LEVEL: 'warn',
  });
  const nc = await nats.connect();
  const onvif = await startOnvif(nats, {
    ONVIF_BOOTSTRAP_GRACE_MS: '600000',
    ONVIF_WORKERS: '1',
    PROFILE_DIR: DIR,
    // PROFILE_NODE_FLAGS: V8 flags to try (NODE_OPTIONS accepts them, not --cpu-prof).
    NODE_OPTIONS: [
      PROFILING ? `--import ${resolve('bench/soap.profile.preload.mjs')}` : '',
      process.env.PROFILE_NODE_FLAGS ?? '',
    ].join(' '),
  });
  try {
    const urls: string[] = [];
    for (let i = 2; i < CAMERAS; i += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, CAMERAS - i) }, async (_, k) => {
          const { camera } = await call(nc, Registry.register, {
            identity: { hostId: `profile-${i + k}`, hostName: `profile-${i + k}`, mode: 'shared' },
          });
          await call(
            nc,
            Onvif.bootstrapCredentials,
            { id: camera.id, username: 'admin', password: PASSWORD },
            10_000,
          );
        }),
      );
    }
    for (const name of ['profile-a', 'profile-b']) {
      const { camera } = await call(nc, Registry.register, {
        identity: { hostId: `${name}-host`, hostName: name, mode: 'shared' },
      });
      await call(
        nc,
        Onvif.bootstrapCredentials,
        { id: camera.id, username: 'admin', password: PASSWORD },
        10_000,
      );
      const url = `http://127.0.0.1:${camera.onvifPort}/onvif/media_service`;
      await waitFor('answers', async () => {
        const r = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/soap+xml' },
          body: getStreamUri(),
        });
        return r.status === 200;
      });
      urls.push(url);
    }
    await load({ pid: onvif.pid!, urls: [urls[0]!], connections: 16, durationS: 2, body: getStreamUri });
    if (WORKLOAD === 'flood') {
      const before = treeCpuUs(onvif.pid!);
      const [flood, victim] = await Promise.all([
        load({
          pid: onvif.pid!,
          urls: [urls[0]!],
          connections: 8,
          durationS: SECONDS,
          fixedBody: HOSTILE,
          // PROFILE_FLOOD_SAME_LOOP=1: the flood fired from the event loop that times the victim.
          thread: process.env.PROFILE_FLOOD_SAME_LOOP !== '1',
        }),
        load({ pid: onvif.pid!, urls: [urls[1]!], connections: 1, durationS: SECONDS, body: getStreamUri }),
      ]);
      const cpu = treeCpuUs(onvif.pid!) - before;
      console.log(
        JSON.stringify({
          flood,
          victim,
          serverCpuUsAll: Math.round(cpu / (flood.requests + victim.requests)),
        }),
      );
    } else {
      if (PREFILL > 0) {
        const first = await load({
          pid: onvif.pid!,
          urls: [urls[0]!],
          connections: CONNECTIONS,
          durationS: SECONDS,
          body: getStreamUri,
        });
        console.log(JSON.stringify({ beforePrefill: first }));
        const prefill = await load({
          pid: onvif.pid!,
          urls: [urls[0]!],
          connections: CONNECTIONS,
          amount: PREFILL,
          body: getStreamUri,
        });
        const held = /^desk_onvif_nonce_cache_entries\{[^}]*\} (\d+)/m.exec(await onvif.metrics())?.[1];
        console.log(JSON.stringify({ prefill, nonceCacheEntries: Number(held) }));
      }
      const run = await load({
        pid: onvif.pid!,
        urls: [urls[0]!],
        connections: CONNECTIONS,
        durationS: SECONDS,
        body: getStreamUri,
      });
      console.log(JSON.stringify(run));
    }
    pid = onvif.pid!;
    console.log(`RSS ${Math.round(treeRssMb(pid))} MB with ${CAMERAS} cameras`);
    if (PROFILING) {
      process.kill(pid, 'SIGUSR2');
      await waitFor('the profile', () => readdirSync(DIR).some((f) => f === `onvif-${pid}.cpuprofile`));
      console.log(readFileSync(join(DIR, `onvif-${pid}.memory.json`), 'utf8').slice(0, 200));
    }
  } finally {
    await nc.close();
    await onvif.stop();
    await registry.stop();
    await nats.dispose();
  }
  if (PROFILING) {
    const file = join(DIR, `onvif-${pid}.cpuprofile`);
    console.log(`${file}\n${topFrames(file, 40).join('\n')}`);
  }
}, 300_000);
