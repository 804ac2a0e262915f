import { ConfigError } from '@desk-onvif/service-kit';
import { loadOnvifConfig } from './config.js';

const KEY = Buffer.alloc(32, 1).toString('base64');

describe('onvif configuration', () => {
  test('the users key is required: there is no default', () => {
    expect(() => loadOnvifConfig({})).toThrow(/ONVIF_USERS_KEY/);
  });

  test('every bad variable is listed, secrets redacted', () => {
    let err: unknown;
    try {
      loadOnvifConfig({
        ONVIF_USERS_KEY: 'c2hvcnQ=',
        ONVIF_RTSP_PORT: '0',
        ONVIF_ALLOW_PASSWORD_TEXT: 'maybe',
        ONVIF_NOPE: '1',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of ['ONVIF_USERS_KEY', 'ONVIF_RTSP_PORT', 'ONVIF_ALLOW_PASSWORD_TEXT', 'ONVIF_NOPE'])
      expect(problems).toContain(name);
    expect(problems).not.toContain('c2hvcnQ=');
  });

  test('defaults: PasswordText off, ±5 min window, RTSP 8554', () => {
    const config = loadOnvifConfig({ ONVIF_USERS_KEY: KEY });
    expect(config).toMatchObject({ ALLOW_PASSWORD_TEXT: false, CREATED_WINDOW_MS: 300_000, RTSP_PORT: 8554 });
  });
});
