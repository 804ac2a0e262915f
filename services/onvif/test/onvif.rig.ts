import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry, call, type CameraRecord, Onvif } from '@desk-onvif/contracts';
import { Ns, PasswordType, passwordDigest } from '@desk-onvif/onvif-soap';
import {
  NatsServer,
  captureXml,
  waitFor,
  startOnvif,
  startRegistry,
  type ServiceProcess,
} from '@desk-onvif/test-support';

/**
 * A real nats-server, the real port-registry and the real onvif service as processes, and a NATS
 * connection for the test to play the registry's clients and the camera's agent.
 */
export class OnvifRig {
  private constructor(
    readonly nats: NatsServer,
    readonly registry: ServiceProcess,
    readonly onvif: ServiceProcess,
    readonly nc: NatsConnection,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<OnvifRig> {
    const nats = await NatsServer.start();
    const registry = await startRegistry(nats, {
      REGISTRY_PORT_RANGE: '20000-29999',
      REGISTRY_LOG_LEVEL: 'warn',
    });
    const onvif = await startOnvif(nats, { ONVIF_AGENT_TIMEOUT_MS: '1500', ...env });
    const nc = await nats.connect();
    return new OnvifRig(nats, registry, onvif, nc);
  }

  /**
   * Registers a camera as its agent would, gives it an Administrator, waits for its listener. The
   * registry's range lies below the ephemeral ports, where fewer other processes bind.
   */
  async camera(
    hostId: string,
    admin = { username: 'admin', password: 'admin-password-1' },
  ): Promise<CameraRecord> {
    const { camera } = await call(this.nc, Registry.register, {
      identity: { hostId, hostName: `PC-${hostId}`, mode: 'shared' },
    });
    await waitFor('the camera in the onvif service', async () => {
      await call(this.nc, Onvif.bootstrapCredentials, { id: camera.id, ...admin });
      return true;
    });
    // A port another process holds is reported, and the registry moves the camera: follow it.
    let current = camera;
    await waitFor(`the ONVIF listener of ${hostId}`, async () => {
      current = (await call(this.nc, Registry.get, { id: camera.id })).camera;
      return (await postSoap(current.onvifPort, envelope(op('tds', 'GetSystemDateAndTime')))).status === 200;
    });
    return current;
  }

  async listening(port: number): Promise<void> {
    await waitFor(
      `ONVIF listener on ${port}`,
      async () => (await postSoap(port, envelope(op('tds', 'GetSystemDateAndTime')))).status === 200,
    );
  }

  async dispose(): Promise<void> {
    await this.nc.close();
    await this.onvif.stop();
    await this.registry.stop();
    await this.nats.dispose();
  }
}

const PREFIXES: Record<string, string> = {
  tds: Ns.device,
  trt: Ns.media,
  tr2: Ns.media2,
  timg: Ns.imaging,
  tt: Ns.schema,
};

/** `<p:Name xmlns:p="…">inner</p:Name>` with tt declared too. */
export function op(prefix: 'tds' | 'trt' | 'tr2' | 'timg', name: string, inner = ''): string {
  return `<${prefix}:${name} xmlns:${prefix}="${PREFIXES[prefix]}" xmlns:tt="${Ns.schema}">${inner}</${prefix}:${name}>`;
}

export interface Credentials {
  username: string;
  password: string;
  type?: 'digest' | 'text';
  created?: Date;
  nonce?: Buffer;
}

/** A UsernameToken header (UsernameToken Profile 1.0), fresh nonce unless one is given. */
export function security(c: Credentials): string {
  const created = (c.created ?? new Date()).toISOString();
  const nonce = c.nonce ?? randomBytes(16);
  const password = c.type === 'text' ? c.password : passwordDigest(nonce, created, c.password);
  return (
    `<wsse:Security xmlns:wsse="${Ns.wsse}" xmlns:wsu="${Ns.wsu}"><wsse:UsernameToken>` +
    `<wsse:Username>${c.username}</wsse:Username>` +
    `<wsse:Password Type="${c.type === 'text' ? PasswordType.text : PasswordType.digest}">${password}</wsse:Password>` +
    `<wsse:Nonce>${nonce.toString('base64')}</wsse:Nonce><wsu:Created>${created}</wsu:Created>` +
    `</wsse:UsernameToken></wsse:Security>`
  );
}

export function envelope(body: string, opts: { creds?: Credentials; version?: '1.1' | '1.2' } = {}): string {
  const ns = opts.version === '1.1' ? Ns.soap11 : Ns.soap12;
  const header = opts.creds ? `<s:Header>${security(opts.creds)}</s:Header>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${ns}">${header}<s:Body>${body}</s:Body></s:Envelope>`;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One POST over a fresh connection (node:http: no client-side body or header rewriting). */
export function postSoap(
  port: number,
  body: string | Buffer,
  opts: { contentType?: string; path?: string; headers?: Record<string, string>; from?: string } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: opts.path ?? '/onvif/device_service',
        agent: false,
        ...(opts.from ? { localAddress: opts.from } : {}),
        headers: {
          'Content-Type': opts.contentType ?? 'application/soap+xml; charset=utf-8',
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Keeps a response for the end-of-run validation. The validator reads SOAP 1.2 only, so a SOAP
 * 1.1 response is kept with its envelope namespace swapped (the Body is what the ONVIF schemas
 * judge); a SOAP 1.1 fault (faultcode/faultstring) has no SOAP 1.2 form and is checked by the tests.
 */
export function keep(name: string, body: string): void {
  if (body.includes(Ns.soap12)) captureXml(name, body);
  else if (body.includes(Ns.soap11) && !body.includes('<faultcode>'))
    captureXml(`${name}.soap11`, body.replace(Ns.soap11, Ns.soap12));
}

/** The ONVIF subcodes of a SOAP 1.2 fault, innermost last. */
export function subcodes(body: string): string[] {
  return [...body.matchAll(/<env:Subcode><env:Value>ter:([A-Za-z]+)<\/env:Value>/g)].map((m) => m[1] ?? '');
}

/** The Authorization header a client computes from one of our challenges (RFC 7616 §3.4.1). */
export function digestAuthorization(
  challenges: string | string[] | undefined,
  algorithm: 'MD5' | 'SHA-256',
  method: string,
  uri: string,
  user: string,
  password: string,
  nc = '00000001',
): string {
  const list = Array.isArray(challenges) ? challenges : challenges ? [challenges] : [];
  const challenge = list.find((c) => c.includes(`algorithm=${algorithm}`));
  if (!challenge) throw new Error(`no ${algorithm} challenge in ${JSON.stringify(challenges)}`);
  const field = (k: string) => new RegExp(`${k}="([^"]*)"`).exec(challenge)?.[1] ?? '';
  const realm = field('realm');
  const nonce = field('nonce');
  const cnonce = randomBytes(8).toString('hex');
  const h = (s: string) =>
    createHash(algorithm === 'MD5' ? 'md5' : 'sha256')
      .update(s)
      .digest('hex');
  const response = h(
    `${h(`${user}:${realm}:${password}`)}:${nonce}:${nc}:${cnonce}:auth:${h(`${method}:${uri}`)}`,
  );
  return (
    `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", algorithm=${algorithm}, ` +
    `qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}", opaque="${field('opaque')}"`
  );
}
