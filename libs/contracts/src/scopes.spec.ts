import { cameraScopes, isFixedScope } from './scopes.js';

describe('cameraScopes', () => {
  const camera = { name: 'Ann & Bob <lab>', hostName: 'pc 17', mac: '02:aa:bb:cc:dd:ee' };

  it('builds the one list GetScopes answers and discovery announces, free text in one segment', () => {
    expect(cameraScopes(camera, ['Streaming', 'T'])).toEqual([
      'onvif://www.onvif.org/type/video_encoder',
      'onvif://www.onvif.org/Profile/Streaming',
      'onvif://www.onvif.org/Profile/T',
      'onvif://www.onvif.org/hardware/Desktop%20Camera',
      'onvif://www.onvif.org/mac/02:aa:bb:cc:dd:ee',
      'onvif://www.onvif.org/name/Ann%20%26%20Bob%20%3Clab%3E',
      'onvif://www.onvif.org/location/pc%2017',
    ]);
    // Scopes is a whitespace-separated list: no scope may contain a space.
    expect(cameraScopes(camera, []).every((s) => !/\s/.test(s))).toBe(true);
  });

  it('the configurable scopes a client set replace the default name and location', () => {
    const scopes = ['onvif://www.onvif.org/name/Reception', 'odm:building/B'];
    expect(cameraScopes({ ...camera, scopes }, ['Streaming']).slice(-2)).toEqual(scopes);
    expect(cameraScopes({ ...camera, scopes: [] }, ['Streaming'])).toHaveLength(4);
  });

  it('knows the fixed categories', () => {
    expect(isFixedScope('onvif://www.onvif.org/Profile/T')).toBe(true);
    expect(isFixedScope('onvif://www.onvif.org/hardware')).toBe(true);
    expect(isFixedScope('onvif://www.onvif.org/name/x')).toBe(false);
    expect(isFixedScope('onvif://www.onvif.org/typewriter/x')).toBe(false);
  });
});
