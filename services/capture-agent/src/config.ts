import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { CaptureSource } from '@desk-onvif/ffmpeg-args';
import { credentialLocation, type CredentialLocation } from './credential.location.js';
import { configFields, envName, type FieldName, flagName, SECRET_FIELDS } from './config.fields.js';

/**
 * The agent's configuration: defaults < config file (JSON) < `AGENT_*` variables < `--flags`.
 * Every problem is collected, with where the bad value came from, before the agent gives up.
 */
export class AgentConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'AgentConfigError';
  }
}

const schema = z.object(configFields);
type Parsed = z.infer<typeof schema>;
export type AgentConfig = Omit<Parsed, 'source' | 'display' | 'stateDir' | 'credentialDir'> & {
  source: CaptureSource;
  display: string;
  stateDir: string;
  /** Where the camera credential is kept, and for whom (credential.location.ts). */
  credentials: CredentialLocation;
  configFile: string | undefined;
};

export interface ConfigInput {
  env: NodeJS.ProcessEnv;
  /** `--name value` pairs from the command line, names without the dashes. */
  flags: Record<string, string>;
  platform: NodeJS.Platform;
  readFile?: (path: string) => string;
}

export function loadAgentConfig(input: ConfigInput): AgentConfig {
  const problems: string[] = [];
  const origin = new Map<string, string>();
  const raw: Record<string, unknown> = {};
  const fields = Object.keys(configFields) as FieldName[];
  const set = (field: string, value: unknown, where: string) => {
    raw[field] = value;
    origin.set(field, where);
  };

  const explicitFile = input.flags['config'] ?? input.env['AGENT_CONFIG'];
  const configFile = explicitFile ?? join(defaultConfigDir(input.platform, input.env), 'agent.json');
  const file = readConfigFile(configFile, explicitFile !== undefined, input.readFile, problems);
  for (const [key, value] of Object.entries(file ?? {})) {
    if (!(fields as string[]).includes(key)) problems.push(`${configFile}: unknown key "${key}"`);
    else if (value !== null) set(key, value, `${configFile}: "${key}"`);
  }
  const envByName = new Map(fields.map((f) => [envName(f), f]));
  for (const [name, value] of Object.entries(input.env)) {
    if (!name.startsWith('AGENT_') || name === 'AGENT_CONFIG' || value === undefined) continue;
    const field = envByName.get(name);
    if (!field) problems.push(`${name}: unknown variable`);
    else if (value !== '') set(field, value, name);
  }
  const flagByName = new Map(fields.map((f) => [flagName(f).slice(2), f]));
  for (const [name, value] of Object.entries(input.flags)) {
    if (name === 'config') continue;
    const field = flagByName.get(name);
    if (!field) problems.push(`--${name}: unknown option`);
    else set(field, value, `--${name}`);
  }

  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '');
      const where = origin.get(key) ?? envName(key);
      const shown = key in raw && !SECRET_FIELDS.has(key) ? ` (got ${JSON.stringify(raw[key])})` : '';
      problems.push(`${where}: ${issue.message}${shown}`);
    }
  }
  const c = result.data;
  if (c) crossChecks(c, problems);
  if (problems.length > 0 || !c) throw new AgentConfigError(problems);
  const { credentialDir, ...rest } = c;
  const stateDir = c.stateDir ?? defaultStateDir(input.platform, input.env);
  return {
    ...rest,
    source: parseSource(c.source),
    display: c.display ?? input.env['DISPLAY'] ?? ':0',
    stateDir,
    credentials: credentialLocation(input.platform, c.mode, input.env, stateDir, credentialDir),
    configFile: file ? configFile : undefined,
  };
}

function crossChecks(c: Parsed, problems: string[]): void {
  if ((c.onvifUser === undefined) !== (c.onvifPassword === undefined))
    problems.push('AGENT_ONVIF_USER and AGENT_ONVIF_PASSWORD go together (or neither: one is generated)');
  if (c.natsPassword !== undefined && c.natsUser === undefined)
    problems.push('AGENT_NATS_PASSWORD needs AGENT_NATS_USER');
  if (c.backoffInitialMs > c.backoffMaxMs)
    problems.push(
      `AGENT_BACKOFF_INITIAL_MS (${c.backoffInitialMs}) exceeds AGENT_BACKOFF_MAX_MS (${c.backoffMaxMs})`,
    );
}

function readConfigFile(
  path: string,
  explicit: boolean,
  read: ((path: string) => string) | undefined,
  problems: string[],
): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = (read ?? ((p) => readFileSync(p, 'utf8')))(path);
  } catch (err) {
    if (explicit) problems.push(`${path}: cannot read the config file (${(err as Error).message})`);
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
    problems.push(`${path}: a JSON object is required`);
  } catch (err) {
    problems.push(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return undefined;
}

/** `monitor:1`, `region:0,0,1280x720`, `window:Title` → the builder's source. */
export function parseSource(text: string): CaptureSource {
  if (text === 'desktop') return { kind: 'desktop' };
  if (text === 'test-pattern') return { kind: 'test-pattern' };
  const [kind, rest = ''] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
  if (kind === 'monitor') return { kind: 'monitor', index: Number(rest) };
  if (kind === 'window') return { kind: 'window', title: rest };
  const m = /^(\d+),(\d+),(\d+)x(\d+)$/.exec(rest);
  if (kind === 'region' && m) {
    const [x, y, width, height] = m.slice(1).map(Number) as [number, number, number, number];
    return { kind: 'region', rect: { x, y, width, height } };
  }
  throw new AgentConfigError([`source: cannot read "${text}"`]);
}

export function defaultConfigDir(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
  if (platform === 'win32')
    return join(env['APPDATA'] ?? join(home(env), 'AppData', 'Roaming'), 'desk-onvif');
  return join(env['XDG_CONFIG_HOME'] ?? join(home(env), '.config'), 'desk-onvif');
}

export function defaultStateDir(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
  if (platform === 'win32')
    return join(env['LOCALAPPDATA'] ?? join(home(env), 'AppData', 'Local'), 'desk-onvif');
  return join(env['XDG_STATE_HOME'] ?? join(home(env), '.local', 'state'), 'desk-onvif');
}

function home(env: NodeJS.ProcessEnv): string {
  return env['HOME'] ?? env['USERPROFILE'] ?? homedir();
}
