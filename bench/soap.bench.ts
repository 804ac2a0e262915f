/**
 * make bench-soap: GetStreamUri with a fresh UsernameToken digest per request, against 1 camera
 * and against 500 cameras, and the onvif service's memory and start-up with 1,000 cameras.
 * Real nats-server, real port-registry, real onvif service; autocannon in this process.
 * Writes bench/results/soap.json: { rps1, p50Ms1, p99Ms1, rps500, p99Ms500, rssMb1000, listenersUpS1000 }
 * (medians of RUNS runs), plus the details of each run.
 */
import { randomBytes, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { Onvif, Registry, call, type CameraRecord } from '@desk-onvif/contracts';
import { NatsServer, ServiceProcess, waitFor, startRegistry } from '@desk-onvif/test-support';
import { median, writeResult } from './stats.js';

const CAMERAS = 1000;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
// Enough to keep the service busy, few enough that queueing does not hide its latency.
const CONNECTIONS_1 = 16;
const PASSWORD = 'bench-password-1';
const WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const DIGEST =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';

/** GetStreamUri as the npm `onvif` client sends it, with a new nonce and Created each time. */
function getStreamUri(): string {
  const nonce = randomBytes(16);
  const created = new Date().toISOString();
  const digest = createHash('sha1').update(nonce).update(created).update(PASSWORD).digest('base64');
  return (
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><Security s:mustUnderstand="1" xmlns="${WSSE}">` +
    `<UsernameToken><Username>admin</Username><Password Type="${DIGEST}">${digest}</Password>` +
    `<Nonce>${nonce.toString('base64')}</Nonce><Created xmlns="${WSU}">${created}</Created></UsernameToken></Security></s:Header>` +
    `<s:Body><GetStreamUri xmlns="http://www.onvif.org/ver10/media/wsdl"><StreamSetup><Stream xmlns="http://www.onvif.org/ver10/schema">RTP-Unicast</Stream>` +
    `<Transport xmlns="http://www.onvif.org/ver10/schema"><Protocol>RTSP</Protocol></Transport></StreamSetup>` +
    `<ProfileToken>profile_main</ProfileToken></GetStreamUri></s:Body></s:Envelope>`
  );
}

interface Run {
  rps: number;
  /** The onvif process's CPU time per answered request: its capacity whatever else the machine runs. */
  serverCpuUsPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  errorCodes: Record<string, number>;
}

/** utime + stime of a process, in microseconds (proc(5): fields 14 and 15, in clock ticks). */
function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

async function load(pid: number, ports: number[], connections: number): Promise<Run> {
  const cpuBefore = cpuUs(pid);
  const errorCodes: Record<string, number> = {};
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        // autocannon spreads connections over several URLs (run.js: urls[i % urls.length]); its
        // types (@types/autocannon 7) only know one.
        url: ports.map((p) => `http://127.0.0.1:${p}/onvif/media_service`) as unknown as string,
        connections,
        duration: DURATION_S,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
            setupRequest: (req) => ({ ...req, body: getStreamUri() }),
          },
        ],
      },
      (err, res) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)),
    );
    instance.on('reqError', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message;
      errorCodes[code] = (errorCodes[code] ?? 0) + 1;
    });
  });
  return {
    rps: result.requests.average,
    serverCpuUsPerRequest: Math.round((cpuUs(pid) - cpuBefore) / Math.max(1, result.requests.total)),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    errorCodes,
  };
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

async function listenersOpen(svc: ServiceProcess): Promise<number> {
  const m = /^desk_onvif_listeners_open\{[^}]*\} (\d+)/m.exec(await svc.metrics());
  return Number(m?.[1] ?? 0);
}

