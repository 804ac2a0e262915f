import { DEFAULT_ENCODER_SETTINGS as record } from '@desk-onvif/contracts';
import { effectiveSettings, mediaEndpoint } from './stream.job.js';

describe('effectiveSettings', () => {
  it('takes the record, with explicit config on top', () => {
    expect(effectiveSettings(record, { fps: 25, subSize: { width: 480, height: 270 } }, undefined)).toEqual({
      main: { ...record.main, fps: 25 },
      sub: { ...record.sub, fps: 25, width: 480, height: 270 },
    });
  });

  it("keeps the record's imaging: the picture survives an agent without ONVIF settings", () => {
    const imaging = { brightness: 80, contrast: 50, saturation: 40, sharpness: 50 };
    expect(effectiveSettings({ ...record, imaging }, {}, undefined).imaging).toEqual(imaging);
  });

  it('settings from ONVIF win over both', () => {
    const onvif = { main: { ...record.main, width: 1280, height: 720 }, sub: record.sub };
    expect(effectiveSettings(record, { fps: 25 }, onvif)).toBe(onvif);
  });
});

describe('mediaEndpoint', () => {
  it.each([
    ['rtsp://10.1.2.3:8555', { host: '10.1.2.3', port: 8555 }],
    ['rtsp://media.lab', { host: 'media.lab', port: 8554 }],
    ['rtsp://[::1]:554', { host: '::1', port: 554 }],
  ])('%s', (url, expected) => {
    expect(mediaEndpoint(url)).toEqual(expected);
  });
});
