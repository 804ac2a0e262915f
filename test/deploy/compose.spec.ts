import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { CONSOLE_NODE_FLAGS } from '@desk-onvif/system';
import { MEDIAMTX_IMAGE, REPO_ROOT } from '@desk-onvif/test-support';
import { registryConfigShape } from '../../services/port-registry/src/config.js';

/**
 * docker-compose.yml is valid Compose (checked against the Compose Specification's JSON Schema,
 * no Docker engine needed) and agrees with mediamtx.yml, prometheus.yml and the services' config.
 */
const SCHEMA = join(REPO_ROOT, '..', 'shared', 'reference', 'compose-spec', 'compose-spec.json');
const haveSchema = existsSync(SCHEMA);
if (!haveSchema) console.warn(`skipping the Compose schema check: ${SCHEMA} is absent`);

const read = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');
type Service = {
  image?: string;
  command?: string[];
  profiles?: string[];
  user?: string;
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  network_mode?: string;
  restart?: string;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
};
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const prometheus = parse(read('prometheus.yml')) as {
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
};
const mediamtx = parse(read('mediamtx.yml')) as Record<string, string>;

function composeValidator() {
  const schema = JSON.parse(readFileSync(SCHEMA, 'utf8')) as Record<string, unknown>;
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const format of ['duration', 'expose', 'ports', 'subnet_ip_address']) ajv.addFormat(format, true);
  const validate = ajv.compile(schema);
  return (doc: unknown) =>
    validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

(haveSchema ? describe : describe.skip)('docker-compose.yml against the Compose Specification', () => {
  it('is valid', () => {
    // Parsed with YAML merge keys (`<<: *node-service`) resolved, as Compose loads it.
    expect(composeValidator()(compose)).toEqual([]);
  });

  it('catches a broken file (the check itself can fail)', () => {
    const broken = structuredClone<{ services: Record<string, Record<string, unknown>> }>(compose);
    broken.services.mediamtx!.healthcheck = { test: ['CMD-SHELL', { 'printf CSeq': 1 }] };
    broken.services.nats!.restart_policy = 'always';
    expect(composeValidator()(broken).length).toBeGreaterThan(0);
  });
});

const httpPorts: Record<string, [string, string]> = {
  'port-registry': ['REGISTRY_', 'REGISTRY_HTTP_PORT'],
  onvif: ['ONVIF_', 'ONVIF_HTTP_PORT'],
  discovery: ['DISCOVERY_', 'DISCOVERY_HTTP_PORT'],
  // Its health and metrics are on its HTTPS port.
  console: ['CONSOLE_', 'CONSOLE_PORT'],
};

function scrapeTarget(job: string): string | undefined {
  return prometheus.scrape_configs.find((c) => c.job_name === job)?.static_configs[0]?.targets[0];
}

