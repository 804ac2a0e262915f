import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chmodSync } from 'node:fs';
import { REPO_ROOT, freePort, run, spawnTracked, startMediaServer, waitFor } from '@desk-onvif/test-support';
import { RawRtsp } from './raw.rtsp.js';

/** `rtsp-relay`, the double as a process (what `make dev` runs when no MediaMTX is found). */
const CLI = join(REPO_ROOT, 'test', 'rtsp-relay', 'dist', 'cli.js');
let dir: string;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'make build' first`);
  dir = mkdtempSync(join(tmpdir(), 'desk-onvif-relay-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("serves the project's mediamtx.yml paths with a loud warning, and stops on SIGTERM", async () => {
  const [rtsp, api] = [await freePort(), await freePort()];
  const proc = spawnTracked(process.execPath, [
    CLI,
    ...['--config', join(REPO_ROOT, 'mediamtx.yml'), '--rtsp-port', String(rtsp), '--api-port', String(api)],
    ...['--auth-url', `http://127.0.0.1:${await freePort()}/mediamtx/auth`],
  ]);
  await waitFor('the relay listening', () => Promise.resolve(proc.output().includes('"msg":"listening"')));
  expect(proc.output()).toMatch(/TEST DOUBLE, not MediaMTX/);
  const c = await RawRtsp.open(rtsp);
  const res = await c.send(`DESCRIBE rtsp://127.0.0.1:${rtsp}/live RTSP/1.0\r\nCSeq: 1\r\n\r\n`);
  expect(res.status).toBe(400); // not a camera path of mediamtx.yml
  c.close();
  proc.child.kill('SIGTERM');
  expect(await proc.exited).toBe(0);
});

it.each([
  ['an unknown flag', ['--bogus'], /Unknown option '--bogus'/],
  ['a bad port', ['--rtsp-port', '99999'], /--rtsp-port: not a port/],
  ['a missing config', ['--config', '/nonexistent/mediamtx.yml'], /cannot read \/nonexistent\/mediamtx.yml/],
  ['a config without paths', ['--config', 'NOPATHS'], /no 'paths' entries/],
  ['a bad path regex', ['--config', 'BADREGEX'], /is not a valid regular expression/],
])('exits 2 with a clear message on %s', async (_name, args, message) => {
  writeFileSync(join(dir, 'NOPATHS'), 'rtspAddress: :8554\n');
  writeFileSync(join(dir, 'BADREGEX'), 'paths:\n  "~^desk/(": {}\n');
  const res = await run(
    process.execPath,
    [CLI, ...args.map((a) => (a === 'NOPATHS' || a === 'BADREGEX' ? join(dir, a) : a))],
    10_000,
  );
  expect(res.code).toBe(2);
  expect(res.stdout.toString() + res.stderr).toMatch(message);
});

it('stands in for a mediamtx binary: startMediaServer runs MEDIAMTX_BIN with a generated config', async () => {
  // The relay reads MediaMTX's config format, so a wrapper named as the binary exercises the
  // binary backend (config written, process started, readiness awaited, stopped) end to end.
  const bin = join(dir, 'mediamtx');
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" --config "$1"\n`);
  chmodSync(bin, 0o755);
  const saved = process.env.MEDIAMTX_BIN;
  process.env.MEDIAMTX_BIN = bin;
  try {
    const media = await startMediaServer({ authHookUrl: `http://127.0.0.1:${await freePort()}/auth` });
    try {
      expect(media.kind).toBe('mediamtx-binary');
      const c = await RawRtsp.open(media.rtspPort);
      expect((await c.send(`OPTIONS ${media.rtspUrl('x')} RTSP/1.0\r\nCSeq: 1\r\n\r\n`)).status).toBe(200);
      c.close();
      expect((await fetch(`${media.apiUrl}/v3/paths/list`)).status).toBe(401); // the hook is down
    } finally {
      await media.stop();
    }
  } finally {
    if (saved === undefined) delete process.env.MEDIAMTX_BIN;
    else process.env.MEDIAMTX_BIN = saved;
  }
});