it('GetStreamUri with a fresh UsernameToken per request; 1,000 cameras', async () => {
  const nats = await NatsServer.start();
  const registry = await startRegistry(nats, {
    REGISTRY_PORT_RANGE: '21000-22999',
    REGISTRY_LOG_LEVEL: 'warn',
  });
  const nc = await nats.connect();
  const onvifEnv = {
    ...nats.serviceEnv('ONVIF_', 'onvif'),
    ONVIF_USERS_KEY: randomBytes(32).toString('base64'),
    ONVIF_LISTEN_HOST: '127.0.0.1',
    ONVIF_PUBLIC_HOST: '127.0.0.1',
    ONVIF_LOG_LEVEL: 'warn',
    ONVIF_BOOTSTRAP_GRACE_MS: '600000',
  };
  let onvif = await ServiceProcess.start('onvif', onvifEnv, 'ONVIF_HTTP_PORT');
  try {
    // 1,000 cameras, each with its Administrator, as their agents would register them.
    const cameras: CameraRecord[] = [];
    for (let i = 0; i < CAMERAS; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, CAMERAS - i) }, async (_, k) => {
          const { camera } = await call(nc, Registry.register, {
            identity: { hostId: `bench-host-${i + k}`, hostName: `bench-${i + k}`, mode: 'shared' },
          });
          await call(
            nc,
            Onvif.bootstrapCredentials,
            { id: camera.id, username: 'admin', password: PASSWORD },
            10_000,
          );
          return camera;
        }),
      );
      cameras.push(...batch);
    }
    // Listeners up: the records exist; a fresh onvif process starts and opens all of them.
    await onvif.stop();
    const started = performance.now();
    onvif = await ServiceProcess.start('onvif', onvifEnv, 'ONVIF_HTTP_PORT');
    const healthyS = (performance.now() - started) / 1000;
    await waitFor('1,000 listeners', async () => (await listenersOpen(onvif)) === CAMERAS, 60_000, 20);
    const listenersUpS1000 = (performance.now() - started) / 1000;
    const rssIdleMb1000 = rssMb(onvif.pid!);
    // A port some other process held was reported and the camera moved: read the current records.
    const { cameras: current } = await call(nc, Registry.list, { limit: 1000 });
    const moved = current.filter((c) => cameras.find((o) => o.id === c.id)?.onvifPort !== c.onvifPort).length;
    const ports = current.map((c) => c.onvifPort);
    // The users were bootstrapped before the restart: wait until the new process has them.
    await waitFor('users loaded', async () => {
      const r = await fetch(`http://127.0.0.1:${ports[0]!}/onvif/media_service`, {
        method: 'POST',
        headers: { 'content-type': 'application/soap+xml' },
        body: getStreamUri(),
      });
      return r.status === 200;
    });

    await load(onvif.pid!, [ports[0]!], 10); // warm-up
    const one: Run[] = [];
    const many: Run[] = [];
    for (let r = 0; r < RUNS; r++) {
      one.push(await load(onvif.pid!, [ports[0]!], CONNECTIONS_1));
      many.push(await load(onvif.pid!, ports.slice(0, 500), 500));
    }
    const rssMb1000 = Math.max(rssIdleMb1000, rssMb(onvif.pid!));
    const result = {
      rps1: Math.round(median(one.map((r) => r.rps))),
      p50Ms1: median(one.map((r) => r.p50Ms)),
      p99Ms1: median(one.map((r) => r.p99Ms)),
      rps500: Math.round(median(many.map((r) => r.rps))),
      p99Ms500: median(many.map((r) => r.p99Ms)),
      rssMb1000: Math.round(rssMb1000 * 10) / 10,
      listenersUpS1000: Math.round(listenersUpS1000 * 1000) / 1000,
      serverCpuUsPerRequest1: median(one.map((r) => r.serverCpuUsPerRequest)),
      loadAverage1m: (await import('node:os')).loadavg()[0],
      details: {
        runs: RUNS,
        durationS: DURATION_S,
        connections1: CONNECTIONS_1,
        connections500: 500,
        rssIdleMb1000: Math.round(rssIdleMb1000 * 10) / 10,
        camerasMovedOffUnusablePorts: moved,
        listenersUpFrom: 'onvif process spawn, 1,000 records already in KV (boot included)',
        healthyAfterS: Math.round(healthyS * 1000) / 1000,
        one,
        many,
        cpus: (await import('node:os')).cpus().length,
        node: process.version,
        at: new Date().toISOString(),
      },
    };
    writeResult('soap', result);
    const failures = [...one, ...many].reduce((n, r) => n + r.non2xx + r.errors, 0);
    if (failures > 0) throw new Error(`${failures} requests failed: the numbers above are not valid`);
  } finally {
    await nc.close();
    await onvif.stop();
    await registry.stop();
    await nats.dispose();
  }
}, 900_000);
