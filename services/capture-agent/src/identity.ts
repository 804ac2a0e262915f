import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { promisify } from 'node:util';
import type { Identity } from '@desk-onvif/contracts';

const run = promisify(execFile);

/**
 * Who this agent is (DESIGN.md, "Identity and stable ports"): the host id is Windows' MachineGuid
 * or Linux's /etc/machine-id; the user id is the user's SID on Windows, the uid on Linux. Host and
 * user names are labels only.
 */
export interface IdentitySource {
  hostId(): Promise<string>;
  userId(): Promise<string>;
}

export class IdentityError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdentityError';
  }
}

export function identitySourceFor(platform: NodeJS.Platform): IdentitySource {
  return platform === 'win32' ? windowsIdentity : linuxIdentity;
}

const linuxIdentity: IdentitySource = {
  async hostId() {
    for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
      const id = (await readFile(path, 'utf8').catch(() => '')).trim();
      if (/^[0-9a-f]{32}$/i.test(id)) return id;
    }
    throw new IdentityError('no machine id: /etc/machine-id is missing or empty (systemd-machine-id-setup)');
  },
  userId() {
    return Promise.resolve(String(process.getuid?.() ?? userInfo().uid));
  },
};

const windowsIdentity: IdentitySource = {
  async hostId() {
    const out = await query('reg', ['query', 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', '/v', 'MachineGuid']);
    return parseMachineGuid(out);
  },
  async userId() {
    return parseWhoamiSid(await query('whoami', ['/user', '/fo', 'csv', '/nh']));
  },
};

async function query(cmd: string, args: string[]): Promise<string> {
  try {
    return (await run(cmd, args, { windowsHide: true, timeout: 10_000 })).stdout;
  } catch (err) {
    throw new IdentityError(`${cmd} ${args.join(' ')} failed: ${(err as Error).message}`, { cause: err });
  }
}

/** `    MachineGuid    REG_SZ    0f3c…` → the GUID. */
export function parseMachineGuid(regOutput: string): string {
  const m = /MachineGuid\s+REG_SZ\s+([0-9a-fA-F-]{36})/.exec(regOutput);
  if (!m?.[1]) throw new IdentityError('MachineGuid not found in the registry output');
  return m[1].toLowerCase();
}

/** `"desk\ada","S-1-5-21-…"` → the SID. */
export function parseWhoamiSid(csv: string): string {
  const m = /"(S-1-[0-9-]+)"/.exec(csv);
  if (!m?.[1]) throw new IdentityError('no SID in the output of whoami /user');
  return m[1];
}

/**
 * The registration identity of this agent in the given mode. `overrides.hostId` replaces the
 * machine id: cloned VMs that share one machine id, or several test-pattern cameras on one host.
 */
export async function detectIdentity(
  source: IdentitySource,
  mode: 'shared' | 'per-user',
  overrides: { hostId?: string | undefined; hostName?: string | undefined } = {},
): Promise<Identity> {
  const hostName = overrides.hostName ?? label(hostname()) ?? 'unknown-host';
  const hostId = overrides.hostId ?? (await source.hostId());
  if (mode === 'shared') return { hostId, hostName, mode };
  const userName = label(userInfo().username);
  return { hostId, hostName, mode, userId: await source.userId(), ...(userName ? { userName } : {}) };
}

/** Labels are shown to people; control characters never travel. */
function label(text: string): string | undefined {
  const clean = [...text]
    .filter((c) => c >= ' ' && c !== '\u007f')
    .join('')
    .slice(0, 255);
  return clean || undefined;
}
