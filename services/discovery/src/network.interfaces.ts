import { BlockList, isIPv4 } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';

/** One IPv4 address the service listens and announces on. */
export interface ListenAddress {
  name: string;
  address: string;
  /** `a.b.c.d/n` */
  cidr: string;
}

export class InterfaceConfigError extends Error {}

/**
 * Chooses the listening addresses from `os.networkInterfaces()`: the configured names or
 * addresses, or by default every non-internal IPv4 address (host networking).
 */
export function selectInterfaces(
  available: NodeJS.Dict<NetworkInterfaceInfo[]>,
  wanted: string[] | undefined,
): ListenAddress[] {
  const all: ListenAddress[] = [];
  for (const [name, infos] of Object.entries(available)) {
    for (const info of infos ?? []) {
      if (info.family !== 'IPv4' || !info.cidr) continue;
      if (wanted === undefined && info.internal) continue;
      all.push({ name, address: info.address, cidr: info.cidr });
    }
  }
  const chosen =
    wanted === undefined ? all : all.filter((a) => wanted.includes(a.name) || wanted.includes(a.address));
  const missing = (wanted ?? []).filter((w) => !all.some((a) => a.name === w || a.address === w));
  if (missing.length > 0) {
    throw new InterfaceConfigError(
      `DISCOVERY_INTERFACES: no IPv4 interface or address ${missing.join(', ')} (have: ${all.map((a) => `${a.name} ${a.address}`).join(', ') || 'none'})`,
    );
  }
  if (chosen.length === 0)
    throw new InterfaceConfigError('no IPv4 interface to listen on: set DISCOVERY_INTERFACES');
  return chosen;
}

/** The networks whose probers are answered: configured, or the subnets of the listening addresses. */
export function allowedNetworks(configured: string[] | undefined, listening: ListenAddress[]): BlockList {
  const list = new BlockList();
  for (const cidr of configured ?? listening.map((l) => l.cidr)) {
    const [ip = '', bits] = cidr.split('/');
    list.addSubnet(networkOf(ip, Number(bits ?? 32)), Number(bits ?? 32), 'ipv4');
  }
  return list;
}

/** The listening address on the prober's subnet: where its replies come from, and its XAddrs host. */
export function addressFacing(source: string, listening: ListenAddress[]): ListenAddress {
  const found = listening.find((l) => {
    const [ip = '', bits] = l.cidr.split('/');
    const prefix = Number(bits);
    return isIPv4(source) && networkOf(source, prefix) === networkOf(ip, prefix);
  });
  return found ?? (listening[0] as ListenAddress);
}

function networkOf(ip: string, prefix: number): string {
  const n = ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const net = (n & mask) >>> 0;
  return [24, 16, 8, 0].map((s) => (net >>> s) & 0xff).join('.');
}
