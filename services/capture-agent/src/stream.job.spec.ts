import { DEFAULT_AUDIO_SETTINGS, DEFAULT_ENCODER_SETTINGS as record } from '@desk-onvif/contracts';
import { captureSourceOf, effectiveSettings, mediaEndpoint, sourceNeedsLookup } from './stream.job.js';

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
    expect(effectiveSettings(record, { fps: 25 }, onvif)).toEqual(onvif);
  });

  it('has no audio when the camera cannot capture it, whatever the record or ONVIF say', () => {
    const withAudio = { ...record, audio: DEFAULT_AUDIO_SETTINGS };
    expect(effectiveSettings(withAudio, {}, undefined, false).audio).toBeUndefined();
    expect(effectiveSettings(record, {}, withAudio, false).audio).toBeUndefined();
  });

  it('audio, when the camera has it: ONVIF, else the record, else the local config', () => {
    const g711 = { codec: 'pcmu', bitrateKbps: 64, sampleRate: 8000, main: true, sub: true } as const;
    expect(effectiveSettings(record, { audioCodec: 'aac' }, undefined, true).audio).toEqual(
      DEFAULT_AUDIO_SETTINGS,
    );
    expect(
      effectiveSettings(record, { audioCodec: 'pcmu', audioOnSub: true }, undefined, true).audio,
    ).toEqual(g711);
    expect(
      effectiveSettings({ ...record, audio: g711 }, { audioCodec: 'aac' }, undefined, true).audio,
    ).toEqual(g711);
    const onvif = { ...record, audio: { ...DEFAULT_AUDIO_SETTINGS, bitrateKbps: 128 } };
    expect(effectiveSettings({ ...record, audio: g711 }, {}, onvif, true).audio).toEqual(onvif.audio);
  });
});

describe('mediaEndpoint', () => {
  it.each([
    ['rtsp://10.1.2.3:8555', { host: '10.1.2.3', port: 8555 }],
    ['rtsp://media.lab', { host: 'media.lab', port: 8554 }],
    ['rtsp://[::1]:554', { host: '::1', port: 554 }],
    ['rtsps://media.lab', { host: 'media.lab', port: 8322 }],
  ])('%s', (url, expected) => {
    expect(mediaEndpoint(url)).toEqual(expected);
  });
});

describe('the capture source of a camera’s settings', () => {
  it('is carried from the record (absent: the configured source)', () => {
    const source = { kind: 'region', x: 10, y: 20, width: 320, height: 180 } as const;
    expect(effectiveSettings({ ...record, source }, { fps: 25 }, undefined).source).toEqual(source);
    expect(effectiveSettings(record, {}, undefined).source).toBeUndefined();
  });

  it('becomes the argument builders’ source', () => {
    expect(captureSourceOf({ kind: 'region', x: 10, y: 20, width: 320, height: 180 })).toEqual({
      kind: 'region',
      rect: { x: 10, y: 20, width: 320, height: 180 },
    });
    expect(captureSourceOf({ kind: 'monitor', index: 1 })).toEqual({ kind: 'monitor', index: 1 });
    expect(captureSourceOf({ kind: 'window', title: 'Notepad' })).toEqual({
      kind: 'window',
      title: 'Notepad',
    });
    expect(captureSourceOf({ kind: 'desktop' })).toEqual({ kind: 'desktop' });
  });

  it.each([
    [{ kind: 'desktop' }, 'linux', undefined, false],
    [{ kind: 'region', rect: { x: 0, y: 0, width: 64, height: 64 } }, 'linux', undefined, false],
    [{ kind: 'monitor', index: 1 }, 'linux', undefined, true],
    [{ kind: 'monitor', index: 1 }, 'win32', 'ddagrab', false],
    [{ kind: 'monitor', index: 1 }, 'win32', 'gdigrab', true],
    [{ kind: 'window', title: 'x' }, 'linux', undefined, true],
    [{ kind: 'window', title: 'x', windowId: 7 }, 'linux', undefined, false],
    [{ kind: 'window', title: 'x' }, 'win32', 'gdigrab', false],
  ] as const)('%j on %s (%s) needs a lookup: %s', (source, platform, grabber, needed) => {
    expect(sourceNeedsLookup(source, platform, grabber)).toBe(needed);
  });
});
