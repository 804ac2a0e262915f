/**
 * What bench/soap.bench.ts sends and measures: GetStreamUri with a fresh UsernameToken, the hostile
 * request of issue 14, autocannon runs, the CPU and memory of a process and its children (the
 * onvif primary and its workers), and the bare node:http server that is the ceiling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export const PASSWORD = 'bench-password-1';
const WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const DIGEST =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';

/** GetStreamUri as the npm `onvif` client sends it, with a new nonce and Created each time. */
export function getStreamUri(): string {
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

/** Issue 14's request: 256 KB, 65,000 empty header elements, no credentials. */
export const HOSTILE =
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${'<a/>'.repeat(65_000)}</s:Header>` +
  `<s:Body><GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>`;

export interface Run {
  rps: number;
  /** CPU time of the server (all its processes) per answered request: load-insensitive capacity. */
  serverCpuUsPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  errorCodes: Record<string, number>;
}

export interface Load {
  /** The server's pid: its CPU, with its children's, is read from /proc. */
  pid: number;
  urls: string[];
  connections: number;
  durationS?: number;
  /** A fixed number of requests instead of a duration. */
  amount?: number;
  body?: () => string;
  fixedBody?: string;
  /**
   * Fire from a worker thread of its own (autocannon `workers`; a fixed body only): a flood then
   * does not hold up the event loop that times another run's requests, as an attacker on another
   * machine would not.
   */
  thread?: boolean;
}

export async function load(l: Load): Promise<Run> {
  const cpuBefore = treeCpuUs(l.pid);
  const errorCodes: Record<string, number> = {};
  const make = l.body;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        // autocannon spreads connections over several URLs (run.js: urls[i % urls.length]); its
        // types (@types/autocannon 7) only know one.
        url: l.urls as unknown as string,
        connections: l.connections,
        ...(l.thread ? { workers: 1 } : {}),
        ...(l.amount ? { amount: l.amount } : { duration: l.durationS ?? 8 }),
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
            ...(l.fixedBody !== undefined ? { body: l.fixedBody } : {}),
            ...(make ? { setupRequest: (req: autocannon.Request) => ({ ...req, body: make() }) } : {}),
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
    serverCpuUsPerRequest: Math.round((treeCpuUs(l.pid) - cpuBefore) / Math.max(1, result.requests.total)),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    errorCodes,
  };
}

/** A process and its children (the onvif primary and its workers). */
export function processTree(pid: number): number[] {
  const children = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
  return [pid, ...children];
}

/** utime + stime, in microseconds (proc(5): fields 14 and 15, in clock ticks), of the tree. */
export function treeCpuUs(pid: number): number {
  let us = 0;
  for (const p of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      us += ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
    } catch {
      // gone meanwhile
    }
  }
  return us;
}

export function treeRssMb(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return kb / 1024;
}

/**
 * The ceiling: a bare node:http server, in a process of its own as the service is, that reads the
 * body and answers a canned reply of `replyBytes` with the SOAP content type.
 */
export async function startCeiling(replyBytes: number): Promise<{ port: number; pid: number; stop(): void }> {
  const code = `
    const http = require('node:http');
    const reply = Buffer.alloc(${replyBytes}, 'x');
    const server = http.createServer({ keepAliveTimeout: 30000 }, (req, res) => {
      req.on('data', () => {});
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/soap+xml; charset=utf-8', 'Content-Length': reply.length });
        res.end(reply);
      });
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
  `;
  const child: ChildProcess = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (c) => reject(new Error(`the ceiling server exited (${c})`)));
  });
  return { port, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}
