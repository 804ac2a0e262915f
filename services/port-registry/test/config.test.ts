import { runToExit } from '@desk-onvif/test-support';

describe('port registry start-up configuration', () => {
  it('lists every bad variable and exits 1', async () => {
    const { code, output } = await runToExit('port-registry', {
      REGISTRY_PORT_RANGE: '9000-100',
      REGISTRY_HTTP_PORT: 'x',
      REGISTRY_NATS_PASSWORD: 'do-not-print-me',
      REGISTRY_BOGUS: '1',
    });
    expect(code).toBe(1);
    expect(output).toContain('REGISTRY_PORT_RANGE');
    expect(output).toContain('REGISTRY_HTTP_PORT');
    expect(output).toContain('REGISTRY_BOGUS: unknown variable');
    expect(output).not.toContain('do-not-print-me');
  });
});
