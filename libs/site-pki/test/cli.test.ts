import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import { fileURLToPath } from 'node:url';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

describe('desk-onvif-site-pki (built CLI)', () => {
  let dir: string;
  let server: Server | undefined;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'site-pki-cli-'))));
  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints paths and the fingerprint, never a key; a TLS client pinned to the CA accepts the server', async () => {
    const run = spawnSync(process.execPath, [CLI, '--dir', dir, '--host', 'lab.example,127.0.0.1'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).not.toMatch(/PRIVATE KEY|BEGIN/);
    const out = JSON.parse(run.stdout) as {
      caFingerprint: string;
      caCert: string;
      serverCert: string;
      serverKey: string;
    };
    expect(out.caFingerprint).toMatch(/^[0-9a-f]{64}$/);

    server = createServer({ cert: readFileSync(out.serverCert), key: readFileSync(out.serverKey) }, (s) =>
      s.end('hello'),
    );
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const greeting = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, ca: readFileSync(out.caCert) }, () => {
        s.once('data', (d: Buffer) => resolve(d.toString()));
      });
      s.on('error', reject);
    });
    expect(greeting).toBe('hello');

    // Another CA's client refuses it: the pin means something.
    const other = mkdtempSync(join(tmpdir(), 'site-pki-other-'));
    try {
      spawnSync(process.execPath, [CLI, '--dir', other], { encoding: 'utf8' });
      await expect(
        new Promise((resolve, reject) => {
          const s = connect({ host: '127.0.0.1', port, ca: readFileSync(join(other, 'ca.crt')) }, () =>
            resolve(s),
          );
          s.on('error', reject);
        }),
      ).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('exits 2 without --dir', () => {
    const run = spawnSync(process.execPath, [CLI], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--dir is required/);
  });
});
