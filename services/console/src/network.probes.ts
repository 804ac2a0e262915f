import { request as httpRequest } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import type { ConsoleConfig } from './config.js';
import type { DoctorProbes } from './doctor.checks.js';

/** What the console asks the network from this server: is our onvif service on a port, does RTSP ask for credentials. */
const PROBE_TIMEOUT_MS = 3000;

export function onvifCheckHost(config: Pick<ConsoleConfig, 'ONVIF_CHECK_HOST' | 'CAMERA_HOST'>): string {
  return config.ONVIF_CHECK_HOST ?? config.CAMERA_HOST ?? '127.0.0.1';
}

/** GET on the device service: our onvif service answers 405 "ONVIF endpoints take SOAP over POST". */
export function probeOnvif(host: string, port: number): Promise<DoctorProbes['onvifPort']> {
  return new Promise((resolve) => {
    const req = httpRequest(
      // agent: false: one connection, closed after the answer (no keep-alive socket left on a port
      // another program holds).
      { host, port, path: '/onvif/device_service', method: 'GET', timeout: PROBE_TIMEOUT_MS, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body = (body + d).slice(0, 2000)));
        res.on('end', () =>
          resolve(
            res.statusCode === 405 && body.includes('ONVIF endpoints take SOAP over POST')
              ? { state: 'onvif', detail: `the onvif service answers on ${host}:${port}` }
              : {
                  state: 'other',
                  detail:
                    `HTTP ${res.statusCode ?? '?'} ${typeof res.headers.server === 'string' ? `from "${res.headers.server}"` : ''}`.trim(),
                },
          ),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in 3 s')));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve(
        err.code === 'ECONNREFUSED'
          ? { state: 'closed', detail: `connection refused on ${host}:${port}` }
          : {
              state: /HPE_|parse/i.test(err.code ?? err.message) ? 'other' : 'closed',
              detail: `${err.code ?? ''} ${err.message}`.trim(),
            },
      ),
    );
    req.end();
  });
}

/** An RTSP DESCRIBE without credentials: the media server must ask for them (401). */
export function probeRtsp(host: string, port: number, path: string): Promise<DoctorProbes['rtsp']> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host, port });
    let data = '';
    const done = (r: DoctorProbes['rtsp']) => {
      s.destroy();
      resolve(r);
    };
    s.setTimeout(PROBE_TIMEOUT_MS, () =>
      done({ state: 'error', detail: `no RTSP answer from ${host}:${port} in 3 s` }),
    );
    s.once('connect', () =>
      s.write(
        `DESCRIBE rtsp://${host}:${port}/${path} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: desk-onvif-doctor\r\n\r\n`,
      ),
    );
    s.on('data', (b: Buffer) => {
      data += b.toString('latin1');
      const status = /^RTSP\/1\.0 (\d{3})/.exec(data);
      if (!status) return;
      const code = Number(status[1]);
      if (code === 401)
        done({
          state: 'auth',
          detail: `the media server on ${host}:${port} asks for the camera credentials (RTSP 401)`,
        });
      else if (code === 200)
        done({
          state: 'open',
          detail: `the media server on ${host}:${port} serves the path without credentials`,
        });
      else done({ state: 'error', detail: `the media server on ${host}:${port} answered RTSP ${code}` });
    });
    s.once('error', (err: NodeJS.ErrnoException) =>
      done({ state: 'closed', detail: `${host}:${port}: ${err.code ?? err.message}` }),
    );
  });
}
