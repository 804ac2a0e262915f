import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, fingerprintSha256, isIssuedBy, issueServerCert } from './certificates.js';
import { ensureSitePki, sitePkiFiles } from './site-pki.store.js';

describe('site PKI', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'site-pki-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('issues a server certificate for the hosts that Node verifies against the CA', async () => {
    const ca = await createCa();
    const server = await issueServerCert(ca, { hosts: ['nats.lab', '192.0.2.7'] });
    const cert = new X509Certificate(server.cert);
    expect(cert.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    expect(cert.checkHost('nats.lab')).toBe('nats.lab');
    expect(cert.checkIP('192.0.2.7')).toBe('192.0.2.7');
    expect(cert.checkHost('other.lab')).toBeUndefined();
    expect(new X509Certificate(ca.cert).ca).toBe(true);
    expect(await isIssuedBy(server.cert, ca.cert)).toBe(true);
    expect(await isIssuedBy(server.cert, (await createCa()).cert)).toBe(false);
  });

  it('fingerprints the CA as the SHA-256 of its DER', async () => {
    const ca = await createCa();
    const viaNode = new X509Certificate(ca.cert).fingerprint256.replaceAll(':', '').toLowerCase();
    expect(fingerprintSha256(ca.cert)).toBe(viaNode);
  });

  it('generates once, keys 0600, and keeps everything on the next run', async () => {
    const first = await ensureSitePki(dir, { hosts: ['10.1.2.3'] });
    expect(first.generated).toEqual(['ca', 'server']);
    expect(first.serverHosts).toEqual(expect.arrayContaining(['10.1.2.3', 'localhost', '127.0.0.1', '::1']));
    for (const key of [first.caKey, first.serverKey]) expect(statSync(key).mode & 0o777).toBe(0o600);
    const before = readFileSync(first.caCert, 'utf8') + readFileSync(first.serverKey, 'utf8');
    const again = await ensureSitePki(dir, { hosts: ['10.1.2.3'] });
    expect(again.generated).toEqual([]);
    expect(readFileSync(first.caCert, 'utf8') + readFileSync(first.serverKey, 'utf8')).toBe(before);
    expect(again.caFingerprint).toBe(first.caFingerprint);
  });

  it('re-issues its own server certificate for a new host, under the same CA', async () => {
    const first = await ensureSitePki(dir, { hosts: ['10.1.2.3'] });
    const second = await ensureSitePki(dir, { hosts: ['lab-server'] });
    expect(second.generated).toEqual(['server']);
    expect(second.caFingerprint).toBe(first.caFingerprint);
    expect(second.serverHosts).toEqual(expect.arrayContaining(['10.1.2.3', 'lab-server']));
  });

  it("keeps a user's own server certificate and says what it misses", async () => {
    const files = sitePkiFiles(dir);
    const own = await createCa({ commonName: 'corporate CA' });
    const server = await issueServerCert(own, { hosts: ['cams.corp'] });
    writeFileSync(files.caCert, own.cert);
    writeFileSync(files.serverCert, server.cert);
    writeFileSync(files.serverKey, server.key, { mode: 0o600 });
    const pki = await ensureSitePki(dir, { hosts: ['10.9.9.9'] });
    expect(pki.generated).toEqual([]);
    expect(readFileSync(files.serverCert, 'utf8')).toBe(server.cert);
    expect(pki.caFingerprint).toBe(fingerprintSha256(own.cert));
    expect(pki.warnings.join()).toMatch(/does not cover 10\.9\.9\.9/);
  });

  it('refuses to issue without the CA key', async () => {
    const own = await createCa();
    writeFileSync(sitePkiFiles(dir).caCert, own.cert);
    await expect(ensureSitePki(dir, { hosts: [] })).rejects.toMatchObject({ code: 'SITE_PKI_INVALID' });
  });
});
