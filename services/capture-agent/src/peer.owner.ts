import { readFile } from 'node:fs/promises';

/** `127.0.0.1:8554` as /proc/net/tcp writes it: the address little-endian hex, the port hex. */
function procAddress(ipv4: string, port: number): string {
  const bytes = ipv4.split('.').map(Number);
  const hex = bytes
    .reverse()
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
  return `${hex}:${port.toString(16).padStart(4, '0')}`.toUpperCase();
}

/**
 * The uid owning the local TCP socket `local` connected to `remote`, from the text of
 * /proc/net/tcp (`sl local_address rem_address st … uid …`); undefined when no such connection.
 */
export function socketOwner(
  procNetTcp: string,
  local: { address: string; port: number },
  remote: { address: string; port: number },
): number | undefined {
  const l = procAddress(local.address, local.port);
  const r = procAddress(remote.address, remote.port);
  for (const line of procNetTcp.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === l && f[2] === r) return Number(f[7]);
  }
  return undefined;
}

/**
 * On Linux: which user's process opened the loopback connection that reached `server` from
 * `client` (the kernel's table, not anything the peer says). Another user's process can connect
 * to a loopback port; only a process of the agent's own user may publish through it.
 */
export async function loopbackPeerUid(
  client: { address: string; port: number },
  server: { address: string; port: number },
): Promise<number | undefined> {
  return socketOwner(await readFile('/proc/net/tcp', 'latin1'), client, server);
}
