import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The ONVIF credentials `make dev` gives one agent (`AGENT_ONVIF_USER`/`_PASSWORD`). */
export interface DevCamera {
  /** `desktop` for the first agent, `dev-N` for the test-pattern ones. */
  name: string;
  /** The agent's `--host-id` (absent for the desktop agent: the machine id). */
  hostId?: string;
  onvifUser: string;
  onvifPassword: string;
}

interface CamerasFile {
  version: 1;
  /** Random, once per state directory, so two developers' dev cameras never share an id or a MAC. */
  hostIdPrefix: string;
  cameras: DevCamera[];
}

/**
 * What `make dev` generates once and keeps in its state directory (0700), each file 0600:
 * `onvif-users.key`, the onvif service's ONVIF_USERS_KEY (never printed), and `cameras.json`,
 * the dev cameras' ONVIF credentials (printed: showing them is the point of `make dev`). Kept, so
 * that a restart finds the same cameras with the same credentials in the same JetStream store.
 */
export class DevSecrets {
  constructor(private readonly dir: string) {}

  usersKey(): string {
    const path = join(this.dir, 'onvif-users.key');
    const existing = readIfExists(path)?.trim();
    if (existing) return existing;
    const key = randomBytes(32).toString('base64');
    this.write(path, `${key}\n`);
    return key;
  }

  /** Credentials for the desktop agent and `extra` test-pattern agents, generated where missing. */
  cameras(extra: number): DevCamera[] {
    const path = join(this.dir, 'cameras.json');
    const text = readIfExists(path);
    const file: CamerasFile = text
      ? (JSON.parse(text) as CamerasFile)
      : { version: 1, hostIdPrefix: `dev-${randomBytes(4).toString('hex')}`, cameras: [] };
    const names = ['desktop', ...Array.from({ length: extra }, (_, i) => `dev-${i + 1}`)];
    let changed = !text;
    const wanted = names.map((name) => {
      const found = file.cameras.find((c) => c.name === name);
      if (found) return found;
      changed = true;
      const camera: DevCamera = {
        name,
        ...(name === 'desktop' ? {} : { hostId: `${file.hostIdPrefix}-${name}` }),
        onvifUser: 'admin',
        onvifPassword: randomBytes(12).toString('hex'),
      };
      file.cameras.push(camera);
      return camera;
    });
    if (changed) this.write(path, `${JSON.stringify(file, null, 2)}\n`);
    return wanted;
  }

  private write(path: string, text: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    chmodSync(tmp, 0o600); // writeFileSync's mode is masked by the umask
    renameSync(tmp, path);
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
