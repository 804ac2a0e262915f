import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Service configuration from the environment, one prefix per service (`REGISTRY_`, `ONVIF_`…).
 * Validated once at boot: every bad or unknown variable is listed, not just the first.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig<S extends z.ZodRawShape>(
  prefix: string,
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const input: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined) continue;
    const key = name.slice(prefix.length);
    if (!(key in shape))
      problems.push(
        `${name}: unknown variable (known: ${Object.keys(shape)
          .map((k) => prefix + k)
          .join(', ')})`,
      );
    else if (value !== '') input[key] = value;
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '');
      const shown = key in input ? ` (got ${JSON.stringify(redactIfSecret(key, input[key] ?? ''))})` : '';
      problems.push(`${prefix}${key}: ${issue.message}${shown}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}

function redactIfSecret(key: string, value: string): string {
  return /PASS|SECRET|TOKEN|KEY/i.test(key) ? '***' : value;
}

/** Env helpers: strings that become numbers, booleans, ranges. */
export const env = {
  int: (min: number, max: number) => z.coerce.number().int().min(min).max(max),
  bool: () =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  /** `8090-8110` → { start, end } */
  portRange: () =>
    z
      .string()
      .regex(/^\d{1,5}-\d{1,5}$/, 'a port range such as 8090-8110')
      .transform((v) => {
        const [start, end] = v.split('-').map(Number) as [number, number];
        return { start, end };
      })
      .refine((r) => r.start >= 1 && r.end <= 65535 && r.start <= r.end, 'start ≤ end, both within 1-65535'),
  url: (protocols: string[]) =>
    z
      .string()
      .refine((v) => v.split(',').every((u) => protocols.some((p) => u.trim().startsWith(`${p}://`))), {
        message: `comma-separated URLs starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
      }),
  logLevel: () => z.enum(['debug', 'info', 'warn', 'error']),
};

/** Runs the boot function; a ConfigError prints every problem and exits 1. */
export async function bootOrExit(boot: () => Promise<void>): Promise<void> {
  try {
    await boot();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
}

/** A file that must be readable now and hold what `looksRight` expects (never echoed: it may be a secret). */
function readableFile(what: string, looksRight: (text: string) => boolean) {
  return z.string().superRefine((path, ctx) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      });
      return;
    }
    if (!looksRight(text)) ctx.addIssue({ code: 'custom', message: `${path} is not ${what}` });
  });
}

/** The NATS variables every service has (`<PREFIX>NATS_URL` …). */
export const natsConfigShape = {
  NATS_URL: env.url(['nats', 'tls']).default('nats://127.0.0.1:4222'),
  /** The service's `.creds` file (operator mode, how make dev and compose run). */
  NATS_CREDS: readableFile('a NATS .creds file', (t) => t.includes('BEGIN NATS USER JWT')).optional(),
  /** The site CA the server's certificate chains to. */
  NATS_CA: readableFile('a PEM certificate', (t) => t.includes('BEGIN CERTIFICATE')).optional(),
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
  NATS_TOKEN: z.string().optional(),
};

/** `inboxPrefix`: the role's own (contracts' `roleInboxPrefix`), which its credential may subscribe to. */
export function natsSettingsOf(
  config: {
    NATS_URL: string;
    NATS_CREDS?: string | undefined;
    NATS_CA?: string | undefined;
    NATS_USER?: string | undefined;
    NATS_PASSWORD?: string | undefined;
    NATS_TOKEN?: string | undefined;
  },
  name: string,
  inboxPrefix?: string,
) {
  return {
    url: config.NATS_URL,
    credsFile: config.NATS_CREDS,
    caFile: config.NATS_CA,
    inboxPrefix,
    user: config.NATS_USER,
    password: config.NATS_PASSWORD,
    token: config.NATS_TOKEN,
    name,
  };
}
