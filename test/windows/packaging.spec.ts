import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFields, SECRET_FIELDS } from '../../services/capture-agent/src/config.fields.js';
import { loadAgentConfig } from '../../services/capture-agent/src/config.js';

/**
 * What the zip hands a PC (packaging/windows) speaks the agent's configuration: the example
 * agent.json loads as the agent loads it, and install.ps1 writes only keys the agent knows (it
 * refuses unknown ones): the PC's enrolment token, never a shared NATS token.
 */
const HERE = join(import.meta.dirname, '..', '..', 'packaging', 'windows');
const WINDOWS_ENV = {
  APPDATA: 'C:\\Users\\ada\\AppData\\Roaming',
  LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local',
};

/** The keys of install.ps1's `$config = [ordered]@{ key = …; … }`. */
function installScriptKeys(): string[] {
  const script = readFileSync(join(HERE, 'install.ps1'), 'utf8');
  const table = /\$config = \[ordered\]@\{([^}]*)\}/.exec(script)?.[1];
  if (!table) throw new Error('install.ps1 writes no $config table');
  return table.split(';').map((entry) => entry.split('=')[0]!.trim());
}

describe('packaging/windows', () => {
  it('agent.example.json loads as the agent loads its agent.json', () => {
    const example = join(HERE, 'agent.example.json');
    const config = loadAgentConfig({ env: WINDOWS_ENV, flags: { config: example }, platform: 'win32' });
    expect(config.mode).toBe('shared');
    expect(config.mediaUrl).toBe('rtsp://lab-server:8554');
    // The PC joins with its own enrolment token: no shared NATS secret in the example.
    const keys = Object.keys(JSON.parse(readFileSync(example, 'utf8')) as object);
    expect(keys).toContain('enrollmentToken');
    expect(keys).not.toContain('natsToken');
    expect(keys).not.toContain('natsPassword');
  });

  it('install.ps1 writes only keys the agent knows', () => {
    const keys = installScriptKeys();
    expect(keys).toEqual(['enrollmentToken', 'mediaUrl', 'mode']);
    for (const key of keys) expect(Object.keys(configFields)).toContain(key);
    // The one secret it writes is one the agent never logs or echoes.
    expect(SECRET_FIELDS.has('enrollmentToken')).toBe(true);
  });
});