describe('the deployment', () => {
  it('has every part, each long-running one restarting on failure and with a healthcheck', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'cli',
        'console',
        'discovery',
        'mediamtx',
        'nats',
        'onvif',
        'port-registry',
        'prometheus',
        'trust-init',
      ].sort(),
    );
    // One-shots: trust-init before nats; the admin CLI only when run (a profile `up` skips).
    expect(services['trust-init']!.restart).toBe('no');
    expect(services.nats!.depends_on).toEqual({
      'trust-init': { condition: 'service_completed_successfully' },
    });
    expect(services.cli!.profiles).toEqual(['tools']);
    for (const [name, svc] of Object.entries(services)) {
      if (name === 'trust-init' || name === 'cli') continue;
      expect({ name, restart: svc.restart }).toEqual({ name, restart: 'unless-stopped' });
      expect({ name, health: Array.isArray(svc.healthcheck?.test) }).toEqual({ name, health: true });
    }
  });

  it('pins every image to a version', () => {
    for (const svc of Object.values(services))
      if (svc.image && !svc.image.startsWith('desk-onvif:'))
        expect(svc.image).toMatch(/^[\w./-]+:v?\d+\.\d+\.\d+[\w.-]*$/);
    // Tests run the same MediaMTX version as the deployment.
    const version = (image: string) => /:(\d+\.\d+\.\d+)/.exec(image)?.[1];
    expect(version(services.mediamtx!.image!)).toBe(version(MEDIAMTX_IMAGE));
  });

  it('keeps NATS JetStream on a volume and MediaMTX on the project config', () => {
    expect(services.nats!.volumes).toContain('nats-data:/data');
    // nats.conf is trust-init's, rendered with the container's paths (test/deploy/compose-trust.test.ts runs it).
    expect(services.nats!.volumes).toContain('./trust/nats/nats.conf:/etc/nats/nats.conf:ro');
    expect(services['trust-init']!.command).toEqual(expect.arrayContaining(['trust', 'init', '--container']));
    expect(services.mediamtx!.volumes).toContain('./mediamtx.yml:/mediamtx.yml:ro');
  });

  it('serves RTSPS beside RTSP with the site certificate, as the harness runs MediaMTX', () => {
    const env = services.mediamtx!.environment!;
    expect(env).toMatchObject({
      MTX_RTSPENCRYPTION: 'optional',
      MTX_RTSPSADDRESS: ':8322',
      MTX_RTSPSERVERCERT: '/run/desk-onvif/server.crt',
      MTX_RTSPSERVERKEY: '/run/desk-onvif/server.key',
    });
    expect(services.mediamtx!.volumes).toEqual(
      expect.arrayContaining([
        './trust/pki/server.crt:/run/desk-onvif/server.crt:ro',
        './trust/pki/server.key:/run/desk-onvif/server.key:ro',
      ]),
    );
    // Every MTX_ setting is a key MediaMTX 1.20 knows (its reference configuration).
    const reference = join(REPO_ROOT, '..', 'shared', 'reference', 'mediamtx', 'mediamtx.yml');
    if (!existsSync(reference)) {
      if (process.env.CI === 'true')
        throw new Error(`${reference} is missing: the MTX_ keys cannot be checked`);
      console.warn(`skipping the MTX_ key check: ${reference} is absent`);
      return;
    }
    const known = Object.keys(parse(readFileSync(reference, 'utf8')) as object).map(
      (k) => `MTX_${k.toUpperCase()}`,
    );
    for (const key of Object.keys(env)) expect(known).toContain(key);
  });

  it('serves WHEP for the console over HTTPS on the published ports; the view key: private to the console, public to the hook', () => {
    const env = services.mediamtx!.environment!;
    expect(env).toMatchObject({
      MTX_WEBRTCENCRYPTION: 'yes',
      MTX_WEBRTCSERVERCERT: '/run/desk-onvif/server.crt',
      MTX_WEBRTCIPSFROMINTERFACES: 'no',
    });
    // CORS for the console's origin, whose port is the published one.
    expect(env.MTX_WEBRTCALLOWORIGINS).toMatch(
      /^https:\/\/\$\{PUBLIC_HOST:\?[^}]*\}:\$\{CONSOLE_PORT:-8443\}$/,
    );
    expect(services.console!.ports).toContain('${CONSOLE_PORT:-8443}:8443');
    // The console posts its offers to the published WHEP port; ICE's UDP port is the same outside.
    expect(mediamtx.webrtcAddress).toBe(':8889');
    expect(mediamtx.webrtcLocalUDPAddress).toBe(':8189');
    expect(services.mediamtx!.ports).toEqual(
      expect.arrayContaining(['${WEBRTC_PORT:-8889}:8889/tcp', '8189:8189/udp']),
    );
    expect(services.console!.environment!.CONSOLE_WHEP_URL).toMatch(/:\$\{WEBRTC_PORT:-8889\}$/);
    expect(services.console!.volumes).toContain(
      './trust/media/console-view.key:/run/desk-onvif/console-view.key:ro',
    );
    expect(services.onvif!.volumes).toContain(
      './trust/media/console-view.pub:/run/desk-onvif/console-view.pub:ro',
    );
    for (const [name, svc] of Object.entries(services))
      if (name !== 'console' && name !== 'trust-init')
        expect({ name, key: (svc.volumes ?? []).some((v) => v.includes('console-view.key')) }).toEqual({
          name,
          key: false,
        });
  });

  it('announces in WS-Discovery what GetScopes claims: HTTPS (Profile T) on both or neither', () => {
    const https = services.onvif!.environment!.ONVIF_TLS_CERT !== undefined;
    expect(services.discovery!.environment!.DISCOVERY_ONVIF_HTTPS === 'true').toBe(https);
  });

  it('puts onvif and discovery on the host network (multicast, per-camera ports)', () => {
    expect(services.onvif!.network_mode).toBe('host');
    expect(services.discovery!.network_mode).toBe('host');
  });

  it('runs each Node service from the one image, chosen by command', () => {
    for (const name of Object.keys(httpPorts)) {
      expect(services[name]!.image).toBe(services['port-registry']!.image);
      expect(services[name]!.command).toEqual([name]);
    }
  });

  it('gives each service only its own variables, and the registry only ones it knows', () => {
    for (const [name, [prefix]] of Object.entries(httpPorts))
      for (const key of Object.keys(services[name]!.environment ?? {}))
        expect({ name, key, ok: key.startsWith(prefix) || key === 'NODE_OPTIONS' }).toEqual({
          name,
          key,
          ok: true,
        });
    for (const key of Object.keys(services['port-registry']!.environment ?? {}))
      expect(Object.keys(registryConfigShape)).toContain(key.slice('REGISTRY_'.length));
  });

  it('starts the console with the Node flags make dev gives it (its memory bound)', () => {
    expect(services.console!.environment?.NODE_OPTIONS).toBe(CONSOLE_NODE_FLAGS.join(' '));
    for (const name of ['port-registry', 'onvif', 'discovery'])
      expect(services[name]!.environment?.NODE_OPTIONS).toBeUndefined();
  });

  it('writes no secret into the file: each comes from .env and is required, or is a mounted file', () => {
    for (const svc of Object.values(services))
      for (const [key, value] of Object.entries(svc.environment ?? {}))
        if (/TOKEN|KEY|PASSWORD|SECRET|CREDS/.test(key))
          expect({ key, value }).toMatchObject({ value: /^(\$\{\w+:\?|\/run\/desk-onvif\/)/ });
  });

  it('gives each NATS client its own credential file only, read-only, and the CA', () => {
    const roleOf: Record<string, string> = {
      'port-registry': 'registry',
      onvif: 'onvif',
      discovery: 'discovery',
      console: 'console',
      cli: 'admin',
    };
    for (const [name, svc] of Object.entries(services)) {
      const trustMounts = (svc.volumes ?? []).filter((v) => v.startsWith('./trust'));
      if (name === 'trust-init') {
        expect(trustMounts).toEqual(['./trust:/trust']);
        continue;
      }
      for (const m of trustMounts) expect({ name, m, ro: m.endsWith(':ro') }).toEqual({ name, m, ro: true });
      const creds = Object.entries(svc.environment ?? {}).find(([k]) => k.endsWith('NATS_CREDS'))?.[1];
      const credFiles = trustMounts.filter((m) => m.startsWith('./trust/nats/creds/'));
      if (!roleOf[name]) {
        expect({ name, credFiles }).toEqual({ name, credFiles: [] });
        continue;
      }
      expect({ name, credFiles }).toEqual({
        name,
        credFiles: [`./trust/nats/creds/${roleOf[name]}.creds:${creds}:ro`],
      });
      const ca = Object.entries(svc.environment ?? {}).find(([k]) => k.endsWith('NATS_CA'))?.[1];
      expect(trustMounts).toContain(`./trust/pki/ca.crt:${ca}:ro`);
      // No service but trust-init sees the keys: the registry only its registry-trust directory.
      expect(
        trustMounts.some((m) => m.startsWith('./trust/nats/keys') || m.startsWith('./trust/pki/ca.key')),
      ).toBe(false);
    }
  });

  it('agrees on ports: health checks, Prometheus targets, the auth hook', () => {
    for (const [name, [, portVar]] of Object.entries(httpPorts)) {
      const port = services[name]!.environment![portVar]!;
      expect({ name, health: services[name]!.healthcheck!.test.at(-1) }).toEqual({ name, health: port });
      expect({ name, target: scrapeTarget(name)?.split(':')[1] }).toEqual({ name, target: port });
    }
    expect(scrapeTarget('mediamtx')).toBe(`mediamtx:${mediamtx.metricsAddress!.split(':').pop()}`);
    const hook = new URL(services.mediamtx!.environment!.MTX_AUTHHTTPADDRESS!);
    expect(hook.port).toBe(services.onvif!.environment!.ONVIF_HTTP_PORT);
    // The compose hook ends in the secret path segment that onvif is given (ONVIF_MEDIA_AUTH_SECRET).
    const raw = services.mediamtx!.environment!.MTX_AUTHHTTPADDRESS!;
    expect(raw.startsWith(`${mediamtx.authHTTPAddress!}/\${MEDIA_AUTH_SECRET:?`)).toBe(true);
    expect(services.onvif!.environment!.ONVIF_MEDIA_AUTH_SECRET).toContain('${MEDIA_AUTH_SECRET:?');
  });
});

describe('the image', () => {
  const dockerfile = read('Dockerfile');
  const ignore = read('.dockerignore').split('\n');

  it('is built in stages from the lock file and tsc -b', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^RUN npm ci --ignore-scripts/m);
    expect(dockerfile).toMatch(/tsc -b/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('never takes in the test tools (the RTSP relay double)', () => {
    expect(ignore).toContain('test/**');
    expect(ignore.filter((l) => l.startsWith('!'))).toEqual(['!test/*/package.json']);
  });
});
