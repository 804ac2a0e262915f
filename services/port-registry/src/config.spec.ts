import { ConfigError } from '@desk-onvif/service-kit';
import { loadRegistryConfig } from './config.js';

describe('registry config', () => {
  it('has sensible defaults', () => {
    const c = loadRegistryConfig({});
    expect(c.PORT_RANGE).toEqual({ start: 8090, end: 8110 });
    expect(c.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(c.HEARTBEAT_TIMEOUT_MS).toBe(15000);
  });

  it('reads a range and numbers', () => {
    const c = loadRegistryConfig({ REGISTRY_PORT_RANGE: '20000-20999', REGISTRY_HTTP_PORT: '0' });
    expect(c.PORT_RANGE).toEqual({ start: 20000, end: 20999 });
    expect(c.HTTP_PORT).toBe(0);
  });

  it('lists every bad variable at once, secrets hidden', () => {
    let err: ConfigError | undefined;
    try {
      loadRegistryConfig({
        REGISTRY_PORT_RANGE: '9000-8000',
        REGISTRY_HTTP_PORT: 'eighty',
        REGISTRY_NATS_URL: 'http://x',
        REGISTRY_HEARTBEAT_TIMEOUT_MS: '5',
        REGISTRY_NATS_PASSWORD: 'hunter2',
        REGISTRY_NATS_PASWORD: 'typo',
        REGISTRY_LOG_LEVEL: 'loud',
      });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = err!.problems.join('\n');
    for (const name of [
      'PORT_RANGE',
      'HTTP_PORT',
      'NATS_URL',
      'HEARTBEAT_TIMEOUT_MS',
      'NATS_PASWORD',
      'LOG_LEVEL',
    ]) {
      expect(text).toContain(`REGISTRY_${name}`);
    }
    expect(err!.problems).toHaveLength(6);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('typo');
  });
});
