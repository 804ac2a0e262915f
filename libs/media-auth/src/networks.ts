import { BlockList, isIP } from 'node:net';

/**
 * A set of networks from CIDR strings (`10.0.0.0/8`, `::1/128`, or a bare address), answered by
 * node's BlockList. An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) is checked as IPv4.
 */
export class NetworkSet {
  private readonly list = new BlockList();

  constructor(readonly cidrs: string[]) {
    for (const cidr of cidrs) {
      const [addr = '', bits] = cidr.trim().split('/');
      const family = isIP(addr);
      if (family === 0) throw new TypeError(`not a network: ${cidr}`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        throw new TypeError(`not a network: ${cidr}`);
      }
      this.list.addSubnet(addr, prefix, type);
    }
  }

  has(ip: string): boolean {
    const addr = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    const family = isIP(addr);
    if (family === 0) return false;
    return this.list.check(addr, family === 4 ? 'ipv4' : 'ipv6');
  }
}
