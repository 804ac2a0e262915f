import { runToExit } from '@desk-onvif/test-support';

/** Bad configuration stops the service at boot with every problem named, before it binds anything. */
describe('discovery configuration', () => {
  it('lists every bad variable and exits 1', async () => {
    const { code, output } = await runToExit('discovery', {
      DISCOVERY_RATE_LIMIT_PER_S: 'fast',
      DISCOVERY_ALLOWED_NETWORKS: '10.0.0.0/33,lan',
      DISCOVERY_PUBLIC_HOST: 'http://cams',
      DISCOVERY_INTERFACES: 'lo',
      DISCOVERY_NATS_USER: 'x',
      DISCOVERY_NATS_PASSWORD: 'hunter2',
      DISCOVERY_COLOUR: 'blue',
    });
    expect(code).toBe(1);
    expect(output).toMatch(/DISCOVERY_RATE_LIMIT_PER_S/);
    expect(output).toMatch(/DISCOVERY_ALLOWED_NETWORKS: a comma-separated list of IPv4 CIDRs/);
    expect(output).toMatch(/DISCOVERY_PUBLIC_HOST/);
    expect(output).toMatch(/DISCOVERY_COLOUR: unknown variable/);
    expect(output).not.toMatch(/hunter2/);
  });

  it('names an interface that does not exist', async () => {
    const { code, output } = await runToExit('discovery', { DISCOVERY_INTERFACES: 'nosuch0' });
    expect(code).toBe(1);
    expect(output).toMatch(/DISCOVERY_INTERFACES: no IPv4 interface or address nosuch0/);
  });
});
