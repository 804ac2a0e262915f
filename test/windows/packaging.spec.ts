import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFields, SECRET_FIELDS } from '../../services/capture-agent/src/config.fields.js';
import { loadAgentConfig } from '../../services/capture-agent/src/config.js';

/**
 * What the zip hands a PC (packaging/windows) speaks the agent's configuration: the example
 * agent.json loads as the agent loads it, and install.ps1 writes only keys the agent knows (it
 * refuses unknown ones), secrets among them only as the agent expects them.
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
    const keys = Object.keys(JSON.parse(readFileSync(example, 'utf8')) as object);
    expect(keys).toContain('enrollmentToken');
    expect(keys).not.toContain('natsToken');
  });

  it('install.ps1 writes only keys the agent knows', () => {
    const keys = installScriptKeys();
    expect(keys).toEqual(expect.arrayContaining(['enrollmentToken', 'mediaUrl', 'mode']));
    // No shared NATS token on a PC any more: the enrolment token, used once, then the camera's own key.
    expect(keys).not.toContain('natsToken');
    for (const key of keys) expect(Object.keys(configFields)).toContain(key);
    // The one secret it writes is one the agent never logs or echoes.
    expect(SECRET_FIELDS.has('enrollmentToken')).toBe(true);
  });
});
