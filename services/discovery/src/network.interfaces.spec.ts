import { addressFacing, allowedNetworks, selectInterfaces } from './network.interfaces.js';

describe('interfaces and allowed networks', () => {
  const available = {
    lo: [
      {
        address: '127.0.0.1',
        netmask: '255.0.0.0',
        family: 'IPv4',
        mac: '',
        internal: true,
        cidr: '127.0.0.1/8',
      },
    ],
    eth0: [
      {
        address: '192.168.1.20',
        netmask: '255.255.255.0',
        family: 'IPv4',
        mac: '',
        internal: false,
        cidr: '192.168.1.20/24',
      },
      {
        address: 'fe80::1',
        netmask: 'ffff::',
        family: 'IPv6',
        mac: '',
        internal: false,
        cidr: 'fe80::1/64',
        scopeid: 1,
      },
    ],
    eth1: [
      {
        address: '10.0.5.3',
        netmask: '255.255.0.0',
        family: 'IPv4',
        mac: '',
        internal: false,
        cidr: '10.0.5.3/16',
      },
    ],
  } as const;
  const dict = available as unknown as Parameters<typeof selectInterfaces>[0];

  it('listens on every non-loopback IPv4 address by default', () => {
    expect(selectInterfaces(dict, undefined).map((l) => l.address)).toEqual(['192.168.1.20', '10.0.5.3']);
  });
  it('takes names or addresses', () => {
    expect(selectInterfaces(dict, ['eth1', '127.0.0.1']).map((l) => l.name)).toEqual(['lo', 'eth1']);
    expect(() => selectInterfaces(dict, ['wlan0'])).toThrow(/wlan0/);
  });
  it('allows the listening subnets by default, or the configured networks', () => {
    const listening = selectInterfaces(dict, undefined);
    const sut = allowedNetworks(undefined, listening);
    expect(sut.check('192.168.1.99', 'ipv4')).toBe(true);
    expect(sut.check('10.0.200.1', 'ipv4')).toBe(true);
    expect(sut.check('192.168.2.1', 'ipv4')).toBe(false);
    expect(sut.check('8.8.8.8', 'ipv4')).toBe(false);
    const configured = allowedNetworks(['172.16.0.0/12', '203.0.113.9'], listening);
    expect(configured.check('172.20.1.1', 'ipv4')).toBe(true);
    expect(configured.check('203.0.113.9', 'ipv4')).toBe(true);
    expect(configured.check('192.168.1.99', 'ipv4')).toBe(false);
  });
  it('replies from, and points XAddrs at, the address on the prober’s subnet', () => {
    const listening = selectInterfaces(dict, undefined);
    expect(addressFacing('10.0.9.9', listening).address).toBe('10.0.5.3');
    expect(addressFacing('192.168.1.7', listening).address).toBe('192.168.1.20');
    expect(addressFacing('172.16.0.1', listening).address).toBe('192.168.1.20');
  });
});
