/**
 * make bench-security, the edge's part (issue 9): writes its keys into bench/results/security.json
 * (shared with the NATS side's bench through `updateResult`):
 * - `soapRpsTls`, `soapRpsPlain`, `tlsToPlainRatio`: GetStreamUri with a fresh UsernameToken per
 *   request over HTTPS and over HTTP on the same camera port (keep-alive connections, as NVRs
 *   poll), medians of RUNS alternating runs; target HTTPS ≥ 70 % of plain;
 * - `guessesPerMinuteAfterLockout`: one address guessing a camera's password as fast as it is
 *   answered, with the default throttle: the guesses whose password was looked at (not refused as
 *   locked out) in the minute after its first lockout; target ≤ 10.
 * Real nats-server, port-registry and onvif service (TLS from a site PKI made for the run).
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { Onvif, Registry, call } from '@desk-onvif/contracts';
import { NatsServer, startOnvif, startRegistry, testSitePki, waitFor } from '@desk-onvif/test-support';
import { envelope, op, postSoap, subcodes } from '../services/onvif/test/onvif.rig.js';
import { PASSWORD, getStreamUri } from './soap.load.js';
import { median, round, updateResult } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 6);
const CONNECTIONS = 16;
const GUESS_WINDOW_MS = 60_000;

async function load(url: string): Promise<{ rps: number; non2xx: number; errors: number }> {
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
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
  });
  return { rps: result.requests.average, non2xx: result.non2xx, errors: result.errors };
}

it('SOAP over HTTPS vs HTTP; password guesses after a lockout', async () => {
  const pki = await testSitePki();
  const nats = await NatsServer.start();
  const registry = await startRegistry(nats, {
    REGISTRY_PORT_RANGE: '20000-29999',
    REGISTRY_LOG_LEVEL: 'warn',
  });
  const onvif = await startOnvif(nats, {
    ONVIF_TLS_CERT: pki.serverCert,
    ONVIF_TLS_KEY: pki.serverKey,
    // The nonce cache must hold every UsernameToken of the load runs (as in bench-soap).
    ONVIF_NONCE_CACHE_SIZE: '2000000',
  });
  const nc = await nats.connect();
  try {
    const { camera } = await call(nc, Registry.register, {
      identity: { hostId: 'bench-security', hostName: 'PC-bench', mode: 'shared' },
    });
    await waitFor('the camera', async () => {
      await call(nc, Onvif.bootstrapCredentials, { id: camera.id, username: 'admin', password: PASSWORD });
      return (await postSoap(camera.onvifPort, envelope(op('tds', 'GetSystemDateAndTime')))).status === 200;
    });

    // autocannon does not verify the certificate: the handshake and the encryption are what cost.
    const runs: Array<{ plain: number; tls: number }> = [];
    for (let i = 0; i < RUNS; i++) {
      const plain = await load(`http://127.0.0.1:${camera.onvifPort}/onvif/media_service`);
      const tls = await load(`https://127.0.0.1:${camera.onvifPort}/onvif/media_service`);
      expect(plain.non2xx + plain.errors + tls.non2xx + tls.errors).toBe(0);
      runs.push({ plain: round(plain.rps, 0), tls: round(tls.rps, 0) });
    }

    // One address guessing: sequential, as fast as it is answered (delays included).
    const wrong = (n: number) =>
      postSoap(
        camera.onvifPort,
        envelope(op('trt', 'GetProfiles'), { creds: { username: 'admin', password: `guess-${n}-wrong` } }),
        { from: '127.0.0.77' },
      );
    let n = 0;
    let lockedAt = 0;
    while (lockedAt === 0 && n < 100) {
      const reply = await wrong(n++);
      if (reply.body.includes('locked out')) lockedAt = Date.now();
    }
    const guessesBeforeLockout = n - 1;
    let looked = 0;
    let refused = 0;
    while (Date.now() - lockedAt < GUESS_WINDOW_MS) {
      const reply = await wrong(n++);
      expect(subcodes(reply.body)).toEqual(['NotAuthorized']);
      if (reply.body.includes('locked out')) refused++;
      else looked++;
      await new Promise((r) => setTimeout(r, 50));
    }

    const soapRpsPlain = median(runs.map((r) => r.plain));
    const soapRpsTls = median(runs.map((r) => r.tls));
    updateResult('security', {
      soapRpsPlain,
      soapRpsTls,
      tlsToPlainRatio: round(soapRpsTls / soapRpsPlain, 2),
      guessesPerMinuteAfterLockout: looked,
      edge: {
        soapRuns: runs,
        soapNote: `GetStreamUri, fresh UsernameToken each, ${CONNECTIONS} keep-alive connections, ${DURATION_S} s per run, plain and TLS alternating on one camera port`,
        guessesBeforeLockout,
        guessesRefusedWhileLocked: refused,
        guessNote:
          'default throttle (5 free, delays from 250 ms, lockout at 10 for 60 s, doubling); one address, sequential guesses every 50 ms after the answer',
        loadAverage1m: round(loadavg()[0] ?? 0, 2),
        at: new Date().toISOString(),
      },
    });
    expect(looked).toBeLessThanOrEqual(10);
  } finally {
    await nc.close();
    await onvif.stop();
    await registry.stop();
    await nats.dispose();
    rmSync(pki.dir, { recursive: true, force: true });
  }
}, 600_000);
