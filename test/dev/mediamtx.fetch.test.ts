import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@desk-onvif/test-support';
import {
  type FetchResult,
  fetchMediamtx,
  type MediamtxPin,
  readPin,
} from '../../scripts/dev/mediamtx.fetch.js';

const problemOf = (r: FetchResult) => ('problem' in r ? r.problem : `no problem: ${JSON.stringify(r)}`);

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');

/**
 * make dev's MediaMTX download against a real HTTP server on loopback, with a real tar.gz whose
 * `mediamtx` is a script that leaves a mark when it runs: the good archive is unpacked and runs,
 * a wrong checksum is refused with nothing unpacked or run, an unreachable server is "offline".
 */
describe('fetchMediamtx', () => {
  let dir: string;
  let server: Server;
  let port: number;
  let archive: Buffer;
  let requests = 0;
  const marker = () => join(dir, 'ran');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mediamtx-fetch-'));
    const src = join(dir, 'src');
    await run('mkdir', [src]);
    writeFileSync(join(src, 'mediamtx'), `#!/bin/sh\ntouch '${marker()}'\necho v1.20.1\n`);
    chmodSync(join(src, 'mediamtx'), 0o644); // the fetcher makes it executable
    writeFileSync(join(src, 'LICENSE'), 'MIT\n');
    await run('tar', ['-czf', join(dir, 'mediamtx.tar.gz'), '-C', src, 'mediamtx', 'LICENSE']);
    archive = readFileSync(join(dir, 'mediamtx.tar.gz'));
    port = await freePort();
    server = createServer((_req, res) => {
      requests += 1;
      res.end(archive);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const pin = (sha256: string | null, url = `http://127.0.0.1:${port}/mediamtx_v1.20.1_linux_amd64.tar.gz`) =>
    ({ version: '1.20.1', archives: { 'linux-x64': { url, sha256 } } }) satisfies MediamtxPin;
  const stateDir = (name: string) => join(dir, name);
  const sha = () => createHash('sha256').update(archive).digest('hex');

  it('a wrong checksum: refused, nothing unpacked, nothing run', async () => {
    const result = await fetchMediamtx({
      pin: pin('0'.repeat(64)),
      stateDir: stateDir('bad'),
      platform: 'linux-x64',
    });
    expect(problemOf(result)).toContain(`SHA-256 ${sha()} is not the pinned ${'0'.repeat(64)}`);
    expect(existsSync(join(stateDir('bad'), 'mediamtx', '1.20.1'))).toBe(false);
    expect(existsSync(marker())).toBe(false);
  });

  it('the good archive: checked, unpacked into the state directory, runs; the next start uses it without a download', async () => {
    const before = requests;
    const result = await fetchMediamtx({
      pin: pin(sha()),
      stateDir: stateDir('good'),
      platform: 'linux-x64',
    });
    const bin = join(stateDir('good'), 'mediamtx', '1.20.1', 'mediamtx');
    expect(result).toEqual({ bin, downloaded: true });
    expect(readdirSync(join(stateDir('good'), 'mediamtx'))).toEqual(['1.20.1']); // no unpacking leftovers
    expect((await run(bin, ['--version'])).stdout).toBe('v1.20.1\n');
    expect(existsSync(marker())).toBe(true);
    expect(
      await fetchMediamtx({ pin: pin(sha()), stateDir: stateDir('good'), platform: 'linux-x64' }),
    ).toEqual({
      bin,
      downloaded: false,
    });
    expect(requests).toBe(before + 1);
  });

  it('offline (nothing answers): says so', async () => {
    const closed = await freePort();
    const result = await fetchMediamtx({
      pin: pin(sha(), `http://127.0.0.1:${closed}/mediamtx.tar.gz`),
      stateDir: stateDir('offline'),
      platform: 'linux-x64',
    });
    expect(problemOf(result)).toMatch(/^cannot download .* \(offline\?\): .*ECONNREFUSED/);
  });

  it('no checksum pinned, or no archive for the platform: nothing is downloaded', async () => {
    const before = requests;
    const unpinned = await fetchMediamtx({
      pin: pin(null),
      stateDir: stateDir('none'),
      platform: 'linux-x64',
    });
    expect(problemOf(unpinned)).toContain('no SHA-256 is pinned');
    expect(
      await fetchMediamtx({ pin: pin(sha()), stateDir: stateDir('none'), platform: 'darwin-arm64' }),
    ).toEqual({
      problem: 'no MediaMTX 1.20.1 archive is pinned for darwin-arm64',
    });
    expect(requests).toBe(before);
  });

  it("the repository's pin is the release docker-compose.yml runs", () => {
    const repoPin = readPin(join(REPO, 'scripts', 'dev', 'mediamtx.pin.json'));
    const compose = readFileSync(join(REPO, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(`bluenviron/mediamtx:${repoPin.version}`);
    expect(repoPin.archives['linux-x64']?.url).toBe(
      `https://github.com/bluenviron/mediamtx/releases/download/v${repoPin.version}/mediamtx_v${repoPin.version}_linux_amd64.tar.gz`,
    );
  });
});
