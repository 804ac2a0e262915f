import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReplyBatch } from '../src/reply.batch.js';

/** ReplyBatch over a real loopback HTTP server: what is written, when, and what a bad reply ends. */
describe('ReplyBatch', () => {
  let server: Server;
  let port: number;
  let errors: unknown[];
  let batch: ReplyBatch;
  /** What each request's handler saw right after send(): was anything written in its tick? */
  let sentInTick: boolean[];
  let handler: (req: IncomingMessage, res: ServerResponse) => void;

  beforeEach(async () => {
    errors = [];
    sentInTick = [];
    batch = new ReplyBatch((err) => errors.push(err));
    server = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('each reply goes out whole with its own status, headers and Content-Length, after the tick that sent it', async () => {
    handler = (req, res) => {
      const n = new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? '?';
      batch.send(
        res,
        n === '2' ? 400 : 200,
        { 'Content-Type': 'application/soap+xml' },
        `<answer n="${n}">é</answer>`,
      );
      sentInTick.push(res.headersSent);
    };
    const answers = await Promise.all(
      [1, 2, 3].map(async (n) => {
        const r = await fetch(`http://127.0.0.1:${port}/?n=${n}`);
        return { status: r.status, length: r.headers.get('content-length'), body: await r.text() };
      }),
    );
    // 24 characters, 25 bytes: the length counts the é's two UTF-8 bytes.
    expect(answers).toEqual([
      { status: 200, length: '25', body: '<answer n="1">é</answer>' },
      { status: 400, length: '25', body: '<answer n="2">é</answer>' },
      { status: 200, length: '25', body: '<answer n="3">é</answer>' },
    ]);
    // Nothing was written in the request's own tick: the batch wrote it afterwards.
    expect(sentInTick).toEqual([false, false, false]);
    expect(errors).toEqual([]);
  });

  test('a reply that cannot be written ends its own connection only; a client gone before the turn ends is skipped', async () => {
    handler = (req, res) => {
      if (req.url === '/bad') batch.send(res, 200, { 'X-Bad': 'line\nbreak' }, 'never sent');
      else if (req.url === '/gone') {
        res.destroy();
        batch.send(res, 200, {}, 'nobody reads this');
      } else batch.send(res, 200, { 'Content-Type': 'text/plain' }, 'fine');
    };
    const [bad, gone, good] = await Promise.allSettled([
      fetch(`http://127.0.0.1:${port}/bad`),
      fetch(`http://127.0.0.1:${port}/gone`),
      fetch(`http://127.0.0.1:${port}/good`).then((r) => r.text()),
    ]);
    expect(bad.status).toBe('rejected');
    expect(gone.status).toBe('rejected');
    expect(good).toEqual({ status: 'fulfilled', value: 'fine' });
    // The invalid header was refused by node:http and reported; the destroyed response was not an error.
    expect(errors).toHaveLength(1);
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('ERR_INVALID_CHAR');
  });
});
