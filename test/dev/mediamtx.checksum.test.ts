import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@desk-onvif/test-support';
import { parseChecksums, pinFromRelease } from '../../scripts/dev/mediamtx.checksum.js';
import { fetchMediamtx, type MediamtxPin } from '../../scripts/dev/mediamtx.fetch.js';

const run = promisify(execFile);
const NAME = 'mediamtx_v1.20.1_linux_amd64.tar.gz';

/**
 * `make pin-mediamtx` against a real HTTP server on loopback laid out as a release: the SHA-256
 * comes from the release's checksums.sha256 and must agree with the archive's own hash; the pin it
 * makes is one `make dev`'s download accepts.
 */
describe('pinFromRelease', () => {
  let dir: string;
  let server: Server;
  let port: number;
  let archive: Buffer;
  /** What the server answers for checksums.sha256; undefined: 404. */
  let checksums: string | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mediamtx-pin-'));
    const src = join(dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'mediamtx'), '#!/bin/sh\necho v1.20.1\n', { mode: 0o755 });
    await run('tar', ['-czf', join(dir, NAME), '-C', src, 'mediamtx']);
    archive = readFileSync(join(dir, NAME));
    port = await freePort();
    server = createServer((req, res) => {
      if (req.url === `/v1.20.1/${NAME}`) return res.end(archive);
      if (req.url === '/v1.20.1/checksums.sha256' && checksums !== undefined) return res.end(checksums);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const sha = () => createHash('sha256').update(archive).digest('hex');
  const unpinned = (url = `http://127.0.0.1:${port}/v1.20.1/${NAME}`): MediamtxPin => ({
    version: '1.20.1',
    archives: { 'linux-x64': { url, sha256: null } },
  });
  const other = 'ab'.repeat(32);

  it('reads both forms of sha256sum lines', () => {
    const list = parseChecksums(
      `${sha().toUpperCase()} *${NAME}\n${other}  mediamtx_v1.20.1_darwin_arm64.tar.gz\nnoise\n`,
    );
    expect(list.get(NAME)).toBe(sha());
    expect(list.get('mediamtx_v1.20.1_darwin_arm64.tar.gz')).toBe(other);
    expect(list.size).toBe(2);
  });

  it("pins the published checksum when the archive's hash agrees, and make dev's download accepts it", async () => {
    checksums = `${other} *mediamtx_v1.20.1_windows_amd64.zip\n${sha()} *${NAME}\n`;
    const pinned = await pinFromRelease(unpinned());
    expect(pinned.archives['linux-x64']).toEqual({
      url: unpinned().archives['linux-x64']!.url,
      sha256: sha(),
    });
    const fetched = await fetchMediamtx({ pin: pinned, stateDir: join(dir, 'state'), platform: 'linux-x64' });
    expect('bin' in fetched && (await run(fetched.bin, [])).stdout).toBe('v1.20.1\n');
  });

  it('refuses when the published checksum is not the archive’s', async () => {
    checksums = `${other} *${NAME}\n`;
    await expect(pinFromRelease(unpinned())).rejects.toThrow(
      `${NAME}: the archive's SHA-256 ${sha()} is not the ${other} that http://127.0.0.1:${port}/v1.20.1/checksums.sha256 publishes: nothing pinned`,
    );
  });

  it('refuses when the checksums file does not list the archive, or is not there', async () => {
    checksums = `${other} *mediamtx_v1.20.1_linux_arm64.tar.gz\n`;
    await expect(pinFromRelease(unpinned())).rejects.toThrow(`checksums.sha256 lists no ${NAME}`);
    checksums = undefined;
    await expect(pinFromRelease(unpinned())).rejects.toThrow(/checksums\.sha256: HTTP 404$/);
  });

  it('offline: says so', async () => {
    const closed = await freePort();
    await expect(
      pinFromRelease(unpinned(`http://127.0.0.1:${closed}/v1.20.1/${NAME}`), 5000),
    ).rejects.toThrow(/\(offline\?\): .*ECONNREFUSED/);
  });
});
