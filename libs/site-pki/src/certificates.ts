// @peculiar/x509 resolves its ASN.1 serializers through tsyringe, which needs the Reflect metadata
// polyfill loaded first (the Nest services load it anyway).
import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

/**
 * Pure certificate work for the site PKI: a site CA and server certificates it signs, as PEM.
 * No file is read or written here (site-pki.store.ts does that).
 *
 * RSA-2048 with SHA-256: the one key type every NVR's TLS stack, Go (nats-server, MediaMTX),
 * OpenSSL (ffmpeg) and Node accept; ECDSA would be smaller, but older NVR firmware refuses it.
 */
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALGORITHM = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;

const DAY_MS = 86_400_000;

export interface PemPair {
  /** The certificate, PEM. */
  cert: string;
  /** The PKCS#8 private key, PEM: a secret, never logged. */
  key: string;
}

export interface CaOptions {
  commonName?: string;
  now?: Date;
  validityDays?: number;
}

export interface ServerCertOptions {
  /** Host names and IP addresses the certificate is valid for (subjectAltName). */
  hosts: string[];
  commonName?: string;
  now?: Date;
  validityDays?: number;
}

/** A new site CA: self-signed, may sign server certificates only (path length 0). */
export async function createCa(opts: CaOptions = {}): Promise<PemPair> {
  const now = opts.now ?? new Date();
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${escapeDn(opts.commonName ?? 'desk-onvif site CA')}`,
    notBefore: new Date(now.getTime() - 5 * 60_000),
    notAfter: new Date(now.getTime() + (opts.validityDays ?? 3650) * DAY_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

/** A TLS server certificate for `hosts`, signed by the CA. */
export async function issueServerCert(ca: PemPair, opts: ServerCertOptions): Promise<PemPair> {
  if (opts.hosts.length === 0) throw new Error('a server certificate needs at least one host');
  const now = opts.now ?? new Date();
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key);
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${escapeDn(opts.commonName ?? opts.hosts[0] ?? 'desk-onvif')}`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - 5 * 60_000),
    notAfter: new Date(now.getTime() + (opts.validityDays ?? 825) * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        opts.hosts.map((h) =>
          isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h },
        ),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

/** SHA-256 of the certificate's DER, lower-case hex: what an enrolment token carries to pin the CA. */
export function fingerprintSha256(certPem: string): string {
  return createHash('sha256')
    .update(Buffer.from(new x509.X509Certificate(certPem).rawData))
    .digest('hex');
}

/** The DNS names and IP addresses in the certificate's subjectAltName. */
export function certificateHosts(certPem: string): string[] {
  const san = new x509.X509Certificate(certPem).getExtension(x509.SubjectAlternativeNameExtension);
  return (san?.names.items ?? []).filter((n) => n.type === 'dns' || n.type === 'ip').map((n) => n.value);
}

export function certificateNotAfter(certPem: string): Date {
  return new x509.X509Certificate(certPem).notAfter;
}

/** Whether `certPem` was signed by the CA certificate `caPem`. */
export async function isIssuedBy(certPem: string, caPem: string): Promise<boolean> {
  const cert = new x509.X509Certificate(certPem);
  const ca = new x509.X509Certificate(caPem);
  return cert.issuer === ca.subject && (await cert.verify({ publicKey: ca, signatureOnly: true }));
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const b64 = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  return await webcrypto.subtle.importKey('pkcs8', Buffer.from(b64, 'base64'), ALGORITHM, false, ['sign']);
}

/** 16 random bytes, the top bit cleared: a positive serial as RFC 5280 4.1.2.2 requires. */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

function escapeDn(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}
